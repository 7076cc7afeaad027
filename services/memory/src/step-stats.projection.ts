import Database from 'better-sqlite3';
import type { Database as SqliteDatabase } from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { StepStats } from '@ledgerflow/contracts';
import { RUN_EVENT_UPCASTERS } from '@ledgerflow/domain';
import type { Upcasters } from '@ledgerflow/domain';

/** Durations kept per step for percentiles: the most recent 1,000 outcomes. */
export const DURATION_WINDOW = 1000;

/** The slice of a stored run event this projection reads (`schemaVersion` absent: 1). */
export interface ProjectedEvent {
  readonly streamId: string;
  readonly revision: number;
  readonly type: string;
  readonly data: Record<string, unknown>;
  readonly metadata: { readonly runId: string; readonly schemaVersion?: number };
}

/**
 * Operational memory's first projection: per workflow and step, how many runs started the step, how many
 * attempts succeeded or failed, and duration percentiles (nearest rank over the last 1,000 outcomes).
 * Stored in its own SQLite file; every event is applied at most once (per-run revision high-water mark,
 * in the same transaction as the update), so redelivered events change nothing. Each event is read in its type's
 * current shape (`upcasters`, default this release's `RUN_EVENT_UPCASTERS`; docs/events.md, "Versions and upcasting").
 */
export class StepStatsProjection {
  private readonly db: SqliteDatabase;
  private readonly statements: ReturnType<StepStatsProjection['prepare']>;

  /**
   * @param path the SQLite file (created with its directory), or `:memory:`.
   * @param upcasters how stored event shapes are read; a test passes a registry with a later version of a type.
   */
  constructor(
    path: string,
    private readonly upcasters: Upcasters = RUN_EVENT_UPCASTERS,
  ) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    // A projection is derived data: it can be rebuilt from LF_EVENTS, so it skips the fsync per commit.
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS memory_runs (run_id TEXT PRIMARY KEY, workflow_id TEXT NOT NULL, applied_revision INTEGER NOT NULL);
      CREATE TABLE IF NOT EXISTS memory_step_stats (
        workflow_id TEXT NOT NULL, step_id TEXT NOT NULL, runs INTEGER NOT NULL DEFAULT 0,
        succeeded INTEGER NOT NULL DEFAULT 0, failed INTEGER NOT NULL DEFAULT 0, durations TEXT NOT NULL DEFAULT '[]',
        PRIMARY KEY (workflow_id, step_id));`);
    this.statements = this.prepare();
  }

  /** The last revision applied for a run's stream, -1 when none. */
  appliedRevision(runId: string): number {
    const row = this.statements.getRun.get(runId) as { applied_revision: number } | undefined;
    return row?.applied_revision ?? -1;
  }

  /**
   * Applies events in one transaction: each run's events in revision order (runs may interleave); events at or
   * below a run's applied revision are skipped. A step's outcomes within the call are written once, with the
   * durations of all of them (one read and one write of its window per call, not per event).
   * @throws EventVersionError `event_version_unsupported` (retryable) for an event newer than this release reads:
   *   nothing of the call is applied.
   */
  apply(events: readonly ProjectedEvent[]): void {
    this.db.transaction(() => {
      const outcomes = new Map<string, Outcomes>();
      for (const event of events) this.applyOne(this.upcasters.upcast(event), outcomes);
      for (const outcome of outcomes.values()) this.recordOutcomes(outcome);
    })();
  }

  stats(workflowId: string): StepStats[] {
    const rows = this.statements.statsOf.all(workflowId) as Array<{
      step_id: string;
      runs: number;
      succeeded: number;
      failed: number;
      durations: string;
    }>;
    return rows.map((row) => {
      const durations = (JSON.parse(row.durations) as number[]).sort((a, b) => a - b);
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

  close(): void {
    this.db.close();
  }

  private applyOne(event: ProjectedEvent, outcomes: Map<string, Outcomes>): void {
    const runId = event.metadata.runId;
    const run = this.statements.getRun.get(runId) as { workflow_id: string; applied_revision: number } | undefined;
    if (run && event.revision <= run.applied_revision) return;
    if (event.type === 'RunTriggered') {
      this.statements.upsertRun.run(runId, String(event.data.workflowId), event.revision);
      return;
    }
    if (!run) return; // the run's RunTriggered was not seen: the caller fills gaps from the store first
    this.statements.setApplied.run(event.revision, runId);
    const stepId = event.data.stepId as string | undefined;
    if (!stepId) return;
    if (event.type === 'StepStarted' && event.data.attempt === 1) this.statements.countRun.run(run.workflow_id, stepId);
    // A result carried over by a fork was not produced by this run: it does not count twice.
    if ((event.type === 'StepSucceeded' || event.type === 'StepFailed') && event.data.carriedOver !== true) {
      const key = `${run.workflow_id}\u0000${stepId}`;
      let outcome = outcomes.get(key);
      if (!outcome)
        outcomes.set(key, (outcome = { workflowId: run.workflow_id, stepId, succeeded: 0, failed: 0, durations: [] }));
      if (event.type === 'StepSucceeded') outcome.succeeded++;
      else outcome.failed++;
      outcome.durations.push(Number(event.data.durationMs ?? 0));
    }
  }

  private recordOutcomes(outcome: Outcomes): void {
    const key = [outcome.workflowId, outcome.stepId] as const;
    this.statements.ensureStep.run(...key);
    const row = this.statements.getStep.get(...key) as { durations: string };
    const durations = [...(JSON.parse(row.durations) as number[]), ...outcome.durations].slice(-DURATION_WINDOW);
    this.statements.recordOutcome.run(outcome.succeeded, outcome.failed, JSON.stringify(durations), ...key);
  }

  private prepare() {
    return {
      getRun: this.db.prepare('SELECT workflow_id, applied_revision FROM memory_runs WHERE run_id = ?'),
      upsertRun: this.db.prepare(
        'INSERT INTO memory_runs (run_id, workflow_id, applied_revision) VALUES (?, ?, ?) ON CONFLICT(run_id) DO NOTHING',
      ),
      setApplied: this.db.prepare('UPDATE memory_runs SET applied_revision = ? WHERE run_id = ?'),
      ensureStep: this.db.prepare('INSERT OR IGNORE INTO memory_step_stats (workflow_id, step_id) VALUES (?, ?)'),
      countRun: this.db.prepare(
        `INSERT INTO memory_step_stats (workflow_id, step_id, runs) VALUES (?, ?, 1)
         ON CONFLICT(workflow_id, step_id) DO UPDATE SET runs = runs + 1`,
      ),
      getStep: this.db.prepare('SELECT durations FROM memory_step_stats WHERE workflow_id = ? AND step_id = ?'),
      recordOutcome: this.db.prepare(
        `UPDATE memory_step_stats SET succeeded = succeeded + ?, failed = failed + ?, durations = ?
         WHERE workflow_id = ? AND step_id = ?`,
      ),
      statsOf: this.db.prepare(
        'SELECT step_id, runs, succeeded, failed, durations FROM memory_step_stats WHERE workflow_id = ? ORDER BY step_id',
      ),
    };
  }
}

/** A step's outcomes gathered within one `apply` call. */
interface Outcomes {
  readonly workflowId: string;
  readonly stepId: string;
  succeeded: number;
  failed: number;
  readonly durations: number[];
}

/** Nearest-rank percentile of sorted values (0 when empty). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.max(1, Math.ceil(p * sorted.length));
  return sorted[rank - 1];
}
