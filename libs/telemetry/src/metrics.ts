import type { Counter, Histogram, MeterProvider } from '@opentelemetry/api';
import { metrics } from '@opentelemetry/api';
import { INSTRUMENTATION_SCOPE } from './tracing.js';

/**
 * Ledgerflow's metrics. Names follow the OpenTelemetry semantic-convention style (dotted, lower case),
 * durations are in seconds (unit `s`, as in the OTel semantic conventions, e.g. `http.server.request.duration`),
 * counts use UCUM annotations (`{run}`). The Prometheus exporter turns dots into underscores and adds
 * `_total` to counters (histograms give `_bucket`, `_sum`, `_count`).
 *
 * | name (Prometheus)                                   | kind      | unit         | attributes                 |
 * |-----------------------------------------------------|-----------|--------------|----------------------------|
 * | `ledgerflow.runs` (`ledgerflow_runs_total`)         | counter   | `{run}`      | `status`: triggered, completed, failed, cancelled |
 * | `ledgerflow.step.duration`                          | histogram | `s`          | `workflow`, `step`, `outcome`: succeeded, failed, skipped |
 * | `ledgerflow.policy.decisions` (`..._total`)         | counter   | `{decision}` | `outcome`: allow, deny, require_approval |
 * | `ledgerflow.gate.wait`                              | histogram | `s`          | `workflow`, `outcome`: approved, rejected, redirected |
 * | `ledgerflow.gate.escalations` (`..._total`)         | counter   | `{escalation}` | `workflow`              |
 * | `ledgerflow.event_store.append.duration`            | histogram | `s`          | `store`: sqlite, eventstoredb, memory; `outcome`: ok, conflict, error |
 *
 * Only the attributes named above are expected; keep their values low-cardinality (never run ids).
 */
export interface LedgerflowMetrics {
  /** Runs by status: add 1 when a run is triggered and 1 when it ends (completed, failed, cancelled). */
  readonly runs: Counter<{ status: string }>;
  /** Time from a step's start to its outcome, in seconds. */
  readonly stepDuration: Histogram<{ workflow: string; step: string; outcome: string }>;
  /** Policy decisions by outcome. */
  readonly policyDecisions: Counter<{ outcome: string }>;
  /** Time from a gate's opening to its decision, in seconds. */
  readonly gateWait: Histogram;
  /** Gate SLA escalations. */
  readonly gateEscalations: Counter;
  /** Latency of one event store append (one transaction), in seconds. */
  readonly eventStoreAppendDuration: Histogram;
}

/** Instrument names (stable: dashboards and alerts use them). */
export const MetricName = {
  runs: 'ledgerflow.runs',
  stepDuration: 'ledgerflow.step.duration',
  policyDecisions: 'ledgerflow.policy.decisions',
  gateWait: 'ledgerflow.gate.wait',
  gateEscalations: 'ledgerflow.gate.escalations',
  eventStoreAppendDuration: 'ledgerflow.event_store.append.duration',
} as const;

/**
 * Histogram bucket boundaries in seconds. Step durations use the OTel semantic conventions' advice for
 * `http.server.request.duration` (5 ms .. 10 s) widened to 5 min for slow tools; appends start at 0.1 ms
 * (an SQLite WAL commit with synchronous=FULL takes about 0.2 ms, docs PLATFORM.md); gate waits span a
 * minute to a week (human review SLAs).
 */
export const Buckets = {
  step: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 30, 60, 300],
  append: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
  gate: [1, 10, 60, 300, 900, 1800, 3600, 14_400, 43_200, 86_400, 259_200, 604_800],
} as const;

let cache: { provider: MeterProvider; value: LedgerflowMetrics } | undefined;

/**
 * The Ledgerflow instruments, created on first use from the global meter provider. If the provider changes
 * (telemetry started or shut down after a first call), the instruments are created again from the new one,
 * so a call made before {@link startTelemetry} never pins no-op instruments.
 */
export function ledgerflowMetrics(): LedgerflowMetrics {
  const provider = metrics.getMeterProvider();
  if (cache?.provider === provider) return cache.value;
  const meter = provider.getMeter(INSTRUMENTATION_SCOPE);
  const value: LedgerflowMetrics = {
    runs: meter.createCounter(MetricName.runs, {
      unit: '{run}',
      description: 'Runs by status (triggered, completed, failed, cancelled).',
    }),
    stepDuration: meter.createHistogram(MetricName.stepDuration, {
      unit: 's',
      description: 'Step duration from start to outcome.',
      advice: { explicitBucketBoundaries: [...Buckets.step] },
    }),
    policyDecisions: meter.createCounter(MetricName.policyDecisions, {
      unit: '{decision}',
      description: 'Policy decisions by outcome.',
    }),
    gateWait: meter.createHistogram(MetricName.gateWait, {
      unit: 's',
      description: 'Time from gate opened to gate decided.',
      advice: { explicitBucketBoundaries: [...Buckets.gate] },
    }),
    gateEscalations: meter.createCounter(MetricName.gateEscalations, {
      unit: '{escalation}',
      description: 'Gate SLA escalations.',
    }),
    eventStoreAppendDuration: meter.createHistogram(MetricName.eventStoreAppendDuration, {
      unit: 's',
      description: 'Event store append latency.',
      advice: { explicitBucketBoundaries: [...Buckets.append] },
    }),
  };
  cache = { provider, value };
  return value;
}

/** Seconds elapsed since `startNs` (a `process.hrtime.bigint()` reading), for the duration histograms. */
export function secondsSince(startNs: bigint): number {
  return Number(process.hrtime.bigint() - startNs) / 1e9;
}
