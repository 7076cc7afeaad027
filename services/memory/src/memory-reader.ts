import type { Database, Statement } from 'better-sqlite3';
import type {
  LabelledExample,
  MemoryLabelsPage,
  MemoryScope,
  ReviewVerdict,
  StepCalibration,
  StepStats,
  UsageTotals,
} from '@ledgerflow/contracts';
import { stepCalibration } from './calibration.js';
import type { BucketCounts } from './calibration.js';
import type { FailureCluster, GateWait, MemorySnapshot, Seen } from './insights.js';
import type { MemoryFacts, OperatorFix, RunOutcome, StepTiming } from './memory-facts.js';
import { parse } from './memory-tables.js';
import type { Example } from './memory-tables.js';
import { CONFIDENCE_SCALE, COST_SCALE } from './memory-writer.js';
import { percentile } from './projected-event.js';
import type { Sample } from './projected-event.js';
import { decodeLabelsCursor, encodeLabelsCursor } from './labels-cursor.js';

const scopeFromKey = (key: string): MemoryScope => (key === '' ? [] : key.split(','));
const sortedValues = (samples: readonly Sample[]): number[] => samples.map((s) => s[1]).sort((a, b) => a - b);
const seen = (row: { first_seen: string; last_seen: string; examples: string }): Seen => ({
  firstSeen: row.first_seen,
  lastSeen: row.last_seen,
  exampleRunIds: parse<Example[]>(row.examples, []).map((example) => example[1]),
});

/**
 * The queries over memory's tables: `MemoryFacts`, the step statistics, the insights' snapshot and labels. Every
 * figure but `stats` and `labels` covers the workflow's current scope only ({@link MemoryReader.scopeOf}).
 */
export class MemoryReader implements MemoryFacts {
  private readonly q: Record<string, Statement>;

  constructor(db: Database) {
    const select = (table: string, order: string) =>
      db.prepare(`SELECT * FROM ${table} WHERE workflow_id = ? AND scope = ? ORDER BY ${order}`);
    this.q = {
      scope: db.prepare('SELECT scope FROM memory_workflows WHERE workflow_id = ?'),
      runCount: db.prepare(
        'SELECT COUNT(*) AS n FROM memory_runs WHERE workflow_id = ? AND scope = ? AND evaluation = 0',
      ),
      stats: db.prepare('SELECT * FROM memory_step_stats WHERE workflow_id = ? ORDER BY step_id'),
      fixes: select('memory_operator_fixes', 'fixed_at, run_id, step_id, attempt'),
      timings: select('memory_step_timings', 'step_id'),
      clusters: select('memory_failure_clusters', 'step_id, code, tool'),
      gateWaits: select('memory_gate_waits', 'step_id'),
      confidence: select('memory_confidence', 'step_id, bucket'),
      usage: db.prepare(
        `SELECT step_id, SUM(input_tokens) AS input_tokens, SUM(output_tokens) AS output_tokens,
         SUM(cost_nanos) AS cost_nanos, SUM(steps) AS steps, MIN(last_at) AS first_seen, MAX(last_at) AS last_seen
         FROM memory_usage WHERE workflow_id = ? AND scope = ? GROUP BY step_id ORDER BY step_id`,
      ),
      usageRuns: db.prepare(
        `SELECT run_id FROM memory_usage WHERE workflow_id = ? AND scope = ? AND step_id = ?
         ORDER BY last_at DESC, run_id DESC LIMIT 10`,
      ),
      runUsage: db.prepare('SELECT * FROM memory_usage WHERE run_id = ? ORDER BY step_id'),
      labelRuns: db.prepare(
        `SELECT run_id FROM memory_labels WHERE workflow_id = ? AND scope = ? AND step_id = ?
         ORDER BY seq DESC LIMIT 10`,
      ),
      outcomesAfter: db.prepare(
        `SELECT * FROM memory_run_outcomes WHERE workflow_id = ? AND scope = ? AND ended_at > ?
         ORDER BY ended_at, run_id LIMIT ?`,
      ),
      outcomesBefore: db.prepare(
        `SELECT * FROM memory_run_outcomes WHERE workflow_id = ? AND scope = ? AND ended_at <= ?
         ORDER BY ended_at DESC, run_id DESC LIMIT ?`,
      ),
      outcomesLatest: db.prepare(
        'SELECT * FROM memory_run_outcomes WHERE workflow_id = ? AND scope = ? ORDER BY ended_at DESC, run_id DESC LIMIT ?',
      ),
      labels: db.prepare(
        'SELECT * FROM memory_labels WHERE workflow_id = ? AND seq > ? AND (? IS NULL OR step_id = ?) ORDER BY seq LIMIT ?',
      ),
    };
  }

  /** The scope key of the workflow's latest production run (by `RunTriggered` time, then run id); `''` when none. */
  scopeKey(workflowId: string): string {
    return (this.q.scope.get(workflowId) as { scope: string } | undefined)?.scope ?? '';
  }

  scopeOf(workflowId: string): MemoryScope {
    return scopeFromKey(this.scopeKey(workflowId));
  }

  /** Production runs of the workflow's current scope whose plan was seen (evaluation runs excluded). */
  runCount(workflowId: string): number {
    return (this.q.runCount.get(workflowId, this.scopeKey(workflowId)) as { n: number }).n;
  }

  /** Per-step statistics over every production run of the workflow (all scopes), steps in id order. */
  stats(workflowId: string): StepStats[] {
    const rows = this.q.stats.all(workflowId) as Array<{
      step_id: string;
      runs: number;
      succeeded: number;
      failed: number;
      durations: string;
    }>;
    return rows.map((row) => {
      const durations = sortedValues(parse<Sample[]>(row.durations, []));
      const attempts = row.succeeded + row.failed;
      return {
        workflowId,
        stepId: row.step_id,
        runs: row.runs,
        succeeded: row.succeeded,
        failed: row.failed,
        successRate: attempts === 0 ? 0 : row.succeeded / attempts,
        p50DurationMs: percentile(durations, 0.5),
        p95DurationMs: percentile(durations, 0.95),
      };
    });
  }

  operatorFixes(workflowId: string): readonly OperatorFix[] {
    const key = this.scopeKey(workflowId);
    return (this.q.fixes.all(workflowId, key) as FixRow[]).map((row) => ({
      workflowId,
      scope: scopeFromKey(row.scope),
      runId: row.run_id,
      stepId: row.step_id,
      code: row.code,
      action: row.action,
      addedSteps: JSON.parse(row.added_steps) as OperatorFix['addedSteps'],
      ...(row.actor === null ? {} : { actor: row.actor }),
      failedAt: row.failed_at,
      fixedAt: row.fixed_at,
      succeeded: row.succeeded === 1,
    }));
  }

  runOutcomes(workflowId: string, window: { after?: string; before?: string; limit: number }): readonly RunOutcome[] {
    const key = this.scopeKey(workflowId);
    const limit = Math.max(0, Math.floor(window.limit));
    const rows =
      window.after !== undefined
        ? (this.q.outcomesAfter.all(workflowId, key, window.after, limit) as OutcomeRow[])
        : window.before !== undefined
          ? (this.q.outcomesBefore.all(workflowId, key, window.before, limit) as OutcomeRow[]).reverse()
          : (this.q.outcomesLatest.all(workflowId, key, limit) as OutcomeRow[]).reverse();
    return rows.map((row) => ({
      runId: row.run_id,
      workflowId,
      scope: scopeFromKey(row.scope),
      status: row.status,
      triggeredAt: row.triggered_at,
      endedAt: row.ended_at,
      durationMs: row.duration_ms,
      gateWaitMs: row.gate_wait_ms,
      operatorInterventions: row.operator_interventions,
      recoveries: JSON.parse(row.recoveries) as string[],
    }));
  }

  stepTimings(workflowId: string): readonly (StepTiming & Seen)[] {
    const rows = this.q.timings.all(workflowId, this.scopeKey(workflowId)) as Array<TimingRow>;
    return rows.map((row) => {
      const durations = sortedValues(parse<Sample[]>(row.durations, []));
      return {
        workflowId,
        stepId: row.step_id,
        timeoutMs: row.timeout_ms,
        samples: durations.length,
        p95DurationMs: percentile(durations, 0.95),
        p99DurationMs: percentile(durations, 0.99),
        ...seen(row),
      };
    });
  }

  calibration(workflowId: string): readonly (StepCalibration & Seen)[] {
    const key = this.scopeKey(workflowId);
    const rows = this.q.confidence.all(workflowId, key) as ConfidenceRow[];
    const bySteps = new Map<string, ConfidenceRow[]>();
    for (const row of rows) bySteps.set(row.step_id, [...(bySteps.get(row.step_id) ?? []), row]);
    return [...bySteps].map(([stepId, list]) => ({
      ...stepCalibration(stepId, list.map(bucketCounts), CONFIDENCE_SCALE),
      firstSeen: list.map((r) => r.first_seen).sort()[0],
      lastSeen: list.map((r) => r.last_seen).sort()[list.length - 1],
      exampleRunIds: (this.q.labelRuns.all(workflowId, key, stepId) as Array<{ run_id: string }>)
        .map((r) => r.run_id)
        .reverse(),
    }));
  }

  /** Everything the insights read, for the workflow's current scope. */
  snapshot(workflowId: string): MemorySnapshot {
    const key = this.scopeKey(workflowId);
    const clusters = (this.q.clusters.all(workflowId, key) as ClusterRow[]).map((row): FailureCluster => ({
      stepId: row.step_id,
      code: row.code,
      tool: row.tool,
      count: row.count,
      runs: row.runs,
      ...seen(row),
    }));
    const gateWaits = (this.q.gateWaits.all(workflowId, key) as GateRow[]).map((row): GateWait => ({
      stepId: row.step_id,
      count: row.count,
      totalMs: row.total_ms,
      p95WaitMs: percentile(sortedValues(parse<Sample[]>(row.waits, [])), 0.95),
      ...seen(row),
    }));
    const byStep: Record<string, UsageTotals & Seen> = {};
    const total = { inputTokens: 0, outputTokens: 0, costNanos: 0, steps: 0 };
    for (const row of this.q.usage.all(workflowId, key) as UsageRow[]) {
      byStep[row.step_id] = {
        ...usageOf(row),
        firstSeen: row.first_seen,
        lastSeen: row.last_seen,
        exampleRunIds: (this.q.usageRuns.all(workflowId, key, row.step_id) as Array<{ run_id: string }>)
          .map((r) => r.run_id)
          .reverse(),
      };
      total.inputTokens += row.input_tokens;
      total.outputTokens += row.output_tokens;
      total.costNanos += row.cost_nanos;
      total.steps += row.steps;
    }
    return {
      workflowId,
      scope: scopeFromKey(key),
      runs: this.runCount(workflowId),
      clusters,
      timings: this.stepTimings(workflowId),
      gateWaits,
      fixes: this.operatorFixes(workflowId),
      calibration: this.calibration(workflowId),
      usage: {
        inputTokens: total.inputTokens,
        outputTokens: total.outputTokens,
        costUsd: total.costNanos / COST_SCALE,
        steps: total.steps,
        byStep,
      },
    };
  }

  /** A run's usage per step and in total (`StepSucceeded.usage`), e.g. for its trace. */
  runUsage(runId: string): UsageTotals & { readonly byStep: Readonly<Record<string, UsageTotals>> } {
    const byStep: Record<string, UsageTotals> = {};
    let total: UsageTotals = { inputTokens: 0, outputTokens: 0, costUsd: 0, steps: 0 };
    let costNanos = 0;
    for (const row of this.q.runUsage.all(runId) as UsageRow[]) {
      byStep[row.step_id] = usageOf(row);
      costNanos += row.cost_nanos;
      total = {
        inputTokens: total.inputTokens + row.input_tokens,
        outputTokens: total.outputTokens + row.output_tokens,
        costUsd: 0,
        steps: total.steps + row.steps,
      };
    }
    return { ...total, costUsd: costNanos / COST_SCALE, byStep };
  }

  /**
   * Labelled examples of the workflow (every scope), oldest first (by the store position of their `GateDecided`), from
   * after the cursor `after`; `next` is set when more may follow.
   * @throws ValidationError `request_invalid` for a cursor this service did not give.
   */
  labels(workflowId: string, options: { stepId?: string; after?: string; limit: number }): MemoryLabelsPage {
    const afterSeq = options.after === undefined ? 0 : decodeLabelsCursor(options.after);
    const stepId = options.stepId ?? null;
    const rows = this.q.labels.all(workflowId, afterSeq, stepId, stepId, options.limit + 1) as LabelRow[];
    const page = rows.slice(0, options.limit);
    const labels = page.map((row): LabelledExample => ({
      runId: row.run_id,
      stepId: row.step_id,
      input: parse<unknown>(row.input, null),
      output: parse<unknown>(row.output, null),
      correctedOutput: parse<unknown>(row.corrected_output, null),
      verdict: row.verdict,
      ...(row.confidence === null ? {} : { confidence: row.confidence }),
      reviewer: row.reviewer,
      decidedAt: row.decided_at,
    }));
    return rows.length > options.limit ? { labels, next: encodeLabelsCursor(page[page.length - 1].seq) } : { labels };
  }
}

function usageOf(row: UsageRow): UsageTotals {
  return {
    inputTokens: row.input_tokens,
    outputTokens: row.output_tokens,
    costUsd: row.cost_nanos / COST_SCALE,
    steps: row.steps,
  };
}

function bucketCounts(row: ConfidenceRow): BucketCounts {
  return {
    bucket: row.bucket,
    count: row.count,
    confidenceMicros: row.confidence_micros,
    accepted: row.accepted,
    corrected: row.corrected,
    rejected: row.rejected,
  };
}

interface SeenRow {
  readonly first_seen: string;
  readonly last_seen: string;
  readonly examples: string;
}
interface FixRow {
  readonly scope: string;
  readonly run_id: string;
  readonly step_id: string;
  readonly code: string;
  readonly action: string;
  readonly added_steps: string;
  readonly actor: string | null;
  readonly failed_at: string;
  readonly fixed_at: string;
  readonly succeeded: number;
}
interface OutcomeRow {
  readonly run_id: string;
  readonly scope: string;
  readonly status: RunOutcome['status'];
  readonly triggered_at: string;
  readonly ended_at: string;
  readonly duration_ms: number;
  readonly gate_wait_ms: number;
  readonly operator_interventions: number;
  readonly recoveries: string;
}
interface TimingRow extends SeenRow {
  readonly step_id: string;
  readonly timeout_ms: number;
  readonly durations: string;
}
interface ClusterRow extends SeenRow {
  readonly step_id: string;
  readonly code: string;
  readonly tool: string;
  readonly count: number;
  readonly runs: number;
}
interface GateRow extends SeenRow {
  readonly step_id: string;
  readonly count: number;
  readonly total_ms: number;
  readonly waits: string;
}
interface ConfidenceRow extends Omit<BucketCounts, 'confidenceMicros'> {
  readonly step_id: string;
  readonly confidence_micros: number;
  readonly first_seen: string;
  readonly last_seen: string;
}
interface UsageRow {
  readonly step_id: string;
  readonly input_tokens: number;
  readonly output_tokens: number;
  readonly cost_nanos: number;
  readonly steps: number;
  readonly first_seen: string;
  readonly last_seen: string;
}
interface LabelRow {
  readonly seq: number;
  readonly run_id: string;
  readonly step_id: string;
  readonly input: string | null;
  readonly output: string | null;
  readonly corrected_output: string | null;
  readonly verdict: ReviewVerdict;
  readonly confidence: number | null;
  readonly reviewer: string;
  readonly decided_at: string;
}
