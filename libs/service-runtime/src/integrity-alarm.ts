import type { ChainBroken } from '@ledgerflow/audit';
import { nameBasedUuid } from '@ledgerflow/contracts';
import type { Actor } from '@ledgerflow/contracts';
import type { EventStore } from '@ledgerflow/event-store';
import type { Logger } from '@ledgerflow/telemetry';
import { metrics } from '@opentelemetry/api';
import type { Counter } from '@opentelemetry/api';

/**
 * Counter of broken audit chains a process found (`ledgerflow.integrity.failures`, Prometheus
 * `ledgerflow_integrity_failures_total`, unit `{run}`, attributes `service` and `reason`: a `ChainFailureReason`
 * of `@ledgerflow/audit`). Counted once per run, broken event and reason per process, so any increase is an
 * incident (docs/operations.md, "Integrity"; alert `LedgerflowIntegrityFailed` in deploy/prometheus/alerts.yml).
 */
export const INTEGRITY_FAILURES_METRIC = 'ledgerflow.integrity.failures';

/** Type of the event that marks a run whose chain does not verify. */
export const RUN_INTEGRITY_FAILED = 'RunIntegrityFailed';

/**
 * Where a run's integrity findings are recorded: `integrity-<runId>`, beside (never in) the run's own stream,
 * which nothing may be appended to once its chain is broken. The relay carries them to JetStream as
 * `lf.evt.integrity.integrity-<runId>.RunIntegrityFailed`.
 */
export const integrityStreamId = (runId: string): string => `integrity-${runId}`;

/**
 * Data of a `RunIntegrityFailed` event: the run, the first event that fails its chain (id, revision), why
 * (`reason`, a `ChainFailureReason`; `message` for people) and the service that found it (`detectedBy`).
 */
export interface RunIntegrityFailedData {
  readonly runId: string;
  readonly eventId: string;
  readonly revision: number;
  readonly reason: string;
  readonly message: string;
  readonly detectedBy: string;
}

const METER_SCOPE = '@ledgerflow/service-runtime';
/** Findings remembered per process to report each once (a bounded set: the oldest are forgotten first). */
const REMEMBERED = 10_000;

/**
 * Raises the alarm on a run whose audit chain does not verify: an error log, the
 * {@link INTEGRITY_FAILURES_METRIC} counter, and a `RunIntegrityFailed` event in {@link integrityStreamId} that
 * marks the run for operators (`GET /v1/runs?status=integrity_failed`). Each finding (run, event, reason) is
 * raised once per process; the event id is derived from the finding and the service, so a second process or a
 * restart reporting the same finding appends nothing new (the store's idempotent append).
 */
export class IntegrityAlarm {
  private readonly raised = new Set<string>();
  private counter?: Counter<{ service: string; reason: string }>;

  constructor(
    private readonly store: EventStore,
    private readonly actor: Actor,
    private readonly logger?: Logger,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /**
   * Reports `broken` for `runId`; resolves once the event is stored. Never throws: a failure to record the
   * finding is logged (the log line and the metric still alert).
   */
  async raise(runId: string, broken: ChainBroken): Promise<void> {
    const finding = `${runId}\n${broken.eventId}\n${broken.revision}\n${broken.reason}`;
    if (this.raised.has(finding)) return;
    this.raised.add(finding);
    if (this.raised.size > REMEMBERED) this.raised.delete(this.raised.values().next().value as string);
    const service = this.actor.id;
    this.logger?.error('audit chain broken: the run is refused', {
      runId,
      eventId: broken.eventId,
      revision: broken.revision,
      reason: broken.reason,
      error: broken.message,
    });
    this.counter ??= metrics.getMeter(METER_SCOPE).createCounter(INTEGRITY_FAILURES_METRIC, {
      unit: '{run}',
      description: 'Runs whose audit hash chain does not verify, as found by each service.',
    });
    this.counter.add(1, { service, reason: broken.reason });
    const data: RunIntegrityFailedData = {
      runId,
      eventId: broken.eventId,
      revision: broken.revision,
      reason: broken.reason,
      message: broken.message,
      detectedBy: service,
    };
    try {
      await this.store.append(
        integrityStreamId(runId),
        [
          {
            type: RUN_INTEGRITY_FAILED,
            data,
            metadata: {
              eventId: nameBasedUuid(`integrity\n${service}\n${finding}`),
              runId,
              causationId: broken.eventId || runId,
              actor: this.actor,
              occurredAt: this.clock().toISOString(),
              schemaVersion: 1,
            },
          },
        ],
        { expectedRevision: 'any' },
      );
    } catch (error) {
      this.logger?.error('could not record RunIntegrityFailed', { runId, error: (error as Error).message });
    }
  }
}
