import { checkpointsOf, findCheckpoint, foldUpTo, stateAt } from './checkpoints.js';
import type { CheckpointSourceEvent } from './checkpoints.js';
import { LedgerflowError } from './errors.js';
import { aPlan, aStep, ev } from './run-fixtures.spec-util.js';

const plan = aPlan([aStep('a'), aStep('b', { dependsOn: ['a'] })]);
const a = aStep('a');
const b = aStep('b', { dependsOn: ['a'] });

describe('checkpointsOf', () => {
  it('numbers step outcomes and gate decisions, and covers what the same commit appended after them', () => {
    const events = [
      ...ev.started(plan),
      ...ev.running(a),
      ev.failed('a', 1, true),
      ev.retryScheduled('a', 2, 1000, '2026-05-01T10:00:01.000Z'),
      ev.evaluated('a', 2),
      ev.stepStarted(a, 2),
      ev.succeeded('a', 2),
      ...ev.gated('b'),
      ev.gateDecided('b'),
      ev.stepStarted(b),
      ev.succeeded('b'),
      { type: 'RunCompleted', data: { completedAt: '2026-05-01T10:00:09.000Z', durationMs: 9000 } },
    ] as CheckpointSourceEvent[];
    const checkpoints = checkpointsOf(events);
    expect(checkpoints.map(({ id, revision, type, stepId }) => ({ id, revision, type, stepId }))).toEqual([
      { id: 'cp-1', revision: 5, type: 'StepFailed', stepId: 'a' },
      { id: 'cp-2', revision: 8, type: 'StepSucceeded', stepId: 'a' },
      { id: 'cp-3', revision: 11, type: 'GateDecided', stepId: 'b' },
      { id: 'cp-4', revision: 14, type: 'StepSucceeded', stepId: 'b' },
    ]);
    expect(checkpoints[0]?.summary).toBe('a failed (attempt 1): timeout; retry 2 due 2026-05-01T10:00:01.000Z');
    expect(checkpoints[2]?.summary).toBe('gate run-1.b approved by alice');
    expect(checkpoints[3]?.summary).toBe('b succeeded (attempt 1); run completed');
    expect(checkpoints[3]?.at).toBe('2026-05-01T10:00:00.000Z');
  });

  it('uses stored revisions and occurredAt, and keeps a later command out of a checkpoint (other causationId)', () => {
    const stored = [
      ...ev.started(plan),
      ...ev.running(a),
      ev.failed('a'),
      { type: 'StepRetryScheduled', data: { stepId: 'a', attempt: 2, delayMs: 0, dueAt: 'x' } },
    ].map((event, i) => ({
      ...event,
      revision: i + 10,
      metadata: { occurredAt: `t${i}`, causationId: i === 5 ? 'operator' : 'exec' },
    }));
    expect(checkpointsOf(stored)).toEqual([
      {
        id: 'cp-1',
        revision: 14,
        at: 't4',
        type: 'StepFailed',
        stepId: 'a',
        summary: 'a failed (attempt 1): bad_request',
      },
    ]);
  });
});

describe('stateAt', () => {
  const events = [
    ...ev.started(plan),
    ...ev.ran(a),
    ...ev.gated('b', { attempt: 1 }),
    ev.gateDecided('b', 'rejected'),
    { type: 'StepBlocked', data: { stepId: 'b', attempt: 1, code: 'gate_rejected', reason: 'no', policies: [] } },
    { type: 'RunFailed', data: { code: 'gate_rejected', reason: 'no', stepId: 'b', failedAt: 'x' } },
  ] as CheckpointSourceEvent[];

  it('folds the events up to the checkpoint', () => {
    expect(stateAt(events, 'cp-1').steps.a?.status).toBe('succeeded');
    expect(stateAt(events, 'cp-1').steps.b?.status).toBe('pending');
    expect(stateAt(events, 'cp-2').gates['run-1.b']?.status).toBe('rejected');
    expect(stateAt(events, 'cp-3')).toMatchObject({ status: 'failed', steps: { b: { status: 'blocked' } } });
    expect(foldUpTo(events, 1).status).toBe('running');
  });

  it('refuses an unknown checkpoint with checkpoint_unknown, naming it', () => {
    expect(() => findCheckpoint(events, 'cp-9')).toThrow(LedgerflowError);
    try {
      stateAt(events, 'cp-9');
    } catch (error) {
      expect((error as LedgerflowError).code).toBe('checkpoint_unknown');
      expect((error as LedgerflowError).message).toBe('checkpoint "cp-9" is unknown: the run has cp-1..cp-3');
      expect((error as LedgerflowError).details).toEqual({ checkpoint: 'cp-9', known: 3 });
    }
    expect(() => stateAt(ev.started(plan), 'cp-1')).toThrow('the run has no checkpoints yet');
  });
});
