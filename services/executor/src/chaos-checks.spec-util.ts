import { authHeader, eventually } from '@ledgerflow/testing';
import type { Stack } from '@ledgerflow/testing';
import { readFileSync } from 'node:fs';
import type { StoredEvent } from '@ledgerflow/event-store';

/**
 * The invariants the chaos e2e test checks once every run has ended. Each check returns the problems it
 * found as sentences naming the run, the step and the events' revisions (empty: all held), so a failure
 * shows every violation at once.
 */

interface PlanStepView {
  readonly id: string;
  readonly dependsOn: readonly string[];
  readonly gate?: unknown;
}

type Data = Record<string, unknown>;
const dataOf = (event: StoredEvent): Data => event.data as Data;
const stepOf = (event: StoredEvent): string => String(dataOf(event).stepId);
const at = (event: StoredEvent) => `${event.type}@${event.revision}`;

/** The plan's steps from `PlanCreated` (the chaos workflows are never revised; a `PlanRevised` is reported). */
export function planSteps(events: readonly StoredEvent[]): PlanStepView[] {
  const created = events.find((e) => e.type === 'PlanCreated');
  return ((created?.data as { plan?: { steps?: PlanStepView[] } } | undefined)?.plan?.steps ?? []).map((s) => ({
    id: s.id,
    dependsOn: s.dependsOn,
    ...(s.gate ? { gate: s.gate } : {}),
  }));
}

/**
 * One run's history, in revision order: it ended with `RunCompleted` (once, last) and no step failed; each
 * plan step started exactly once per attempt, succeeded once, and started only after every dependency's
 * `StepSucceeded`; a gated step's gate was opened once, decided once (approved) before the step started.
 * `retried` (step id -> n, default none) names the steps expected to fail on their first n attempts and succeed
 * on attempt n + 1 (see {@link retryProblems}); any other `StepFailed` or `StepRetryScheduled` is a problem.
 */
export function runProblems(
  runId: string,
  events: readonly StoredEvent[],
  retried: Readonly<Record<string, number>> = {},
): string[] {
  const problems: string[] = [];
  const say = (message: string) => problems.push(`run ${runId}: ${message}`);
  const types = events.map((e) => e.type);
  const steps = planSteps(events);
  if (steps.length === 0) say('no PlanCreated');
  if (types.filter((t) => t === 'RunCompleted').length !== 1 || types.at(-1) !== 'RunCompleted')
    say(`did not end with exactly one RunCompleted (last events: ${events.slice(-4).map(at).join(', ')})`);
  const expectedRetry = (e: StoredEvent) =>
    (e.type === 'StepFailed' || e.type === 'StepRetryScheduled') && retried[stepOf(e)] !== undefined;
  for (const bad of ['StepFailed', 'StepRetryScheduled', 'RunPaused', 'RunFailed', 'StepBlocked', 'PlanRevised']) {
    for (const event of events.filter((e) => e.type === bad && !expectedRetry(e)))
      say(`unexpected ${at(event)} ${JSON.stringify(event.data).slice(0, 200)}`);
  }
  const seenStarts = new Set<string>();
  for (const start of events.filter((e) => e.type === 'StepStarted')) {
    const attemptKey = `${stepOf(start)}#${String(dataOf(start).attempt)}`;
    if (seenStarts.has(attemptKey))
      say(`step ${stepOf(start)} attempt ${String(dataOf(start).attempt)} started twice (again at ${at(start)})`);
    seenStarts.add(attemptKey);
  }
  for (const step of steps) {
    const attempts = 1 + (retried[step.id] ?? 0);
    const starts = events.filter((e) => e.type === 'StepStarted' && stepOf(e) === step.id);
    const successes = events.filter((e) => e.type === 'StepSucceeded' && stepOf(e) === step.id);
    if (starts.length !== attempts)
      say(`step ${step.id} started ${starts.length} times, not ${attempts} (${starts.map(at).join(', ')})`);
    if (successes.length !== 1) say(`step ${step.id} succeeded ${successes.length} times`);
    for (const start of starts) {
      for (const dep of step.dependsOn) {
        const done = events.find((e) => e.type === 'StepSucceeded' && stepOf(e) === dep);
        if (!done || done.revision > start.revision)
          say(
            `step ${step.id} started at revision ${start.revision} before its dependency ${dep} succeeded (${done ? at(done) : 'never'})`,
          );
      }
    }
    if (attempts > 1) retryProblems(step.id, events, attempts).forEach(say);
    if (step.gate) problems.push(...gateProblems(runId, step.id, events, starts));
  }
  return problems;
}

/**
 * A step run `attempts` times: attempts 1 .. attempts - 1 each failed once, retryable, followed by one
 * `StepRetryScheduled` of the next attempt, which started only after it; the last attempt succeeded.
 */
function retryProblems(stepId: string, events: readonly StoredEvent[], attempts: number): string[] {
  const problems: string[] = [];
  const of = (type: string, attempt: number) =>
    events.filter((e) => e.type === type && stepOf(e) === stepId && dataOf(e).attempt === attempt);
  const retryable = (e: StoredEvent) => (dataOf(e).error as { retryable?: boolean } | undefined)?.retryable === true;
  for (let n = 1; n < attempts; n++) {
    const failed = of('StepFailed', n);
    const scheduled = of('StepRetryScheduled', n + 1);
    const next = of('StepStarted', n + 1)[0];
    if (failed.length !== 1 || !retryable(failed[0]!))
      problems.push(`step ${stepId} attempt ${n}: ${failed.map(at).join(', ') || 'no StepFailed'}, not one retryable`);
    if (scheduled.length !== 1 || (failed[0] && scheduled[0]!.revision < failed[0].revision))
      problems.push(
        `step ${stepId} attempt ${n + 1}: scheduled by ${scheduled.map(at).join(', ') || 'nothing'}, not once after attempt ${n} failed`,
      );
    if (next && (!scheduled[0] || next.revision < scheduled[0].revision))
      problems.push(`step ${stepId} attempt ${n + 1}: started at ${at(next)} before its StepRetryScheduled`);
  }
  for (const late of of('StepFailed', attempts))
    problems.push(`step ${stepId}: its last attempt failed (${at(late)}) ${JSON.stringify(dataOf(late).error)}`);
  const succeeded = events.find((e) => e.type === 'StepSucceeded' && stepOf(e) === stepId);
  if (succeeded && dataOf(succeeded).attempt !== attempts)
    problems.push(`step ${stepId}: succeeded on attempt ${String(dataOf(succeeded).attempt)}, not ${attempts}`);
  return problems;
}

function gateProblems(
  runId: string,
  stepId: string,
  events: readonly StoredEvent[],
  starts: readonly StoredEvent[],
): string[] {
  const problems: string[] = [];
  const gateId = `${runId}.${stepId}`;
  const opened = events.filter((e) => e.type === 'GateOpened' && dataOf(e).gateId === gateId);
  const decided = events.filter((e) => e.type === 'GateDecided' && dataOf(e).gateId === gateId);
  if (opened.length !== 1) problems.push(`gate ${gateId}: opened ${opened.length} times`);
  if (decided.length !== 1) problems.push(`gate ${gateId}: decided ${decided.length} times`);
  const decision = decided[0];
  if (decision && dataOf(decision).outcome !== 'approved')
    problems.push(`gate ${gateId}: decided ${String(dataOf(decision).outcome)}, not approved`);
  if (decision && opened[0] && opened[0].revision > decision.revision)
    problems.push(`gate ${gateId}: decided at ${at(decision)} before it was opened (${at(opened[0])})`);
  for (const start of starts) {
    if (!decision || decision.revision > start.revision)
      problems.push(
        `gate ${gateId}: step ${stepId} started at revision ${start.revision} before its GateDecided (${decision ? at(decision) : 'never'}): the gate was skipped`,
      );
  }
  return problems;
}

/** A line of the `bench.record` and `bench.apply` ledger (`BENCH_LEDGER`) or of its `.calls` file. */
export interface LedgerLine {
  readonly idempotencyKey: string;
  /** `bench.apply`'s lines: the step's effect key, `<runId>/<stepId>`, under which the effect is applied once. */
  readonly effectKey?: string;
  readonly runId?: string;
  readonly stepId?: string;
  readonly at?: string;
}

export function readLedger(path: string): LedgerLine[] {
  try {
    return readFileSync(path, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as LedgerLine);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/**
 * Side effects against the runs' histories (`runs`: run id -> events): exactly one ledger line per (run, plan
 * step), carrying the idempotency key of one of that step's `StepStarted` (and its effect key, when it has one),
 * and no line for anything else; every call the tool received (`calls`, re-dispatches included) used the key of a
 * recorded `StepStarted`; and no call of a gated step arrived before its `GateDecided` was committed.
 */
export function ledgerProblems(
  runs: ReadonlyMap<string, readonly StoredEvent[]>,
  applied: readonly LedgerLine[],
  calls: readonly LedgerLine[],
): string[] {
  const problems: string[] = [];
  const startedKeys = new Map<string, StoredEvent>();
  let expected = 0;
  for (const [runId, events] of runs) {
    for (const start of events.filter((e) => e.type === 'StepStarted'))
      startedKeys.set(String(dataOf(start).idempotencyKey), start);
    for (const step of planSteps(events)) {
      expected += 1;
      const lines = applied.filter((line) => line.runId === runId && line.stepId === step.id);
      const keys = events
        .filter((e) => e.type === 'StepStarted' && stepOf(e) === step.id)
        .map((e) => String(dataOf(e).idempotencyKey));
      if (lines.length !== 1)
        problems.push(
          `run ${runId} step ${step.id}: ${lines.length} side effects in the ledger (keys ${lines.map((l) => l.idempotencyKey).join(', ') || 'none'})`,
        );
      for (const line of lines) {
        if (!keys.includes(line.idempotencyKey))
          problems.push(
            `run ${runId} step ${step.id}: side effect under key ${line.idempotencyKey}, not a StepStarted key (${keys.join(', ')})`,
          );
        if (line.effectKey !== undefined && line.effectKey !== `${runId}/${step.id}`)
          problems.push(`run ${runId} step ${step.id}: side effect under effect key ${line.effectKey}`);
      }
      if (!step.gate) continue;
      const decision = events.find((e) => e.type === 'GateDecided' && dataOf(e).gateId === `${runId}.${step.id}`);
      for (const call of calls.filter((c) => keys.includes(c.idempotencyKey))) {
        if (!decision || String(call.at) < decision.recordedAt)
          problems.push(
            `run ${runId} step ${step.id}: tool called at ${String(call.at)}, before its GateDecided was recorded (${decision?.recordedAt ?? 'never'})`,
          );
      }
    }
  }
  if (applied.length !== expected)
    problems.push(`the ledger holds ${applied.length} side effects; the runs' plans have ${expected} steps`);
  for (const call of calls) {
    if (!startedKeys.has(call.idempotencyKey))
      problems.push(`a tool call at ${String(call.at)} used key ${call.idempotencyKey}, which no StepStarted recorded`);
  }
  return problems;
}

/**
 * Memory's statistics (through the gateway, `GET /v1/workflows/{id}/stats`) must count each run's steps once:
 * per workflow and step, `runs` and `succeeded` equal to the number of runs, `failed` to the number of its
 * `StepFailed` (attempts) in them. Memory folds asynchronously, so this polls for up to `timeoutMs` before
 * reporting the last figures.
 */
export async function memoryProblems(
  stack: Stack,
  runs: ReadonlyMap<string, readonly StoredEvent[]>,
  timeoutMs = 20_000,
): Promise<string[]> {
  const expected = new Map<string, { runs: number; failed: number }>();
  for (const events of runs.values()) {
    const workflowId = String((events[0]?.data as { workflowId?: string } | undefined)?.workflowId);
    for (const step of planSteps(events)) {
      const key = `${workflowId}/${step.id}`;
      const failed = events.filter((e) => e.type === 'StepFailed' && stepOf(e) === step.id).length;
      const sum = expected.get(key) ?? { runs: 0, failed: 0 };
      expected.set(key, { runs: sum.runs + 1, failed: sum.failed + failed });
    }
  }
  const workflows = [...new Set([...expected.keys()].map((key) => key.split('/')[0]))];
  let problems: string[] = [];
  const compare = async (): Promise<boolean> => {
    problems = [];
    for (const workflowId of workflows) {
      const response = await fetch(`${stack.gatewayUrl}/v1/workflows/${workflowId}/stats`, {
        headers: await authHeader(stack),
      });
      const stats = response.ok
        ? ((await response.json()) as Array<{ stepId: string; runs: number; succeeded: number; failed: number }>)
        : [];
      for (const [key, count] of expected) {
        if (!key.startsWith(`${workflowId}/`)) continue;
        const row = stats.find((s) => `${workflowId}/${s.stepId}` === key);
        if (row?.runs !== count.runs || row.succeeded !== count.runs || row.failed !== count.failed) {
          problems.push(
            `memory ${key}: runs ${row?.runs ?? 'none'}, succeeded ${row?.succeeded ?? 'none'}, failed ${row?.failed ?? 'none'}; expected ${count.runs}, ${count.runs}, ${count.failed} (HTTP ${response.status})`,
          );
        }
      }
    }
    return problems.length === 0;
  };
  // On a timeout the last figures are the answer.
  await eventually("memory's statistics to match the runs", compare, timeoutMs, 250).catch(() => undefined);
  return problems;
}
