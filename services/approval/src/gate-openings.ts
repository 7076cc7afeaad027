import { DomainError, decide, gatesToOpen } from '@ledgerflow/domain';
import type { GateSpec } from '@ledgerflow/domain';
import type { RunRepository } from '@ledgerflow/service-runtime';
import { SpanAttr, SpanKind, contextFromTraceparent, withSpan } from '@ledgerflow/telemetry';
import type { Logger } from '@ledgerflow/telemetry';

/**
 * Opens every gate a run is waiting for (`gatesToOpen`: steps awaiting approval, and results held for
 * review), with `OpenGate`. `confidenceDefault`: the reviewers (and SLA) of confidence gates when neither the
 * step nor the workflow names any (`LEDGERFLOW_CONFIDENCE_REVIEWERS`). Idempotent: the Run aggregate refuses
 * a second gate for a step, so a replica that lost the race does nothing.
 */
export class GateOpenings {
  constructor(
    private readonly runs: RunRepository,
    private readonly logger: Logger,
    private readonly confidenceDefault: GateSpec,
  ) {}

  /** Returns the ids of the steps whose gate this call opened. */
  async openGates(runId: string, traceparent?: string): Promise<string[]> {
    const { state } = await this.runs.load(runId);
    const opened: string[] = [];
    for (const { stepId, kind } of gatesToOpen(state)) {
      const parent = traceparent ? contextFromTraceparent(traceparent) : undefined;
      await withSpan(
        'approval.open-gate',
        { parent, kind: SpanKind.CONSUMER, attributes: { [SpanAttr.runId]: runId, [SpanAttr.stepId]: stepId } },
        async () => {
          try {
            await this.runs.execute(
              runId,
              (current, now) =>
                decide({ type: 'OpenGate', data: { stepId, confidenceDefault: this.confidenceDefault } }, current, {
                  now,
                }),
              {
                causationId: `open-gate:${runId}.${stepId}`,
              },
            );
            opened.push(stepId);
            this.logger.info('gate opened', { runId, stepId, kind });
          } catch (error) {
            // Another approval replica opened it first, or the run moved on: nothing left to do.
            if (!(error instanceof DomainError)) throw error;
          }
        },
      );
    }
    return opened;
  }
}
