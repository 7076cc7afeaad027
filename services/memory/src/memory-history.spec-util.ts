import { aStep, mulberry32, Positions, RunHistoryBuilder } from '@ledgerflow/testing';
import type { RecordedEvent, StoredRunEvent } from '@ledgerflow/testing';
import type { Actor } from '@ledgerflow/contracts';
import type { StepSucceeded } from '@ledgerflow/domain';

export { Positions };

/** A run event as the store holds it (libs/testing's {@link StoredRunEvent}), which memory's projections read. */
export type HistoryEvent = StoredRunEvent;

const BASE = Date.parse('2026-11-02T08:00:00.000Z');
const iso = (ms: number): string => new Date(ms).toISOString();
const service = (id = 'planner'): Actor => ({ kind: 'service', id });
const human = (id: string, via: string): Actor => ({ kind: 'human', id, via });
/** Steps an operator or a recovery adds: `auth.refresh` by agent `a`, one attempt, 5 s timeout. */
const refreshSteps = (ids: readonly string[]) =>
  ids.map((id) =>
    aStep(id, {
      name: id,
      tool: 'auth',
      action: 'refresh',
      agent: 'a',
      input: {},
      retry: { maxAttempts: 1, backoffMs: 0, multiplier: 1, maxBackoffMs: 0 },
      timeoutMs: 5000,
    }),
  );

/**
 * One run's events in revision order, recorded as given on libs/testing's {@link RunHistoryBuilder} (memory reads
 * shapes the decider would not produce, e.g. a plan without steps): the first event 1 s after `startMs` past
 * 2026-11-02T08:00Z, each later one 1 s after the one before unless a step says how long it took, its data times
 * equal to its `recordedAt`.
 */
export class RunBuilder {
  private readonly history: RunHistoryBuilder;

  constructor(
    readonly runId: string,
    readonly workflowId: string,
    startMs: number,
    positions?: Positions,
  ) {
    this.history = new RunHistoryBuilder(runId, { start: BASE + startMs + 1000, tickMs: 1000, positions });
  }

  get events(): HistoryEvent[] {
    return this.history.stored;
  }

  get time(): string {
    return this.history.time;
  }

  private push(event: RecordedEvent, actor: Actor, afterMs?: number): this {
    this.history.record(event, { actor, afterMs });
    return this;
  }

  triggered(evaluation?: { goldenSet: string; caseId: string }): this {
    const { runId, workflowId } = this;
    const trigger = { source: 'api' as const, idempotencyKey: runId };
    const data = {
      runId,
      workflowId,
      workflowVersion: '1.0.0',
      trigger,
      input: {},
      ...(evaluation ? { evaluation } : {}),
    };
    return this.push({ type: 'RunTriggered', data }, service('gateway'));
  }

  planned(memoryScope?: readonly string[]): this {
    const plan = { workflowId: this.workflowId, workflowVersion: '1.0.0', concurrency: 1, agents: {}, steps: [] };
    return this.push({ type: 'PlanCreated', data: { plan: memoryScope ? { ...plan, memoryScope } : plan } }, service());
  }

  started(stepId: string, attempt = 1, tool = 'crm.lookup', timeoutMs = 10_000): this {
    const [toolName, action] = tool.split('.');
    const idempotencyKey = `${this.runId}/${stepId}/${attempt}`;
    const base = { stepId, attempt, idempotencyKey, agent: 'a', tool: toolName, action, input: {}, timeoutMs };
    return this.push((at) => ({ type: 'StepStarted', data: { ...base, startedAt: at } }), service('executor'));
  }

  succeeded(stepId: string, durationMs: number, extra: Partial<StepSucceeded['data']> = {}, attempt = 1): this {
    const data = { stepId, attempt, output: { ok: true }, durationMs, ...extra };
    return this.push(
      (at) => ({ type: 'StepSucceeded', data: { ...data, completedAt: at } }),
      service('executor'),
      durationMs,
    );
  }

  failed(stepId: string, code: string, durationMs = 500, attempt = 1): this {
    const error = { code, message: code, retryable: true };
    const data = { stepId, attempt, error, durationMs };
    return this.push(
      (at) => ({ type: 'StepFailed', data: { ...data, failedAt: at } }),
      service('executor'),
      durationMs,
    );
  }

  autoRetry(stepId: string, attempt: number): this {
    const dueAt = iso(Date.parse(this.time) + 100);
    return this.push(
      { type: 'StepRetryScheduled', data: { stepId, attempt, delayMs: 100, dueAt } },
      service('executor'),
    );
  }

  operatorRetry(stepId: string, attempt: number, operator = 'olga'): this {
    const data = { stepId, attempt, delayMs: 0, dueAt: this.time, requestedBy: operator, reason: 'fixed' };
    return this.push({ type: 'StepRetryScheduled', data }, human(operator, 'executor'), 60_000);
  }

  operatorRevision(stepIds: readonly string[], operator = 'olga', removedStepIds: readonly string[] = []): this {
    const data = {
      revision: 1,
      author: operator,
      reason: 'refresh first',
      addedSteps: refreshSteps(stepIds),
      removedStepIds,
    };
    return this.push({ type: 'PlanRevised', data }, human(operator, 'planner'), 30_000);
  }

  recovery(stepId: string, attempt: number, rule: string, recoveryIds: readonly string[]): this {
    const addedSteps = refreshSteps(recoveryIds);
    const addedDependencies = { [stepId]: recoveryIds };
    const revision = {
      revision: 1,
      author: 'planner',
      reason: 'recovery',
      rule,
      addedSteps,
      removedStepIds: [],
      addedDependencies,
    };
    this.push({ type: 'PlanRevised', data: revision }, service());
    const retry = { stepId, attempt: attempt + 1, delayMs: 0, waitsFor: recoveryIds };
    return this.push((at) => ({ type: 'StepRetryScheduled', data: { ...retry, dueAt: at } }), service(), 0);
  }

  skipped(stepId: string, operator = 'olga'): this {
    const data = { stepId, reason: 'not needed', requestedBy: operator };
    return this.push({ type: 'StepSkipped', data }, human(operator, 'executor'));
  }

  gateOpened(stepId: string, source: 'definition' | 'confidence', confidence?: number): this {
    const exception =
      source === 'confidence'
        ? {
            input: { claim: stepId },
            output: { amount: 100 },
            confidence,
            cumulativeConfidence: confidence ?? 0.5,
            minConfidence: 0.8,
            basis: 'step' as const,
          }
        : undefined;
    const gate = {
      gateId: `${this.runId}.${stepId}`,
      stepId,
      attempt: 1,
      reviewers: ['rita'],
      reason: 'review',
      source,
    };
    return this.push(
      { type: 'GateOpened', data: { ...gate, ...(exception ? { exception } : {}) } },
      service('executor'),
    );
  }

  gateDecided(
    stepId: string,
    outcome: 'approved' | 'rejected' | 'redirected',
    waitMs: number,
    correctedOutput?: unknown,
  ): this {
    const corrected = correctedOutput === undefined ? {} : { correctedOutput };
    const data = { gateId: `${this.runId}.${stepId}`, stepId, outcome, reviewer: 'rita', ...corrected };
    return this.push({ type: 'GateDecided', data }, human('rita', 'approval'), waitMs);
  }

  completed(): this {
    const startedMs = Date.parse(this.events[0].recordedAt);
    const event = (at: string) => ({ completedAt: at, durationMs: Date.parse(at) - startedMs });
    return this.push((at) => ({ type: 'RunCompleted', data: event(at) }), service('executor'), 100);
  }

  runFailed(code = 'step_failed'): this {
    return this.push(
      (at) => ({ type: 'RunFailed', data: { code, reason: code, failedAt: at } }),
      service('executor'),
      100,
    );
  }

  cancelled(operator = 'olga'): this {
    return this.push(
      { type: 'RunCancelled', data: { reason: 'stop', requestedBy: operator } },
      human(operator, 'executor'),
    );
  }
}

/**
 * A varied history: `runs` runs of `claims` (scope `claims, high-value`) and `onboarding` (no scope), plus an
 * evaluation run of `claims`, each following one of the patterns below at random (seeded), with confidence gates,
 * definition gates, usage, auto retries, operator retries and revisions, recoveries, skips, cancels and run failures.
 * Runs overlap in time; their events interleave in position order as they would in the store.
 */
export function variedHistory(seed: number, runs = 40): HistoryEvent[] {
  const random = mulberry32(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)];
  const positions = new Positions();
  const builders: RunBuilder[] = [];
  for (let i = 0; i < runs; i++) {
    const claims = random() < 0.7;
    const run = new RunBuilder(
      `r${String(i).padStart(3, '0')}`,
      claims ? 'claims' : 'onboarding',
      i * 20_000,
      positions,
    );
    builders.push(run);
    run.triggered().planned(claims ? ['high-value', 'claims'] : undefined);
    const confidence = Math.round(random() * 1000) / 1000;
    run.started('extract', 1, 'ocr.read', 8000);
    if (confidence < 0.8) {
      run.succeeded('extract', 200 + Math.floor(random() * 7000), {
        confidence,
        review: { minConfidence: 0.8, basis: 'step' },
        usage: { inputTokens: 1000, outputTokens: 200, costUsd: 0.0123 },
      });
      run.gateOpened('extract', 'confidence', confidence);
      const verdict = pick(['accept', 'correct', 'reject', 'accept'] as const);
      if (verdict === 'reject') {
        run.gateDecided('extract', 'rejected', 60_000 + Math.floor(random() * 600_000)).runFailed('gate_rejected');
        continue;
      }
      run.gateDecided(
        'extract',
        'approved',
        60_000 + Math.floor(random() * 600_000),
        verdict === 'correct' ? { amount: 90 } : undefined,
      );
    } else {
      run.succeeded('extract', 200 + Math.floor(random() * 7000), {
        confidence,
        usage: { inputTokens: 900, outputTokens: 150, costUsd: 0.011 },
      });
    }
    run.started('fetch', 1, 'billing.invoice', 5000);
    const pattern = pick(['ok', 'ok', 'auto', 'revise', 'retry', 'recovery', 'skip', 'cancel', 'fail'] as const);
    if (pattern === 'ok') run.succeeded('fetch', 100 + Math.floor(random() * 4900));
    else if (pattern === 'auto')
      run
        .failed('fetch', 'upstream_timeout', 5000)
        .autoRetry('fetch', 2)
        .started('fetch', 2, 'billing.invoice', 5000)
        .succeeded('fetch', 300, {}, 2);
    else if (pattern === 'revise') {
      const ok = random() < 0.8;
      run
        .failed('fetch', 'token_expired')
        .operatorRevision(['refresh_token'])
        .started('refresh_token', 1, 'auth.refresh')
        .succeeded('refresh_token', 50)
        .operatorRetry('fetch', 2)
        .started('fetch', 2, 'billing.invoice', 5000);
      if (ok) run.succeeded('fetch', 400, {}, 2);
      else {
        run.failed('fetch', 'token_expired', 500, 2).runFailed();
        continue;
      }
    } else if (pattern === 'retry')
      run
        .failed('fetch', 'upstream_unavailable')
        .operatorRetry('fetch', 2)
        .started('fetch', 2, 'billing.invoice', 5000)
        .succeeded('fetch', 350, {}, 2);
    else if (pattern === 'recovery')
      run
        .failed('fetch', 'token_expired')
        .recovery('fetch', 1, 'learned-1', ['refresh_token'])
        .started('refresh_token', 1, 'auth.refresh')
        .succeeded('refresh_token', 40)
        .started('fetch', 2, 'billing.invoice', 5000)
        .succeeded('fetch', 380, {}, 2);
    else if (pattern === 'skip') run.failed('fetch', 'not_found').skipped('fetch');
    else if (pattern === 'cancel') {
      run.failed('fetch', 'upstream_unavailable').cancelled();
      continue;
    } else {
      run.failed('fetch', 'upstream_timeout', 5000).runFailed();
      continue;
    }
    run.started('pay', 1, 'payments.pay', 10_000);
    if (random() < 0.5)
      run.gateOpened('pay', 'definition').gateDecided('pay', 'approved', 30_000 + Math.floor(random() * 3_600_000));
    run
      .succeeded('pay', 100 + Math.floor(random() * 9000), {
        usage: { inputTokens: 10, outputTokens: 5, costUsd: 0.5 },
      })
      .completed();
  }
  const evaluation = new RunBuilder('eval-1', 'claims', runs * 10_000, positions);
  evaluation
    .triggered({ goldenSet: 'claims-golden', caseId: 'c1' })
    .planned(['claims', 'high-value'])
    .started('extract', 1, 'ocr.read')
    .failed('extract', 'upstream_timeout')
    .cancelled();
  builders.push(evaluation);
  // Interleave the runs' events by time (as concurrent runs append), keeping each run's revision order.
  const all = builders
    .flatMap((run) => run.events)
    .sort((a, b) =>
      a.recordedAt! < b.recordedAt! ? -1 : a.recordedAt! > b.recordedAt! ? 1 : a.position! - b.position!,
    );
  return all.map((event, i) => ({ ...event, position: i + 1 }));
}
