import type { Counter, Histogram, MeterProvider, ObservableGauge } from '@opentelemetry/api';
import { metrics } from '@opentelemetry/api';
import { INSTRUMENTATION_SCOPE } from './tracing.js';

/**
 * Ledgerflow's metrics, each recorded where the thing happens. Names follow the OpenTelemetry semantic-convention
 * style (dotted, lower case); durations are in seconds (unit `s`, as `http.server.request.duration`), counts use
 * UCUM annotations (`{run}`). The Prometheus exporter turns dots into underscores and adds `_total` to counters
 * (histograms give `_bucket`, `_sum`, `_count`). Every process also serves the Node.js runtime metrics of
 * `@opentelemetry/instrumentation-runtime-node` (`nodejs_eventloop_*`, `v8js_*`; exporters.ts).
 *
 * | name (Prometheus)                                   | kind      | unit           | attributes; recorded by |
 * |-----------------------------------------------------|-----------|----------------|-------------------------|
 * | `ledgerflow.runs` (`ledgerflow_runs_total`)         | counter   | `{run}`        | `workflow`, `status`: triggered, completed, failed, cancelled; planner, from relayed `RunTriggered`/`RunCompleted`/`RunFailed`/`RunCancelled` |
 * | `ledgerflow.step.duration`                          | histogram | `s`            | `tool`, `action`, `outcome`: succeeded, failed; executor, when it records a tool call's outcome |
 * | `ledgerflow.policy.decisions` (`..._total`)         | counter   | `{decision}`   | `outcome`: allow, deny, require_approval; policy |
 * | `ledgerflow.gate.wait`                              | histogram | `s`            | `workflow`, `outcome`: approved, rejected, redirected; approval, when a gate is decided |
 * | `ledgerflow.gate.escalations` (`..._total`)         | counter   | `{escalation}` | `workflow`; planner, from relayed `GateEscalated` |
 * | `ledgerflow.event_store.append.duration`            | histogram | `s`            | `store`: sqlite, eventstoredb, memory; `outcome`: ok, conflict, error; every process, per append |
 * | `ledgerflow.relay.lag`                              | histogram | `s`            | none; planner (relay), from an event's `recordedAt` (its commit in the store) to JetStream's ack of its copy in `LF_EVENTS` |
 * | `ledgerflow.consumer.pending`                       | gauge     | `{message}`    | `consumer` (durable name); each consuming process, JetStream's `num_pending` at collection |
 * | `ledgerflow.consumer.redeliveries` (`..._total`)    | counter   | `{delivery}`   | `consumer`; each consuming process, per delivery after the first |
 * | `ledgerflow.consumer.dead_letters` (`..._total`)    | counter   | `{message}`    | `consumer`; each consuming process, per message dead-lettered after `maxDeliver` failures |
 * | `ledgerflow.relay.dead_letters` (`..._total`)       | counter   | `{event}`      | `reason`: event_too_large, event_rejected; planner (relay), per event put into `LF_DLQ` instead of `LF_EVENTS` |
 *
 * Only the attributes named above are expected; keep their values low-cardinality (never run, step or gate ids).
 * Counters defined next to their code: `ledgerflow.integrity.failures`,
 * `ledgerflow.audit.anchors_published`, `ledgerflow.tool.unverified_calls`, `ledgerflow.webhook.deliveries`,
 * `ledgerflow.memory.drift.detections` (below, {@link recordDriftDetected}).
 */
export interface LedgerflowMetrics {
  /** Runs by workflow and status: 1 when a run is triggered and 1 when it ends (completed, failed, cancelled). */
  readonly runs: Counter<{ workflow: string; status: RunStatusLabel }>;
  /** Time from a step attempt's start to its outcome, in seconds (`durationMs` of `StepSucceeded`/`StepFailed`). */
  readonly stepDuration: Histogram<{ tool: string; action: string; outcome: 'succeeded' | 'failed' }>;
  /** Policy decisions by outcome. */
  readonly policyDecisions: Counter<{ outcome: string }>;
  /** Time from a gate's opening (`GateOpened`) to its decision (`GateDecided`), in seconds. */
  readonly gateWait: Histogram<{ workflow: string; outcome: 'approved' | 'rejected' | 'redirected' }>;
  /** Gate SLA escalations (`GateEscalated`). */
  readonly gateEscalations: Counter<{ workflow: string }>;
  /** Latency of one event store append (one transaction, or one group commit's share), in seconds. */
  readonly eventStoreAppendDuration: Histogram<{ store: string; outcome: 'ok' | 'conflict' | 'error' }>;
  /** Seconds from an event's `recordedAt` (its commit in the store) to JetStream's acknowledgement of its copy in `LF_EVENTS`. */
  readonly relayLag: Histogram;
  /** Messages of a durable consumer not yet delivered (JetStream `num_pending`), observed at collection. */
  readonly consumerPending: ObservableGauge<{ consumer: string }>;
  /** Deliveries after the first (JetStream `redelivered`): a nak, an ack wait that ran out, a process that died. */
  readonly consumerRedeliveries: Counter<{ consumer: string }>;
  /** Messages a durable consumer dead-lettered (to `LF_DLQ`) after `maxDeliver` failed deliveries. */
  readonly consumerDeadLetters: Counter<{ consumer: string }>;
  /** Events the relay could not publish and dead-lettered (docs/operations.md, "Limits"). */
  readonly relayDeadLetters: Counter<{ reason: 'event_too_large' | 'event_rejected' }>;
}

/** The `status` of {@link LedgerflowMetrics.runs}. */
export type RunStatusLabel = 'triggered' | 'completed' | 'failed' | 'cancelled';

/** Instrument names (stable: dashboards and alerts use them). */
export const MetricName = {
  runs: 'ledgerflow.runs',
  stepDuration: 'ledgerflow.step.duration',
  policyDecisions: 'ledgerflow.policy.decisions',
  gateWait: 'ledgerflow.gate.wait',
  gateEscalations: 'ledgerflow.gate.escalations',
  eventStoreAppendDuration: 'ledgerflow.event_store.append.duration',
  relayLag: 'ledgerflow.relay.lag',
  consumerPending: 'ledgerflow.consumer.pending',
  consumerRedeliveries: 'ledgerflow.consumer.redeliveries',
  consumerDeadLetters: 'ledgerflow.consumer.dead_letters',
  relayDeadLetters: 'ledgerflow.relay.dead_letters',
} as const;

/**
 * Histogram bucket boundaries in seconds. Step durations use the OTel semantic conventions' advice for
 * `http.server.request.duration` (5 ms .. 10 s) widened to 5 min for slow tools; appends start at 0.1 ms
 * (an SQLite WAL commit with synchronous=FULL takes about 0.2 ms, docs PLATFORM.md); gate waits span a
 * second to a week (human review SLAs); relay lag spans 1 ms (a pipelined publish) to 5 min (a bus outage).
 */
export const Buckets = {
  step: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 30, 60, 300],
  append: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
  gate: [1, 10, 60, 300, 900, 1800, 3600, 14_400, 43_200, 86_400, 259_200, 604_800],
  relay: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
} as const;

let cache: { provider: MeterProvider; value: LedgerflowMetrics } | undefined;

/**
 * The Ledgerflow instruments, created on first use from the global meter provider. If the provider changes
 * (telemetry started or shut down after a first call), the instruments are created again from the new one,
 * so a call made before {@link startTelemetry} never pins no-op instruments. An observable gauge's callbacks
 * belong to the instrument of the provider they were added on.
 */
export function ledgerflowMetrics(): LedgerflowMetrics {
  const provider = metrics.getMeterProvider();
  if (cache?.provider === provider) return cache.value;
  const meter = provider.getMeter(INSTRUMENTATION_SCOPE);
  const value: LedgerflowMetrics = {
    runs: meter.createCounter(MetricName.runs, {
      unit: '{run}',
      description: 'Runs by workflow and status (triggered, completed, failed, cancelled).',
    }),
    stepDuration: meter.createHistogram(MetricName.stepDuration, {
      unit: 's',
      description: 'Step attempt duration from start to outcome, by tool, action and outcome.',
      advice: { explicitBucketBoundaries: [...Buckets.step] },
    }),
    policyDecisions: meter.createCounter(MetricName.policyDecisions, {
      unit: '{decision}',
      description: 'Policy decisions by outcome.',
    }),
    gateWait: meter.createHistogram(MetricName.gateWait, {
      unit: 's',
      description: 'Time from gate opened to gate decided, by workflow and outcome.',
      advice: { explicitBucketBoundaries: [...Buckets.gate] },
    }),
    gateEscalations: meter.createCounter(MetricName.gateEscalations, {
      unit: '{escalation}',
      description: 'Gate SLA escalations by workflow.',
    }),
    eventStoreAppendDuration: meter.createHistogram(MetricName.eventStoreAppendDuration, {
      unit: 's',
      description: 'Event store append latency, by store and outcome.',
      advice: { explicitBucketBoundaries: [...Buckets.append] },
    }),
    relayLag: meter.createHistogram(MetricName.relayLag, {
      unit: 's',
      description: 'Time from an event being recorded to its copy being acknowledged in LF_EVENTS.',
      advice: { explicitBucketBoundaries: [...Buckets.relay] },
    }),
    consumerPending: meter.createObservableGauge(MetricName.consumerPending, {
      unit: '{message}',
      description: 'Messages of a JetStream durable consumer not yet delivered (num_pending).',
    }),
    consumerRedeliveries: meter.createCounter(MetricName.consumerRedeliveries, {
      unit: '{delivery}',
      description: 'Redeliveries of JetStream messages, by durable consumer.',
    }),
    consumerDeadLetters: meter.createCounter(MetricName.consumerDeadLetters, {
      unit: '{message}',
      description: 'Messages dead-lettered after maxDeliver failed deliveries, by durable consumer.',
    }),
    relayDeadLetters: meter.createCounter(MetricName.relayDeadLetters, {
      unit: '{event}',
      description: 'Events the relay could not publish and dead-lettered.',
    }),
  };
  cache = { provider, value };
  return value;
}

/** Seconds elapsed since `startNs` (a `process.hrtime.bigint()` reading), for the duration histograms. */
export function secondsSince(startNs: bigint): number {
  return Number(process.hrtime.bigint() - startNs) / 1e9;
}

/**
 * Counter of drift detections (`ledgerflow.memory.drift.detections`, Prometheus
 * `ledgerflow_memory_drift_detections_total`, unit `{detection}`, attributes `workflow` and `signal`: `confidence` or
 * `escalation_rate`). Memory counts one per `DriftDetected` it appends (docs/memory.md, "Drift"); any increase raises
 * the alert `LedgerflowDriftDetected` (deploy/prometheus/alerts.yml). Outside the table above on purpose: a
 * detection is rare, so no dashboard panel could show data for it in a short test run.
 */
export const DRIFT_DETECTIONS_METRIC = 'ledgerflow.memory.drift.detections';

/** The `signal` of {@link DRIFT_DETECTIONS_METRIC}, as `DriftDetected.signal` names it. */
export type DriftSignalLabel = 'confidence' | 'escalation_rate';

let driftCache:
  { provider: MeterProvider; counter: Counter<{ workflow: string; signal: DriftSignalLabel }> } | undefined;

/**
 * Counts one drift detection of `workflowId` on `signal` ({@link DRIFT_DETECTIONS_METRIC}); memory calls it once
 * per `DriftDetected` it appends. The counter is created from the global meter provider on first use (again when
 * the provider changed, as {@link ledgerflowMetrics}).
 */
export function recordDriftDetected(detection: {
  readonly workflowId: string;
  readonly signal: DriftSignalLabel;
}): void {
  const provider = metrics.getMeterProvider();
  if (driftCache?.provider !== provider) {
    const counter = provider.getMeter(INSTRUMENTATION_SCOPE).createCounter<{
      workflow: string;
      signal: DriftSignalLabel;
    }>(DRIFT_DETECTIONS_METRIC, {
      unit: '{detection}',
      description: 'Drift detections (DriftDetected) by workflow and signal (confidence, escalation_rate).',
    });
    driftCache = { provider, counter };
  }
  driftCache.counter.add(1, { workflow: detection.workflowId, signal: detection.signal });
}
