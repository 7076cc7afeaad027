import { addMilliseconds, decide, foldRun, initialState } from '@ledgerflow/domain';
import type { Plan, RunCommand, RunEvent, RunState } from '@ledgerflow/domain';
import { ms, percentile } from './stats.js';

/** Events in the benchmarked history (docs/operations.md, "Replay, checkpoints, diff, fork": the time to fold a 10,000-event run). */
export const FOLD_BENCH_EVENTS = 10_000;
const REPETITIONS = Number(process.env.BENCH_FOLD_REPETITIONS ?? 30);
const STEPS = 50;
const ATTEMPTS = 60;

/**
 * A 10,000-event run history, decided command by command by the Run aggregate (so it is one the aggregate
 * accepts): a 50-step chain (the plan limit) whose steps each fail with a retryable error up to 49 times
 * (StepPolicyEvaluated, StepStarted, StepFailed, StepRetryScheduled per attempt) before succeeding, cut at
 * exactly {@link FOLD_BENCH_EVENTS} events.
 */
export function longRunHistory(size = FOLD_BENCH_EVENTS): RunEvent[] {
  const steps = Array.from({ length: STEPS }, (_, i) => ({
    id: `s${i}`,
    name: `step ${i}`,
    tool: 'bench',
    action: 'noop',
    agent: 'runner',
    dependsOn: i === 0 ? [] : [`s${i - 1}`],
    input: {},
    retry: { maxAttempts: ATTEMPTS, backoffMs: 1, multiplier: 1, maxBackoffMs: 1 },
    timeoutMs: 1000,
    optional: false,
    policyTags: [],
  }));
  const plan: Plan = {
    workflowId: 'fold-bench',
    workflowVersion: '1.0.0',
    concurrency: 1,
    agents: { runner: ['bench.noop'] },
    steps,
  };
  const failuresPerStep = Math.ceil(size / STEPS / 4);
  let now = '2026-05-01T10:00:00.000Z';
  let state: RunState = initialState();
  const history: RunEvent[] = [];
  const apply = (command: RunCommand) => {
    now = addMilliseconds(now, 2);
    const events = decide(command, state, { now });
    history.push(...events);
    state = foldRun(events, state);
  };
  apply({
    type: 'StartRun',
    data: {
      runId: 'fold-bench',
      workflowId: plan.workflowId,
      workflowVersion: plan.workflowVersion,
      trigger: { source: 'api', idempotencyKey: 'fold-bench' },
      input: {},
      plan,
    },
  });
  for (const { id } of steps) {
    for (let attempt = 1; attempt <= failuresPerStep + 1 && history.length < size; attempt++) {
      apply({
        type: 'RecordStepPolicyDecision',
        data: {
          stepId: id,
          attempt,
          decision: { outcome: 'allow', rules: [], rationale: 'bench', auditId: `a-${id}-${attempt}` },
        },
      });
      apply({
        type: 'StartStep',
        data: { stepId: id, attempt, idempotencyKey: `fold-bench/${id}/${attempt}`, input: {} },
      });
      apply(
        attempt <= failuresPerStep
          ? {
              type: 'RecordStepFailed',
              data: {
                stepId: id,
                attempt,
                error: { code: 'tool_timeout', message: 'bench', retryable: true },
                durationMs: 1,
              },
            }
          : {
              type: 'RecordStepSucceeded',
              data: { stepId: id, attempt, output: { attempt }, durationMs: 1, runDurationMs: 1 },
            },
      );
    }
  }
  if (history.length < size) throw new Error(`the bench history has ${history.length} events, fewer than ${size}`);
  return history.slice(0, size);
}

/**
 * `make bench` section "replay": folds the 10,000-event history {@link REPETITIONS} times (after 3 warm-up
 * folds) and returns the line printing the median and p99 fold time (ms) and the replay rate (events per second at the
 * median), and the median itself.
 * Pure CPU in this process: no store read (the store's read time is the SQLite figures above).
 */
export async function foldBench(): Promise<{ lines: string[]; p50Ms: number }> {
  const history = longRunHistory();
  for (let i = 0; i < 3; i++) foldRun(history);
  const times: number[] = [];
  let final: RunState = initialState();
  for (let i = 0; i < REPETITIONS; i++) {
    const started = performance.now();
    final = foldRun(history);
    times.push(performance.now() - started);
  }
  const median = percentile(times, 0.5);
  const lines = [
    `replay         fold ${history.length} events  p50 ${ms(median)}  p99 ${ms(percentile(times, 0.99))}  (${REPETITIONS} folds; ${(history.length / (median / 1000)).toFixed(0)} events/s; final status ${final.status}, ${final.eventCount} events)`,
  ];
  return { lines, p50Ms: median };
}
