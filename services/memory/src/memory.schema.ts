import type { Database } from 'better-sqlite3';

/**
 * Version of the tables below (`PRAGMA user_version`). A file of another version is emptied and rebuilt from the
 * event store on start (a projection is derived data), so a release that changes a table only bumps this.
 */
export const MEMORY_SCHEMA_VERSION = 2;

/** Every table of memory's projection, in the order a dump lists them (`MemoryProjection.dump`). */
export const MEMORY_TABLES = [
  'memory_meta',
  'memory_runs',
  'memory_workflows',
  'memory_step_stats',
  'memory_step_timings',
  'memory_failure_clusters',
  'memory_gate_waits',
  'memory_operator_fixes',
  'memory_confidence',
  'memory_usage',
  'memory_labels',
  'memory_run_outcomes',
] as const;

const DDL = `
  CREATE TABLE IF NOT EXISTS memory_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS memory_runs (
    run_id TEXT PRIMARY KEY, workflow_id TEXT NOT NULL, scope TEXT, evaluation INTEGER NOT NULL,
    applied_revision INTEGER NOT NULL, state TEXT NOT NULL);
  CREATE INDEX IF NOT EXISTS memory_runs_by_workflow ON memory_runs (workflow_id, scope, evaluation);
  CREATE TABLE IF NOT EXISTS memory_workflows (
    workflow_id TEXT PRIMARY KEY, scope TEXT NOT NULL, latest_triggered_at TEXT NOT NULL, latest_run_id TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS memory_step_stats (
    workflow_id TEXT NOT NULL, step_id TEXT NOT NULL, runs INTEGER NOT NULL DEFAULT 0,
    succeeded INTEGER NOT NULL DEFAULT 0, failed INTEGER NOT NULL DEFAULT 0, durations TEXT NOT NULL DEFAULT '[]',
    PRIMARY KEY (workflow_id, step_id));
  CREATE TABLE IF NOT EXISTS memory_step_timings (
    workflow_id TEXT NOT NULL, scope TEXT NOT NULL, step_id TEXT NOT NULL, timeout_ms INTEGER NOT NULL,
    timeout_position INTEGER NOT NULL, durations TEXT NOT NULL, first_seen TEXT NOT NULL, last_seen TEXT NOT NULL,
    examples TEXT NOT NULL, PRIMARY KEY (workflow_id, scope, step_id));
  CREATE TABLE IF NOT EXISTS memory_failure_clusters (
    workflow_id TEXT NOT NULL, scope TEXT NOT NULL, step_id TEXT NOT NULL, code TEXT NOT NULL, tool TEXT NOT NULL,
    count INTEGER NOT NULL, runs INTEGER NOT NULL, first_seen TEXT NOT NULL, last_seen TEXT NOT NULL,
    examples TEXT NOT NULL, PRIMARY KEY (workflow_id, scope, step_id, code, tool));
  CREATE TABLE IF NOT EXISTS memory_gate_waits (
    workflow_id TEXT NOT NULL, scope TEXT NOT NULL, step_id TEXT NOT NULL, count INTEGER NOT NULL,
    total_ms INTEGER NOT NULL, waits TEXT NOT NULL, first_seen TEXT NOT NULL, last_seen TEXT NOT NULL,
    examples TEXT NOT NULL, PRIMARY KEY (workflow_id, scope, step_id));
  CREATE TABLE IF NOT EXISTS memory_operator_fixes (
    workflow_id TEXT NOT NULL, scope TEXT NOT NULL, run_id TEXT NOT NULL, step_id TEXT NOT NULL,
    attempt INTEGER NOT NULL, code TEXT NOT NULL, action TEXT NOT NULL, added_steps TEXT NOT NULL, actor TEXT,
    failed_at TEXT NOT NULL, fixed_at TEXT NOT NULL, succeeded INTEGER NOT NULL, PRIMARY KEY (run_id, step_id, attempt));
  CREATE INDEX IF NOT EXISTS memory_operator_fixes_by_workflow ON memory_operator_fixes (workflow_id, scope, fixed_at);
  CREATE TABLE IF NOT EXISTS memory_confidence (
    workflow_id TEXT NOT NULL, scope TEXT NOT NULL, step_id TEXT NOT NULL, bucket INTEGER NOT NULL,
    count INTEGER NOT NULL, confidence_micros INTEGER NOT NULL, accepted INTEGER NOT NULL, corrected INTEGER NOT NULL,
    rejected INTEGER NOT NULL, first_seen TEXT NOT NULL, last_seen TEXT NOT NULL,
    PRIMARY KEY (workflow_id, scope, step_id, bucket));
  CREATE TABLE IF NOT EXISTS memory_usage (
    run_id TEXT NOT NULL, step_id TEXT NOT NULL, workflow_id TEXT NOT NULL, scope TEXT NOT NULL,
    input_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL, cost_nanos INTEGER NOT NULL, steps INTEGER NOT NULL,
    last_at TEXT NOT NULL, PRIMARY KEY (run_id, step_id));
  CREATE INDEX IF NOT EXISTS memory_usage_by_workflow ON memory_usage (workflow_id, scope, step_id);
  CREATE TABLE IF NOT EXISTS memory_labels (
    seq INTEGER PRIMARY KEY, workflow_id TEXT NOT NULL, scope TEXT NOT NULL, run_id TEXT NOT NULL,
    step_id TEXT NOT NULL, gate_id TEXT NOT NULL, input TEXT, output TEXT, corrected_output TEXT, verdict TEXT NOT NULL,
    confidence REAL, reviewer TEXT NOT NULL, decided_at TEXT NOT NULL);
  CREATE INDEX IF NOT EXISTS memory_labels_by_workflow ON memory_labels (workflow_id, seq);
  CREATE TABLE IF NOT EXISTS memory_run_outcomes (
    run_id TEXT PRIMARY KEY, workflow_id TEXT NOT NULL, scope TEXT NOT NULL, status TEXT NOT NULL,
    triggered_at TEXT NOT NULL, ended_at TEXT NOT NULL, duration_ms INTEGER NOT NULL, gate_wait_ms INTEGER NOT NULL,
    operator_interventions INTEGER NOT NULL, recoveries TEXT NOT NULL);
  CREATE INDEX IF NOT EXISTS memory_run_outcomes_by_end ON memory_run_outcomes (workflow_id, scope, ended_at, run_id);
`;

/**
 * Creates the tables, first dropping those of a file written at another {@link MEMORY_SCHEMA_VERSION} (an older
 * release's file, or one this release cannot read): its content is rebuilt from the store (`catchUpFromStore`).
 */
export function migrateMemorySchema(db: Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version !== MEMORY_SCHEMA_VERSION) {
    db.transaction(() => {
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'memory_%'").all();
      for (const { name } of tables as Array<{ name: string }>) db.exec(`DROP TABLE IF EXISTS "${name}"`);
      db.pragma(`user_version = ${MEMORY_SCHEMA_VERSION}`);
    })();
  }
  db.exec(DDL);
}
