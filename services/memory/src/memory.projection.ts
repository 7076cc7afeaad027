import type { Database as SqliteDatabase } from 'better-sqlite3';
import type {
  MemoryLabelsPage,
  MemoryScope,
  StepCalibration,
  StepStats,
  UsageTotals,
  WorkflowInsights,
} from '@ledgerflow/contracts';
import { RUN_EVENT_UPCASTERS } from '@ledgerflow/domain';
import type { Upcasters } from '@ledgerflow/domain';
import { openSqliteFile } from '@ledgerflow/sqlite';
import { computeInsights } from './insights.js';
import type { MemorySnapshot } from './insights.js';
import type { MemoryFacts, OperatorFix, RunOutcome, StepTiming } from './memory-facts.js';
import { MemoryReader } from './memory-reader.js';
import { MemoryWriter } from './memory-writer.js';
import { MEMORY_TABLES, migrateMemorySchema } from './memory.schema.js';
import type { ProjectedEvent } from './projected-event.js';

/** An event the projection applied to a production run, with the run's workflow and scope key (for participants). */
export interface AppliedEvent {
  readonly event: ProjectedEvent;
  readonly workflowId: string;
}

/**
 * Called inside the projection's transaction with the batch's applied production events (upcast, in the order
 * applied; evaluation runs and already-applied events left out), e.g. drift detection keeping its windows in the
 * same file: a throw rolls the whole batch back.
 */
export type ProjectionParticipant = (applied: readonly AppliedEvent[]) => void;

/**
 * Operational memory's projections of the run events (docs/memory.md), in one SQLite file: step statistics, step
 * timings against timeouts, failure clusters, gate waits, operator fixes, confidence outcomes, token and cost usage,
 * labelled examples and run outcomes. Evaluation runs (`RunTriggered.evaluation`) count in none of them.
 *
 * Deterministic: every figure comes from event data or the stored event's `recordedAt` and `position`, never the
 * clock; windows keep the samples of highest store position, example lists the latest runs by event time, sums are
 * kept in integers. So a projection rebuilt from position 0 equals the live one whatever the batching ({@link dump}).
 * Every event is applied at most once: a per-run revision high-water mark, written in the batch's transaction.
 */
export class MemoryProjection implements MemoryFacts {
  private readonly db: SqliteDatabase;
  private readonly writer: MemoryWriter;
  private readonly reader: MemoryReader;
  private readonly participants: ProjectionParticipant[] = [];
  private readonly getMeta;
  private readonly putMeta;

  /**
   * @param path the SQLite file (created with its directory), or `:memory:`. A file of another schema version is
   *   emptied (`migrateMemorySchema`) and must be caught up from the store (`catchUpFromStore`).
   * @param upcasters how stored event shapes are read; a test passes a registry with a later version of a type.
   */
  constructor(
    path: string,
    private readonly upcasters: Upcasters = RUN_EVENT_UPCASTERS,
  ) {
    this.db = openSqliteFile(path, {
      // A projection is derived data: it can be rebuilt from the event store, so it skips the fsync per commit.
      synchronous: 'NORMAL',
      schema: migrateMemorySchema,
      unavailable: (reason, cause) => new Error(`memory projection ${path}: ${reason}`, { cause }),
    }).db;
    this.writer = new MemoryWriter(this.db);
    this.reader = new MemoryReader(this.db);
    this.getMeta = this.db.prepare('SELECT value FROM memory_meta WHERE key = ?');
    this.putMeta = this.db.prepare('INSERT OR REPLACE INTO memory_meta (key, value) VALUES (?, ?)');
  }

  /** The file's database, for a part of memory that keeps its own tables in it (e.g. drift windows). */
  get database(): SqliteDatabase {
    return this.db;
  }

  /** Adds a participant called in every batch's transaction ({@link ProjectionParticipant}). */
  addParticipant(participant: ProjectionParticipant): void {
    this.participants.push(participant);
  }

  /** Every workflow with a production run in the projection. */
  workflowIds(): string[] {
    return (
      this.db.prepare('SELECT workflow_id FROM memory_workflows ORDER BY workflow_id').all() as {
        workflow_id: string;
      }[]
    ).map((row) => row.workflow_id);
  }

  /** The last revision applied for a run's stream, -1 when none. */
  appliedRevision(runId: string): number {
    return this.writer.appliedRevision(runId);
  }

  /**
   * Applies events in one transaction: each run's events in revision order (runs may interleave); events at or below
   * a run's applied revision are skipped, as are events of a run whose `RunTriggered` was not applied.
   * @param catchUpPosition with a catch-up page: the store position read through, saved in the same transaction.
   * @returns the workflows whose figures changed.
   * @throws EventVersionError `event_version_unsupported` (retryable) for an event newer than this release reads:
   *   nothing of the call is applied.
   */
  apply(events: readonly ProjectedEvent[], catchUpPosition?: number): Set<string> {
    return this.db.transaction(() => {
      const upcast = events.map((event) => this.upcasters.upcast(event) as ProjectedEvent);
      const applied: AppliedEvent[] = [];
      const touched = this.writer.applyBatch(upcast, (event, workflowId) => applied.push({ event, workflowId }));
      for (const participant of this.participants) participant(applied);
      // The position applied through: a catch-up page's, else the highest of these events (a replica that takes the
      // lease back reads the store from there: catchUpFromStore).
      // Until the first catch-up finished, only its pages move the position (a rebuild resumes from there).
      const { position: through, done } = this.catchUpState();
      const position = catchUpPosition ?? (done ? Math.max(-1, ...events.map((event) => event.position ?? -1)) : -1);
      if (position > through) this.putMeta.run('catch_up_position', String(position));
      return touched;
    })();
  }

  /**
   * Where this file stands against the store: the highest store position applied (by a catch-up page or by the
   * consumer), and whether the first catch-up (the rebuild of a new or emptied file) finished.
   */
  catchUpState(): { readonly position: number; readonly done: boolean } {
    const position = (this.getMeta.get('catch_up_position') as { value: string } | undefined)?.value;
    const done = (this.getMeta.get('catch_up_done') as { value: string } | undefined)?.value === '1';
    return { position: position === undefined ? 0 : Number(position), done };
  }

  /** Records that the catch-up from the store finished (the consumer carries on from here). */
  markCaughtUp(): void {
    this.putMeta.run('catch_up_done', '1');
  }

  stats(workflowId: string): StepStats[] {
    return this.reader.stats(workflowId);
  }

  operatorFixes(workflowId: string): readonly OperatorFix[] {
    return this.reader.operatorFixes(workflowId);
  }

  runOutcomes(workflowId: string, window: { after?: string; before?: string; limit: number }): readonly RunOutcome[] {
    return this.reader.runOutcomes(workflowId, window);
  }

  stepTimings(workflowId: string): readonly StepTiming[] {
    return this.reader
      .stepTimings(workflowId)
      .map(({ firstSeen: _f, lastSeen: _l, exampleRunIds: _e, ...timing }) => timing);
  }

  calibration(workflowId: string): readonly StepCalibration[] {
    return this.reader
      .calibration(workflowId)
      .map(({ firstSeen: _f, lastSeen: _l, exampleRunIds: _e, ...step }) => step);
  }

  scopeOf(workflowId: string): MemoryScope {
    return this.reader.scopeOf(workflowId);
  }

  runCount(workflowId: string): number {
    return this.reader.runCount(workflowId);
  }

  /** What the insights read (the workflow's current scope). */
  snapshot(workflowId: string): MemorySnapshot {
    return this.reader.snapshot(workflowId);
  }

  /** `lf.memory.insights`: the workflow's insights, calibration and usage ({@link computeInsights}). */
  insights(workflowId: string): WorkflowInsights {
    return computeInsights(this.reader.snapshot(workflowId));
  }

  /** `lf.memory.labels`: see `MemoryReader.labels`. */
  labels(workflowId: string, options: { stepId?: string; after?: string; limit: number }): MemoryLabelsPage {
    return this.reader.labels(workflowId, options);
  }

  /** A run's token and cost usage, per step and in total. */
  runUsage(runId: string): UsageTotals & { readonly byStep: Readonly<Record<string, UsageTotals>> } {
    return this.reader.runUsage(runId);
  }

  /**
   * Every row of every projection table (`memory_meta` left out: it records how the file was filled), each table's
   * rows in primary-key order: what a rebuild must reproduce exactly.
   */
  dump(): Record<string, unknown[]> {
    const tables: Record<string, unknown[]> = {};
    for (const table of MEMORY_TABLES) {
      if (table === 'memory_meta') continue;
      const columns = (this.db.pragma(`table_info(${table})`) as unknown[]).length;
      const order = Array.from({ length: columns }, (_, i) => i + 1).join(', ');
      tables[table] = this.db.prepare(`SELECT * FROM ${table} ORDER BY ${order}`).all();
    }
    return tables;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
