import { mulberry32 } from '@ledgerflow/testing';
import type { EventMetadata } from '@ledgerflow/contracts';
import type { ProjectedEvent } from './projected-event.js';

/** A run event as a test records it: what the store appends, plus the store's fields the unit tests set themselves. */
export interface HistoryEvent extends ProjectedEvent {
  readonly metadata: EventMetadata;
}

const BASE = Date.parse('2026-11-02T08:00:00.000Z');
const iso = (ms: number): string => new Date(ms).toISOString();

/** Global position shared by every builder of a history (what the store would assign, in append order). */
export class Positions {
  private last = 0;
  next(): number {
    return ++this.last;
  }
}

/**
 * Builds one run's events in revision order, with event-data times advancing from `startMs` (`clock` ms per event
 * unless a step says how long it took) and `recordedAt` equal to the event's time.
 */
export class RunBuilder {
  readonly events: HistoryEvent[] = [];
  private revision = -1;
  private now: number;

  constructor(
    readonly runId: string,
    readonly workflowId: string,
    startMs: number,
    private readonly positions: Positions = new Positions(),
  ) {
    this.now = BASE + startMs;
  }

  private push(type: string, data: Record<string, unknown>, actor: EventMetadata['actor'], advanceMs = 1000): this {
    this.now += advanceMs;
    this.revision += 1;
    const at = iso(this.now);
    this.events.push({
      streamId: `run-${this.runId}`,
      revision: this.revision,
      type,
      data,
      position: this.positions.next(),
      recordedAt: at,
      metadata: {
        eventId: `${this.runId}-${this.revision}`,
        runId: this.runId,
        causationId: `${this.runId}-cause`,
        actor,
        occurredAt: at,
        schemaVersion: 1,
      },
    });
    return this;
  }

  private service(id = 'planner'): EventMetadata['actor'] {
    return { kind: 'service', id };
  }

  get time(): string {
    return iso(this.now);
  }

  triggered(evaluation?: { goldenSet: string; caseId: string }): this {
    return this.push(
      'RunTriggered',
      {
        runId: this.runId,
        workflowId: this.workflowId,
        workflowVersion: '1.0.0',
        trigger: { source: 'api', idempotencyKey: this.runId },
        input: {},
        ...(evaluation ? { evaluation } : {}),
      },
      this.service('gateway'),
    );
  }

  planned(memoryScope?: readonly string[]): this {
    const plan = { workflowId: this.workflowId, workflowVersion: '1.0.0', concurrency: 1, agents: {}, steps: [] };
    return this.push('PlanCreated', { plan: memoryScope ? { ...plan, memoryScope } : plan }, this.service());
  }

  started(stepId: string, attempt = 1, tool = 'crm.lookup', timeoutMs = 10_000): this {
    const [toolName, action] = tool.split('.');
    return this.push(
      'StepStarted',
      {
        stepId,
        attempt,
        idempotencyKey: `${this.runId}/${stepId}/${attempt}`,
        agent: 'a',
        tool: toolName,
        action,
        input: {},
        timeoutMs,
        startedAt: iso(this.now + 1000),
      },
      this.service('executor'),
    );
  }

  succeeded(stepId: string, durationMs: number, extra: Record<string, unknown> = {}, attempt = 1): this {
    return this.push(
      'StepSucceeded',
      { stepId, attempt, output: { ok: true }, durationMs, completedAt: iso(this.now + durationMs), ...extra },
      this.service('executor'),
      durationMs,
    );
  }

  failed(stepId: string, code: string, durationMs = 500, attempt = 1): this {
    return this.push(
      'StepFailed',
      {
        stepId,
        attempt,
        error: { code, message: code, retryable: true },
        durationMs,
        failedAt: iso(this.now + durationMs),
      },
      this.service('executor'),
      durationMs,
    );
  }

  autoRetry(stepId: string, attempt: number): this {
    return this.push(
      'StepRetryScheduled',
      { stepId, attempt, delayMs: 100, dueAt: iso(this.now + 100) },
      this.service('executor'),
    );
  }

  operatorRetry(stepId: string, attempt: number, operator = 'olga'): this {
    return this.push(
      'StepRetryScheduled',
      { stepId, attempt, delayMs: 0, dueAt: iso(this.now), requestedBy: operator, reason: 'fixed' },
      { kind: 'human', id: operator, via: 'executor' },
      60_000,
    );
  }

  operatorRevision(stepIds: readonly string[], operator = 'olga', removedStepIds: readonly string[] = []): this {
    const addedSteps = stepIds.map((id) => ({
      id,
      name: id,
      tool: 'auth',
      action: 'refresh',
      agent: 'a',
      dependsOn: [],
      input: {},
      retry: { maxAttempts: 1 },
      timeoutMs: 5000,
      optional: false,
      policyTags: [],
    }));
    return this.push(
      'PlanRevised',
      { revision: 1, author: operator, reason: 'refresh first', addedSteps, removedStepIds },
      { kind: 'human', id: operator, via: 'planner' },
      30_000,
    );
  }

  recovery(stepId: string, attempt: number, rule: string, recoveryIds: readonly string[]): this {
    const addedSteps = recoveryIds.map((id) => ({
      id,
      name: id,
      tool: 'auth',
      action: 'refresh',
      agent: 'a',
      dependsOn: [],
      input: {},
      retry: { maxAttempts: 1 },
      timeoutMs: 5000,
      optional: false,
      policyTags: [],
    }));
    this.push(
      'PlanRevised',
      {
        revision: 1,
        author: 'planner',
        reason: 'recovery',
        rule,
        addedSteps,
        removedStepIds: [],
        addedDependencies: { [stepId]: recoveryIds },
      },
      this.service(),
    );
    return this.push(
      'StepRetryScheduled',
      { stepId, attempt: attempt + 1, delayMs: 0, dueAt: this.time, waitsFor: recoveryIds },
      this.service(),
      0,
    );
  }

  skipped(stepId: string, operator = 'olga'): this {
    return this.push(
      'StepSkipped',
      { stepId, reason: 'not needed', requestedBy: operator },
      { kind: 'human', id: operator, via: 'executor' },
    );
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
            basis: 'step',
          }
        : undefined;
    return this.push(
      'GateOpened',
      {
        gateId: `${this.runId}.${stepId}`,
        stepId,
        attempt: 1,
        reviewers: ['rita'],
        reason: 'review',
        source,
        ...(exception ? { exception } : {}),
      },
      this.service('executor'),
    );
  }

  gateDecided(
    stepId: string,
    outcome: 'approved' | 'rejected' | 'redirected',
    waitMs: number,
    correctedOutput?: unknown,
  ): this {
    return this.push(
      'GateDecided',
      {
        gateId: `${this.runId}.${stepId}`,
        stepId,
        outcome,
        reviewer: 'rita',
        ...(correctedOutput === undefined ? {} : { correctedOutput }),
      },
      { kind: 'human', id: 'rita', via: 'approval' },
      waitMs,
    );
  }

  completed(): this {
    const at = this.now + 100;
    return this.push(
      'RunCompleted',
      { completedAt: iso(at), durationMs: at - Date.parse(this.events[0].recordedAt!) },
      this.service('executor'),
      100,
    );
  }

  runFailed(code = 'step_failed'): this {
    return this.push('RunFailed', { code, reason: code, failedAt: iso(this.now + 100) }, this.service('executor'), 100);
  }

  cancelled(operator = 'olga'): this {
    return this.push(
      'RunCancelled',
      { reason: 'stop', requestedBy: operator },
      { kind: 'human', id: operator, via: 'executor' },
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
