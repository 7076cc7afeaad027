import { DomainError, decide, parseGateId } from '@ledgerflow/domain';
import type { Actor, DecideGateResult } from '@ledgerflow/contracts';
import type { GateDecided, PlanStep } from '@ledgerflow/domain';
import type { StoredEvent } from '@ledgerflow/event-store';
import { ledgerflowMetrics } from '@ledgerflow/telemetry';
import { RunRepository } from '@ledgerflow/service-runtime';
import type { DecideGateDto, RevisionStepDto } from './decide-gate.dto.js';

/**
 * A decision as the decider takes it: the request's fields with the reviewer as verified from their token
 * (the controller verifies; see approval.controller.ts).
 */
export type GateDecision = Omit<DecideGateDto, 'token'> & {
  readonly reviewer: Actor & { readonly roles?: readonly string[]; readonly teams?: readonly string[] };
};

/** Defaults of a step added by a redirect: one attempt, 30 s timeout, required, no tags, no dependencies, name = id. */
export function toPlanStep(step: RevisionStepDto): PlanStep {
  return {
    id: step.id,
    name: step.name ?? step.id,
    tool: step.tool,
    action: step.action,
    agent: step.agent,
    dependsOn: step.dependsOn ?? [],
    input: step.input ?? {},
    retry: step.retry ?? { maxAttempts: 1, backoffMs: 1000, multiplier: 2, maxBackoffMs: 60_000 },
    timeoutMs: step.timeoutMs ?? 30_000,
    optional: step.optional ?? false,
    policyTags: step.policyTags ?? [],
    ...(step.minConfidence === undefined ? {} : { minConfidence: step.minConfidence }),
  };
}

/**
 * Records a reviewer's decision on a gate (`GateDecided`, and for a redirect `PlanRevised`). The Run aggregate
 * enforces who may decide: only a human the gate names by id, role or team (`run_reviewer_not_named`,
 * `run_actor_cannot_decide`), and only once (`run_gate_already_decided`). The reviewer is the events' `metadata.actor`
 * (`via: approval`), as well as `GateDecided.reviewer`.
 * @throws DomainError `run_gate_not_found` for an id that names no gate; the aggregate's codes otherwise.
 */
export class GateDecider {
  constructor(private readonly runs: RunRepository) {}

  async decide(request: GateDecision): Promise<DecideGateResult> {
    const ids = parseGateId(request.gateId);
    if (!ids) throw new DomainError('run_gate_not_found', `gate ${request.gateId} does not exist`);
    const { reviewer, outcome, comment, revision, correctedOutput } = request;
    const result = await this.runs.execute(
      ids.runId,
      (state, now, run) => {
        if (state.status === 'none')
          throw new DomainError('run_gate_not_found', `gate ${request.gateId} does not exist`);
        return decide(
          {
            type: 'DecideGate',
            data: {
              gateId: request.gateId,
              reviewer: {
                kind: reviewer.kind,
                id: reviewer.id,
                ...(reviewer.roles ? { roles: reviewer.roles } : {}),
                ...(reviewer.teams ? { teams: reviewer.teams } : {}),
              },
              outcome,
              ...(comment !== undefined ? { comment } : {}),
              ...(revision !== undefined
                ? { revision: { addSteps: revision.addSteps.map(toPlanStep), removeStepIds: revision.removeStepIds } }
                : {}),
              ...(correctedOutput !== undefined ? { correctedOutput } : {}),
              runDurationMs: RunRepository.runDurationMs(run, now),
            },
          },
          state,
          { now },
        );
      },
      { causationId: `decision:${request.gateId}`, actor: reviewer },
    );
    const decided = result.appended.find((event) => event.type === 'GateDecided');
    if (decided) void this.recordWait(ids.runId, request.gateId, result.state.workflowId);
    return {
      gateId: request.gateId,
      runId: ids.runId,
      outcome: outcome === 'approve' ? 'approved' : outcome === 'reject' ? 'rejected' : 'redirected',
    };
  }

  /**
   * `ledgerflow.gate.wait` (libs/telemetry metrics.ts): seconds from the gate's `GateOpened` to its `GateDecided` (the
   * events' `recordedAt`), read from the run's events once the decision is stored. Never fails or delays the
   * decision: a read that fails records nothing.
   */
  private async recordWait(runId: string, gateId: string, workflowId: string | undefined): Promise<void> {
    try {
      const ofGate = (type: string) => (event: StoredEvent) =>
        event.type === type && (event.data as { gateId?: string }).gateId === gateId;
      const events = await this.runs.currentEvents(runId); // in their types' current shapes (upcast)
      const opened = events.find(ofGate('GateOpened'));
      const decided = events.find(ofGate('GateDecided'));
      if (!opened || !decided) return;
      const waitMs = Date.parse(decided.recordedAt) - Date.parse(opened.recordedAt);
      if (!Number.isFinite(waitMs)) return;
      ledgerflowMetrics().gateWait.record(Math.max(0, waitMs) / 1000, {
        workflow: workflowId ?? 'unknown',
        outcome: (decided.data as GateDecided['data']).outcome,
      });
    } catch {
      /* a metric is not worth failing a decision for */
    }
  }
}
