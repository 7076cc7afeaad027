import { decideInSequence, startWhenReady } from './decide-sequence.js';
import { DomainError } from './errors.js';
import { foldRun } from './evolve.js';
import { aPlan, aStep, allow, ev, NOW, requireApproval, RUN_ID } from './run-fixtures.spec-util.js';

const a = aStep('a');
const b = aStep('b');
const start = (stepId: string) =>
  startWhenReady({
    stepId,
    attempt: 1,
    idempotencyKey: `${RUN_ID}/${stepId}/1`,
    input: { s: stepId },
    executor: 'host-a:1',
  });
const record =
  (stepId: string, decision = allow) =>
  () => ({ type: 'RecordStepPolicyDecision' as const, data: { stepId, attempt: 1, decision } });

describe('decideInSequence: the policy decision and the start of a step in one commit', () => {
  it('an allowed step with a free slot: StepPolicyEvaluated then StepStarted, each decided on the state before it', () => {
    const given = foldRun(ev.started(aPlan([a, b], { concurrency: 2 })));
    const events = decideInSequence(given, { now: NOW }, [record('a'), start('a')]);
    expect(events.map((e) => e.type)).toEqual(['StepPolicyEvaluated', 'StepStarted']);
    expect(events[1]).toMatchObject({ data: { stepId: 'a', attempt: 1, executor: 'host-a:1' } });
  });

  it('a decision that needs approval: the decision alone (the step waits for its gate)', () => {
    const given = foldRun(ev.started(aPlan([a])));
    expect(
      decideInSequence(given, { now: NOW }, [record('a', requireApproval), start('a')]).map((e) => e.type),
    ).toEqual(['StepPolicyEvaluated']);
  });

  it('no free slot (plan.concurrency steps run): the decision alone, the step starts when one frees', () => {
    const given = foldRun([...ev.started(aPlan([a, b], { concurrency: 1 })), ...ev.running(a)]);
    expect(decideInSequence(given, { now: NOW }, [record('b'), start('b')]).map((e) => e.type)).toEqual([
      'StepPolicyEvaluated',
    ]);
  });

  it('a refusal of any handler refuses the whole sequence', () => {
    const given = foldRun([...ev.started(aPlan([a])), ev.evaluated('a')]);
    expect(() => decideInSequence(given, { now: NOW }, [record('a'), start('a')])).toThrow(DomainError);
  });
});
