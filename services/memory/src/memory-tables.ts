import type { Database, Statement } from 'better-sqlite3';
import { mergeWindow } from './projected-event.js';
import type { Sample } from './projected-event.js';

/** Example runs kept per failure cluster (the latest, listed oldest first). */
export const CLUSTER_EXAMPLES = 5;
/** Example runs kept per gate-wait and step-timing row (the latest, listed oldest first). */
export const ROW_EXAMPLES = 10;

/** An example run: the time it showed the pattern and its id. */
export type Example = readonly [time: string, runId: string];

/**
 * Merges examples keeping, per run, its latest time, then the `size` latest runs (by time, then run id), oldest
 * first: the same set whatever order the examples arrive in.
 */
export function mergeExamples(examples: readonly Example[], added: readonly Example[], size: number): Example[] {
  const latest = new Map<string, string>();
  for (const [time, runId] of [...examples, ...added]) {
    const seen = latest.get(runId);
    if (seen === undefined || time > seen) latest.set(runId, time);
  }
  const merged: Example[] = [...latest].map(([runId, time]) => [time, runId] as const);
  merged.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return merged.slice(-size);
}

const minTime = (a: string, b: string): string => (a === '' ? b : b === '' || a <= b ? a : b);
const maxTime = (a: string, b: string): string => (a >= b ? a : b);

/** What a batch adds to one row of a windowed table (step stats, timings, gate waits, clusters). */
export interface RowDelta {
  readonly key: readonly string[];
  count: number;
  succeeded: number;
  failed: number;
  runs: number;
  total: number;
  samples: Sample[];
  examples: Example[];
  firstSeen: string;
  lastSeen: string;
  /** The timeout of the latest attempt, with its position. */
  timeout?: Sample;
}

/** Accumulates a batch's deltas per row key, so each row is read and written once per batch. */
export class Deltas {
  private readonly rows = new Map<string, RowDelta>();

  at(key: readonly string[]): RowDelta {
    const id = key.join('\u0000');
    let row = this.rows.get(id);
    if (!row) {
      row = {
        key,
        count: 0,
        succeeded: 0,
        failed: 0,
        runs: 0,
        total: 0,
        samples: [],
        examples: [],
        firstSeen: '',
        lastSeen: '',
      };
      this.rows.set(id, row);
    }
    return row;
  }

  seen(row: RowDelta, time: string): void {
    row.firstSeen = minTime(row.firstSeen, time);
    row.lastSeen = maxTime(row.lastSeen, time);
  }

  values(): IterableIterator<RowDelta> {
    return this.rows.values();
  }
}

/** The prepared statements of the windowed tables, and how a batch's deltas are merged into them. */
export class WindowedTables {
  private readonly statements: Record<string, Statement>;

  constructor(db: Database) {
    this.statements = {
      statsGet: db.prepare(
        'SELECT runs, succeeded, failed, durations FROM memory_step_stats WHERE workflow_id = ? AND step_id = ?',
      ),
      statsPut: db.prepare(
        'INSERT OR REPLACE INTO memory_step_stats (workflow_id, step_id, runs, succeeded, failed, durations) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      timingGet: db.prepare('SELECT * FROM memory_step_timings WHERE workflow_id = ? AND scope = ? AND step_id = ?'),
      timingPut: db.prepare(
        `INSERT OR REPLACE INTO memory_step_timings (workflow_id, scope, step_id, timeout_ms, timeout_position, durations,
         first_seen, last_seen, examples) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      gateGet: db.prepare('SELECT * FROM memory_gate_waits WHERE workflow_id = ? AND scope = ? AND step_id = ?'),
      gatePut: db.prepare(
        `INSERT OR REPLACE INTO memory_gate_waits (workflow_id, scope, step_id, count, total_ms, waits, first_seen,
         last_seen, examples) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      clusterGet: db.prepare(
        'SELECT * FROM memory_failure_clusters WHERE workflow_id = ? AND scope = ? AND step_id = ? AND code = ? AND tool = ?',
      ),
      clusterPut: db.prepare(
        `INSERT OR REPLACE INTO memory_failure_clusters (workflow_id, scope, step_id, code, tool, count, runs,
         first_seen, last_seen, examples) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
    };
  }

  /** Step statistics (per workflow and step): key `[workflowId, stepId]`. */
  flushStats(delta: RowDelta): void {
    const row = this.statements.statsGet.get(...delta.key) as
      { runs: number; succeeded: number; failed: number; durations: string } | undefined;
    const durations = mergeWindow(parse<Sample[]>(row?.durations, []), delta.samples);
    this.statements.statsPut.run(
      ...delta.key,
      (row?.runs ?? 0) + delta.runs,
      (row?.succeeded ?? 0) + delta.succeeded,
      (row?.failed ?? 0) + delta.failed,
      JSON.stringify(durations),
    );
  }

  /** Step timings (per workflow, scope and step): key `[workflowId, scope, stepId]`. */
  flushTiming(delta: RowDelta): void {
    const row = this.statements.timingGet.get(...delta.key) as
      (WindowRow & { timeout_ms: number; timeout_position: number }) | undefined;
    const timeout: Sample =
      row && (!delta.timeout || row.timeout_position > delta.timeout[0])
        ? [row.timeout_position, row.timeout_ms]
        : (delta.timeout ?? [0, 0]);
    this.statements.timingPut.run(
      ...delta.key,
      timeout[1],
      timeout[0],
      JSON.stringify(mergeWindow(parse<Sample[]>(row?.durations, []), delta.samples)),
      minTime(row?.first_seen ?? '', delta.firstSeen),
      maxTime(row?.last_seen ?? '', delta.lastSeen),
      JSON.stringify(mergeExamples(parse<Example[]>(row?.examples, []), delta.examples, ROW_EXAMPLES)),
    );
  }

  /** Gate waits (per workflow, scope and step): key `[workflowId, scope, stepId]`. */
  flushGateWait(delta: RowDelta): void {
    const row = this.statements.gateGet.get(...delta.key) as
      (WindowRow & { count: number; total_ms: number }) | undefined;
    this.statements.gatePut.run(
      ...delta.key,
      (row?.count ?? 0) + delta.count,
      (row?.total_ms ?? 0) + delta.total,
      JSON.stringify(mergeWindow(parse<Sample[]>(row?.waits, []), delta.samples)),
      minTime(row?.first_seen ?? '', delta.firstSeen),
      maxTime(row?.last_seen ?? '', delta.lastSeen),
      JSON.stringify(mergeExamples(parse<Example[]>(row?.examples, []), delta.examples, ROW_EXAMPLES)),
    );
  }

  /** Failure clusters: key `[workflowId, scope, stepId, code, tool]`. */
  flushCluster(delta: RowDelta): void {
    const row = this.statements.clusterGet.get(...delta.key) as
      (WindowRow & { count: number; runs: number }) | undefined;
    this.statements.clusterPut.run(
      ...delta.key,
      (row?.count ?? 0) + delta.count,
      (row?.runs ?? 0) + delta.runs,
      minTime(row?.first_seen ?? '', delta.firstSeen),
      maxTime(row?.last_seen ?? '', delta.lastSeen),
      JSON.stringify(mergeExamples(parse<Example[]>(row?.examples, []), delta.examples, CLUSTER_EXAMPLES)),
    );
  }
}

interface WindowRow {
  readonly durations?: string;
  readonly waits?: string;
  readonly first_seen: string;
  readonly last_seen: string;
  readonly examples: string;
}

/** JSON text of a column, or `fallback` when absent. */
export function parse<T>(text: string | null | undefined, fallback: T): T {
  return text === undefined || text === null ? fallback : (JSON.parse(text) as T);
}
