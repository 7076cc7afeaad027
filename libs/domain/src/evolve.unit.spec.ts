import type { RunEvent } from './events.js';
import { evolve, foldRun } from './evolve.js';
import { aPlan, aStep, deny, ev, gateOf, NOW, requireApproval, RUN_ID } from './run-fixtures.spec-util.js';
import { initialState } from './state.js';

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

const a = aStep('a');
const b = aStep('b', { dependsOn: ['a'] });
const plan = aPlan([a, b]);

describe('evolve', () => {
  it('starts from status none with no steps', () => {
    expect(initialState()).toMatchObject({
      status: 'none',
      steps: {},
      gates: {},
      eventCount: 0,
      counts: { pending: 0, running: 0 },
    });
  });

  it('folds a run: trigger, plan, step outcomes and counts', () => {
    const state = foldRun([...ev.started(plan), ...ev.ran(a), ...ev.running(b)]);
    expect(state).toMatchObject({
      status: 'running',
      runId: RUN_ID,
      workflowId: 'claims',
      workflowVersion: '1.0.0',
      input: { claim: 42 },
      eventCount: 7,
    });
    expect(state.counts).toMatchObject({ succeeded: 1, running: 1, pending: 0 });
    expect(state.steps['a']).toMatchObject({
      status: 'succeeded',
      attempt: 1,
      output: { ok: 'a' },
      completedAt: NOW,
      decision: { outcome: 'allow' },
    });
    expect(state.steps['b']).toMatchObject({
      status: 'running',
      idempotencyKey: `${RUN_ID}/b/1`,
      input: { resolved: 'b' },
      startedAt: NOW,
    });
  });

  it('reads an error code stored in its earlier dotted spelling as the snake_case code (StepFailed, RunFailed)', () => {
    const stored: RunEvent[] = [
      ...ev.started(plan),
      ...ev.running(a),
      {
        type: 'StepFailed',
        data: {
          stepId: 'a',
          attempt: 1,
          error: { code: 'NATS.REPLY_MALFORMED', message: 'reply on lf.tool.t.a is not valid JSON', retryable: false },
          durationMs: 12,
          failedAt: NOW,
        },
      },
      {
        type: 'RunFailed',
        data: { code: 'RUN.STEP_ID_RETIRED', reason: 'step "a" asked for x', stepId: 'a', failedAt: NOW },
      },
    ];
    const state = foldRun(stored);
    expect(state.steps['a']?.error).toEqual({
      code: 'nats_reply_malformed',
      message: 'reply on lf.tool.t.a is not valid JSON',
      retryable: false,
    });
    expect(state.failure).toMatchObject({ code: 'run_step_id_retired', stepId: 'a' });
    // The stored event itself is not rewritten.
    expect((stored[stored.length - 2] as Extract<RunEvent, { type: 'StepFailed' }>).data.error.code).toBe(
      'NATS.REPLY_MALFORMED',
    );
  });

  it('keeps the last error and retry due time, and clears them when an attempt succeeds', () => {
    const failed = foldRun([
      ...ev.started(plan),
      ...ev.running(a),
      ev.failed('a', 1, true),
      ev.retryScheduled('a', 2, 1000, '2026-05-01T10:00:01.000Z'),
    ]);
    expect(failed.steps['a']).toMatchObject({
      status: 'retry_scheduled',
      attempt: 2,
      retryDueAt: '2026-05-01T10:00:01.000Z',
      error: { code: 'timeout' },
    });
    const recovered = foldRun([ev.evaluated('a', 2), ev.stepStarted(a, 2), ev.succeeded('a', 2)], failed);
    expect(recovered.steps['a']?.error).toBeUndefined();
    expect(recovered.steps['a']?.retryDueAt).toBeUndefined();
  });

  it('a decision that needs a gate leaves the step awaiting approval with no gate; deny leaves its status', () => {
    const awaiting = foldRun([...ev.started(plan), ev.evaluated('a', 1, requireApproval)]);
    expect(awaiting.steps['a']).toMatchObject({ status: 'awaiting_approval', attempt: 1, decision: requireApproval });
    expect(awaiting.steps['a']?.gateId).toBeUndefined();
    expect(awaiting.gates).toEqual({});
    expect(awaiting.counts).toMatchObject({ awaiting_approval: 1, pending: 1, ready: 0 });
    expect(foldRun([...ev.started(plan), ev.evaluated('a', 1, deny)]).steps['a']?.status).toBe('pending');
    const declared = aPlan([aStep('a', { gate: { reviewers: ['dana'] } })]);
    expect(foldRun([...ev.started(declared), ev.evaluated('a')]).steps['a']?.status).toBe('awaiting_approval');
  });

  it('tracks a gate through opening, escalation and decision', () => {
    const opened = foldRun([...ev.started(plan), ...ev.gated('a', { dueAt: NOW, escalateTo: ['carol'] })]);
    expect(opened.steps['a']).toMatchObject({ status: 'awaiting_approval', gateId: gateOf('a') });
    const escalated = evolve(opened, {
      type: 'GateEscalated',
      data: { gateId: gateOf('a'), level: 1, reviewers: ['carol'] },
    });
    expect(escalated.gates[gateOf('a')]).toEqual({
      gateId: gateOf('a'),
      stepId: 'a',
      attempt: 1,
      status: 'open',
      source: 'policy',
      reason: 'needs review',
      reviewers: ['carol'],
      level: 1,
      escalateTo: [],
      escalation: [{ reviewers: ['carol'] }],
    });
    const decided = evolve(escalated, ev.gateDecided('a', 'approved', 'carol'));
    expect(decided.gates[gateOf('a')]).toMatchObject({ status: 'approved', decidedBy: 'carol' });
    expect(decided.steps['a']?.status).toBe('ready');
  });

  it('records how the run ended', () => {
    const base = ev.started(plan);
    expect(
      foldRun([
        ...base,
        { type: 'RunFailed', data: { code: 'policy_denied', reason: 'no', stepId: 'a', failedAt: NOW } },
      ]).failure,
    ).toEqual({ code: 'policy_denied', reason: 'no', stepId: 'a', failedAt: NOW });
    expect(foldRun([...base, { type: 'RunCompleted', data: { completedAt: NOW, durationMs: 10 } }])).toMatchObject({
      status: 'completed',
      durationMs: 10,
    });
    expect(foldRun([...base, ev.paused('hold'), { type: 'RunCancelled', data: { reason: 'dup' } }])).toMatchObject({
      status: 'cancelled',
      cancelReason: 'dup',
    });
  });

  it('never changes the state it is given', () => {
    const history: RunEvent[] = [
      ...ev.started(plan),
      ...ev.running(a),
      ev.failed('a', 1, true),
      ev.retryScheduled('a', 2, 0, NOW),
      ...ev.gated('a', { attempt: 2 }),
      ev.gateDecided('a'),
      ev.paused('x'),
    ];
    let state = deepFreeze(initialState());
    for (const event of history) state = deepFreeze(evolve(state, deepFreeze(event)));
    expect(state.status).toBe('paused');
  });

  it('ignores an event type it does not know (read from a newer writer)', () => {
    const state = foldRun(ev.started(plan));
    const next = evolve(state, { type: 'StepCommented', data: {} } as unknown as RunEvent);
    expect({ ...next, eventCount: state.eventCount }).toEqual(state);
  });
});
