import type { Database, Statement } from 'better-sqlite3';
import { memoryScopeKey } from '@ledgerflow/contracts';
import type { ReviewVerdict } from '@ledgerflow/contracts';
import { bucketOf } from './calibration.js';
import { SLOW_STEP_SHARE_OF_TIMEOUT } from './insights.js';
import { Deltas, WindowedTables } from './memory-tables.js';
import { actorIdOf, dataOf, eventTime, isOperatorRevision, millisBetween, recoveryStepOf } from './projected-event.js';
import type { ProjectedEvent } from './projected-event.js';
import { newRunState } from './run-state.js';
import type { DecidedFix, RunState } from './run-state.js';

/** Micro-units of a confidence and nano-dollars of a cost: sums in integers are exact, so any batching sums the same. */
export const CONFIDENCE_SCALE = 1e6;
export const COST_SCALE = 1e9;

/**
 * The fold of run events into memory's tables, one batch at a time (called inside the projection's transaction).
 * Per batch, each run's state is read once and written once, and each windowed row (stats, timings, gate waits,
 * clusters) is merged once; counters and rows of single events use prepared statements.
 */
export class MemoryWriter {
  private readonly tables: WindowedTables;
  private readonly statements: Record<string, Statement>;
  private runs = new Map<string, RunState | null>();
  private stats = new Deltas();
  private timings = new Deltas();
  private gateWaits = new Deltas();
  private clusters = new Deltas();

  constructor(db: Database) {
    this.tables = new WindowedTables(db);
    this.statements = {
      getRun: db.prepare('SELECT state FROM memory_runs WHERE run_id = ?'),
      getApplied: db.prepare('SELECT applied_revision FROM memory_runs WHERE run_id = ?'),
      putRun: db.prepare(
        `INSERT OR REPLACE INTO memory_runs (run_id, workflow_id, scope, evaluation, applied_revision, state)
         VALUES (?, ?, ?, ?, ?, ?)`,
      ),
      getWorkflow: db.prepare('SELECT latest_triggered_at, latest_run_id FROM memory_workflows WHERE workflow_id = ?'),
      putWorkflow: db.prepare(
        'INSERT OR REPLACE INTO memory_workflows (workflow_id, scope, latest_triggered_at, latest_run_id) VALUES (?, ?, ?, ?)',
      ),
      putFix: db.prepare(
        `INSERT OR REPLACE INTO memory_operator_fixes (workflow_id, scope, run_id, step_id, attempt, code, action,
         added_steps, actor, failed_at, fixed_at, succeeded) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      addConfidence: db.prepare(
        `INSERT INTO memory_confidence (workflow_id, scope, step_id, bucket, count, confidence_micros, accepted, corrected,
         rejected, first_seen, last_seen) VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (workflow_id, scope, step_id, bucket) DO UPDATE SET
         first_seen = min(first_seen, excluded.first_seen), last_seen = max(last_seen, excluded.last_seen),
         count = count + 1, confidence_micros = confidence_micros + excluded.confidence_micros,
         accepted = accepted + excluded.accepted, corrected = corrected + excluded.corrected, rejected = rejected + excluded.rejected`,
      ),
      addUsage: db.prepare(
        `INSERT INTO memory_usage (run_id, step_id, workflow_id, scope, input_tokens, output_tokens, cost_nanos, steps, last_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?) ON CONFLICT (run_id, step_id) DO UPDATE SET
         input_tokens = input_tokens + excluded.input_tokens, output_tokens = output_tokens + excluded.output_tokens,
         cost_nanos = cost_nanos + excluded.cost_nanos, steps = steps + 1, last_at = max(last_at, excluded.last_at)`,
      ),
      putLabel: db.prepare(
        `INSERT INTO memory_labels (seq, workflow_id, scope, run_id, step_id, gate_id, input, output, corrected_output,
         verdict, confidence, reviewer, decided_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      putOutcome: db.prepare(
        `INSERT OR REPLACE INTO memory_run_outcomes (run_id, workflow_id, scope, status, triggered_at, ended_at,
         duration_ms, gate_wait_ms, operator_interventions, recoveries) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
    };
  }

  /** The last revision applied for a run's stream, -1 when none. */
  appliedRevision(runId: string): number {
    const row = this.statements.getApplied.get(runId) as { applied_revision: number } | undefined;
    return row?.applied_revision ?? -1;
  }

  /**
   * Applies one batch (events already upcast): each event above its run's applied revision, in the order given; then
   * writes every touched run state and windowed row. `onApplied` sees each event applied to a production run.
   * Returns the workflows whose figures changed.
   */
  applyBatch(
    events: readonly ProjectedEvent[],
    onApplied: (event: ProjectedEvent, workflowId: string) => void = () => undefined,
  ): Set<string> {
    const touched = new Set<string>();
    try {
      for (const event of events) {
        const workflowId = this.applyOne(event);
        if (workflowId === undefined) continue;
        touched.add(workflowId);
        onApplied(event, workflowId);
      }
      this.flush();
      return touched;
    } finally {
      this.runs = new Map();
      this.stats = new Deltas();
      this.timings = new Deltas();
      this.gateWaits = new Deltas();
      this.clusters = new Deltas();
    }
  }

  private run(runId: string): RunState | null {
    if (!this.runs.has(runId)) {
      const row = this.statements.getRun.get(runId) as { state: string } | undefined;
      this.runs.set(runId, row ? (JSON.parse(row.state) as RunState) : null);
    }
    return this.runs.get(runId) ?? null;
  }

  private flush(): void {
    for (const [runId, state] of this.runs)
      if (state)
        this.statements.putRun.run(
          runId,
          state.workflowId,
          state.scope,
          state.evaluation ? 1 : 0,
          state.appliedRevision,
          JSON.stringify(state),
        );
    for (const delta of this.stats.values()) this.tables.flushStats(delta);
    for (const delta of this.timings.values()) this.tables.flushTiming(delta);
    for (const delta of this.gateWaits.values()) this.tables.flushGateWait(delta);
    for (const delta of this.clusters.values()) this.tables.flushCluster(delta);
  }

  private applyOne(event: ProjectedEvent): string | undefined {
    const runId = event.metadata.runId;
    const existing = this.run(runId);
    if (existing && event.revision <= existing.appliedRevision) return undefined;
    if (event.type === 'RunTriggered') {
      if (existing) return undefined;
      const data = dataOf(event, 'RunTriggered');
      const state = newRunState(data.workflowId, data.evaluation !== undefined, eventTime(event), event.revision);
      this.runs.set(runId, state);
      return state.evaluation ? undefined : state.workflowId;
    }
    if (!existing) return undefined; // its RunTriggered was not seen: the consumer fills gaps from the store first
    existing.appliedRevision = event.revision;
    if (existing.evaluation) return undefined; // evaluation runs stay out of every production figure
    this.fold(runId, existing, event);
    return existing.workflowId;
  }

  private fold(runId: string, run: RunState, event: ProjectedEvent): void {
    const time = eventTime(event);
    const position = event.position ?? 0;
    switch (event.type) {
      case 'PlanCreated': {
        const plan = dataOf(event, 'PlanCreated').plan as { memoryScope?: readonly string[] };
        run.scope = memoryScopeKey(plan.memoryScope);
        const latest = this.statements.getWorkflow.get(run.workflowId) as
          { latest_triggered_at: string; latest_run_id: string } | undefined;
        const newer =
          !latest ||
          run.triggeredAt > latest.latest_triggered_at ||
          (run.triggeredAt === latest.latest_triggered_at && runId >= latest.latest_run_id);
        if (newer) this.statements.putWorkflow.run(run.workflowId, run.scope, run.triggeredAt, runId);
        return;
      }
      case 'PlanRevised':
        return this.revised(runId, run, event, time);
      case 'StepStarted': {
        const data = dataOf(event, 'StepStarted');
        if (data.attempt === 1) this.stats.at([run.workflowId, data.stepId]).runs++;
        const timeoutMs = typeof data.timeoutMs === 'number' ? data.timeoutMs : 0;
        run.attempts[data.stepId] = { tool: data.tool === undefined ? '' : `${data.tool}.${data.action}`, timeoutMs };
        return;
      }
      case 'StepSucceeded':
      case 'StepFailed':
        return this.outcome(runId, run, event, time, position);
      case 'StepRetryScheduled': {
        const data = dataOf(event, 'StepRetryScheduled');
        const failure = run.failures[data.stepId];
        if (!failure) return;
        delete run.failures[data.stepId];
        if (data.requestedBy === undefined) return; // an automatic retry (or a recovery, decided by its PlanRevised)
        run.interventions++;
        const action = failure.addedSteps.length > 0 ? 'revise+retry' : 'retry';
        const fix: DecidedFix = {
          code: failure.code,
          attempt: failure.attempt,
          action,
          addedSteps: failure.addedSteps,
          actor: data.requestedBy,
          failedAt: failure.failedAt,
          fixedAt: time,
        };
        run.fixes[data.stepId] = fix;
        return;
      }
      case 'StepSkipped': {
        const data = dataOf(event, 'StepSkipped');
        const failure = run.failures[data.stepId];
        if (!failure || data.carriedOver === true) return;
        delete run.failures[data.stepId];
        run.interventions++;
        const actor = data.requestedBy ?? actorIdOf(event);
        this.putFix(runId, run, data.stepId, { ...failure, action: 'skip', actor, fixedAt: time }, false);
        return;
      }
      case 'GateOpened': {
        const data = dataOf(event, 'GateOpened');
        const exception = data.source === 'confidence' ? data.exception : undefined;
        const value = exception?.confidence ?? exception?.cumulativeConfidence;
        run.gates[data.gateId] = {
          stepId: data.stepId,
          openedAt: time,
          ...(exception && typeof value === 'number'
            ? { confidence: { value, input: exception.input, output: exception.output } }
            : {}),
        };
        return;
      }
      case 'GateDecided':
        return this.decided(runId, run, event, time, position);
      case 'RunCompleted':
        return this.ended(runId, run, 'completed', time, dataOf(event, 'RunCompleted').durationMs);
      case 'RunFailed':
        return this.ended(runId, run, 'failed', time);
      case 'RunCancelled': {
        for (const [stepId, failure] of Object.entries(run.failures))
          this.putFix(
            runId,
            run,
            stepId,
            {
              ...failure,
              action: 'cancel',
              actor: actorIdOf(event, dataOf(event, 'RunCancelled').requestedBy),
              fixedAt: time,
            },
            false,
          );
        run.failures = {};
        return this.ended(runId, run, 'cancelled', time);
      }
      default:
        return;
    }
  }

  private revised(runId: string, run: RunState, event: ProjectedEvent, time: string): void {
    const data = dataOf(event, 'PlanRevised');
    const added = (data.addedSteps ?? []).map(recoveryStepOf);
    if (data.rule !== undefined) {
      run.recoveries.push(data.rule);
      for (const stepId of Object.keys(data.addedDependencies ?? {})) {
        const failure = run.failures[stepId];
        if (!failure) continue;
        delete run.failures[stepId];
        run.fixes[stepId] = {
          code: failure.code,
          attempt: failure.attempt,
          action: `recovery:${data.rule}`,
          addedSteps: added,
          actor: actorIdOf(event, data.author),
          failedAt: failure.failedAt,
          fixedAt: time,
        };
      }
      return;
    }
    if (!isOperatorRevision(event)) return;
    const failed = Object.entries(run.failures);
    if (failed.length === 0) return;
    run.interventions++;
    const removed = new Set(data.removedStepIds ?? []);
    for (const [stepId, failure] of failed) {
      failure.addedSteps.push(...added);
      failure.revisedBy = actorIdOf(event, data.author);
      if (!removed.has(stepId)) continue;
      delete run.failures[stepId];
      this.putFix(runId, run, stepId, { ...failure, action: 'revise', actor: failure.revisedBy, fixedAt: time }, false);
    }
  }

  private outcome(runId: string, run: RunState, event: ProjectedEvent, time: string, position: number): void {
    const succeeded = event.type === 'StepSucceeded';
    const data = succeeded ? dataOf(event, 'StepSucceeded') : dataOf(event, 'StepFailed');
    if ((data as { carriedOver?: boolean }).carriedOver === true) return; // a fork's carried result did not run here
    const stepId = data.stepId;
    const scope = run.scope ?? '';
    const durationMs = Number(data.durationMs ?? 0);
    const stats = this.stats.at([run.workflowId, stepId]);
    if (succeeded) stats.succeeded++;
    else stats.failed++;
    stats.samples.push([position, durationMs]);
    const attempt = run.attempts[stepId];
    const timing = this.timings.at([run.workflowId, scope, stepId]);
    timing.samples.push([position, durationMs]);
    this.timings.seen(timing, time);
    if (attempt) {
      if (!timing.timeout || position >= timing.timeout[0]) timing.timeout = [position, attempt.timeoutMs];
      if (attempt.timeoutMs > 0 && durationMs >= SLOW_STEP_SHARE_OF_TIMEOUT * attempt.timeoutMs)
        timing.examples.push([time, runId]);
    }
    const fix = run.fixes[stepId];
    if (fix) {
      delete run.fixes[stepId];
      this.putFix(runId, run, stepId, fix, succeeded);
    }
    if (succeeded) {
      const usage = dataOf(event, 'StepSucceeded').usage;
      if (usage && typeof usage === 'object')
        this.statements.addUsage.run(
          runId,
          stepId,
          run.workflowId,
          scope,
          Math.round(count(usage.inputTokens)),
          Math.round(count(usage.outputTokens)),
          Math.round(count(usage.costUsd) * COST_SCALE),
          time,
        );
      return;
    }
    const failedData = dataOf(event, 'StepFailed');
    const code = failedData.error?.code ?? 'unknown';
    const tool = attempt?.tool ?? '';
    const cluster = this.clusters.at([run.workflowId, scope, stepId, code, tool]);
    cluster.count++;
    this.clusters.seen(cluster, time);
    cluster.examples.push([time, runId]);
    const clusterKey = `${stepId}\u0000${code}\u0000${tool}`;
    if (!run.clusters.includes(clusterKey)) {
      run.clusters.push(clusterKey);
      cluster.runs++;
    }
    run.failures[stepId] = { code, attempt: failedData.attempt, failedAt: time, addedSteps: [] };
  }

  private decided(runId: string, run: RunState, event: ProjectedEvent, time: string, position: number): void {
    const data = dataOf(event, 'GateDecided');
    const gate = run.gates[data.gateId];
    if (!gate) return;
    delete run.gates[data.gateId];
    const scope = run.scope ?? '';
    const waitMs = millisBetween(gate.openedAt, time);
    run.gateWaitMs += waitMs;
    const wait = this.gateWaits.at([run.workflowId, scope, gate.stepId]);
    wait.count++;
    wait.total += waitMs;
    wait.samples.push([position, waitMs]);
    wait.examples.push([time, runId]);
    this.gateWaits.seen(wait, time);
    if (!gate.confidence || data.outcome === 'redirected') return;
    const verdict: ReviewVerdict =
      data.outcome === 'rejected' ? 'rejected' : data.correctedOutput !== undefined ? 'corrected' : 'accepted';
    const value = Math.min(1, Math.max(0, gate.confidence.value));
    this.statements.addConfidence.run(
      run.workflowId,
      scope,
      gate.stepId,
      bucketOf(value),
      Math.round(value * CONFIDENCE_SCALE),
      verdict === 'accepted' ? 1 : 0,
      verdict === 'corrected' ? 1 : 0,
      verdict === 'rejected' ? 1 : 0,
      time,
      time,
    );
    if (verdict === 'accepted') return;
    this.statements.putLabel.run(
      event.position ?? null,
      run.workflowId,
      scope,
      runId,
      gate.stepId,
      data.gateId,
      JSON.stringify(gate.confidence.input ?? null),
      JSON.stringify(gate.confidence.output ?? null),
      JSON.stringify(data.correctedOutput ?? null),
      verdict,
      value,
      data.reviewer,
      time,
    );
  }

  private ended(
    runId: string,
    run: RunState,
    status: 'completed' | 'failed' | 'cancelled',
    time: string,
    durationMs?: number,
  ): void {
    for (const [stepId, fix] of Object.entries(run.fixes)) this.putFix(runId, run, stepId, fix, false);
    run.fixes = {};
    const duration = typeof durationMs === 'number' ? durationMs : millisBetween(run.triggeredAt, time);
    this.statements.putOutcome.run(
      runId,
      run.workflowId,
      run.scope ?? '',
      status,
      run.triggeredAt,
      time,
      duration,
      run.gateWaitMs,
      run.interventions,
      JSON.stringify(run.recoveries),
    );
  }

  private putFix(runId: string, run: RunState, stepId: string, fix: DecidedFix, succeeded: boolean): void {
    this.statements.putFix.run(
      run.workflowId,
      run.scope ?? '',
      runId,
      stepId,
      fix.attempt,
      fix.code,
      fix.action,
      JSON.stringify(fix.addedSteps),
      fix.actor ?? null,
      fix.failedAt,
      fix.fixedAt,
      succeeded ? 1 : 0,
    );
  }
}

/** A non-negative finite count from a tool's `usage` (anything else counts 0). */
function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
}
