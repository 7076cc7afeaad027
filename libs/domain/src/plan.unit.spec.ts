import fc from 'fast-check';
import { ValidationError } from './errors.js';
import { MAX_PLAN_STEPS, applyPlanRevision, retryDelayMs } from './plan.js';
import type { RetryPolicy } from './plan.js';
import { findCycle, topologicalOrder, validatePlan } from './plan-validation.js';
import { aPlan, aStep } from './run-fixtures.spec-util.js';

function validationErrorOf(run: () => void): ValidationError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return error as ValidationError;
  }
  throw new Error('expected a ValidationError');
}

const chain = (count: number) =>
  Array.from({ length: count }, (_, i) => aStep(`s${i}`, { dependsOn: i === 0 ? [] : [`s${i - 1}`] }));

describe('validatePlan', () => {
  it('accepts a DAG of 50 steps (the limit)', () => {
    expect(() => validatePlan(aPlan(chain(MAX_PLAN_STEPS)))).not.toThrow();
  });

  it('refuses 51 steps with workflow_depth_exceeded, naming limit and actual', () => {
    const error = validationErrorOf(() => validatePlan(aPlan(chain(51))));
    expect(error.code).toBe('workflow_depth_exceeded');
    expect(error.details).toEqual({ limit: 50, actual: 51 });
  });

  it.each([
    [[], 'memoryScope'],
    [Array.from({ length: 17 }, (_, i) => `t${i}`), 'memoryScope'],
    [['b', 'a'], 'memoryScope[1]'],
    [['a', 'a'], 'memoryScope[1]'],
    [['Claims'], 'memoryScope[0]'],
  ])('refuses memoryScope %j with plan_invalid_memory_scope at %s', (memoryScope, field) => {
    const error = validationErrorOf(() => validatePlan(aPlan([aStep('a')], { memoryScope })));
    expect(error.code).toBe('plan_invalid_memory_scope');
    expect(error.details).toMatchObject({ field });
  });

  it('refuses an empty plan', () => {
    expect(validationErrorOf(() => validatePlan(aPlan([]))).code).toBe('plan_empty');
  });

  it.each([0, -1, 1.5])('refuses concurrency %p', (concurrency) => {
    const error = validationErrorOf(() => validatePlan(aPlan([aStep('a')], { concurrency })));
    expect(error.code).toBe('plan_invalid_concurrency');
    expect(error.details).toMatchObject({ field: 'concurrency' });
  });

  it.each(['A', 'a.b', '1a', '', `a${'b'.repeat(63)}`, 'a b'])('refuses step id %p', (id) => {
    const error = validationErrorOf(() => validatePlan(aPlan([aStep(id)])));
    expect(error.code).toBe('plan_invalid_step_id');
    expect(error.details).toMatchObject({ stepId: id });
  });

  it('accepts a 63-character id with digits, dashes and underscores', () => {
    expect(() => validatePlan(aPlan([aStep(`a${'b-_1'.repeat(15)}xy`)]))).not.toThrow();
  });

  it('refuses a duplicate step id', () => {
    const error = validationErrorOf(() => validatePlan(aPlan([aStep('a'), aStep('b'), aStep('a')])));
    expect(error.code).toBe('plan_duplicate_step');
    expect(error.details).toMatchObject({ stepId: 'a' });
  });

  it('refuses an unknown dependency, naming the step and the dependency', () => {
    const error = validationErrorOf(() => validatePlan(aPlan([aStep('a'), aStep('b', { dependsOn: ['a', 'ghost'] })])));
    expect(error.code).toBe('plan_unknown_dependency');
    expect(error.details).toMatchObject({ stepId: 'b', dependency: 'ghost' });
  });

  it('refuses an agent missing from plan.agents', () => {
    const error = validationErrorOf(() => validatePlan(aPlan([aStep('a', { agent: 'robot' })])));
    expect(error.code).toBe('plan_unknown_agent');
    expect(error.details).toMatchObject({ stepId: 'a', agent: 'robot' });
  });

  it('refuses a cycle and reports the path found', () => {
    const plan = aPlan([
      aStep('x'),
      aStep('a', { dependsOn: ['c'] }),
      aStep('b', { dependsOn: ['a'] }),
      aStep('c', { dependsOn: ['b', 'x'] }),
    ]);
    const error = validationErrorOf(() => validatePlan(plan));
    expect(error.code).toBe('plan_cycle');
    expect(error.details).toEqual({ cycle: ['a', 'c', 'b', 'a'] });
    expect(error.message).toContain('a -> c -> b -> a');
  });

  it('reports a self-dependency as a cycle of one step', () => {
    expect(validationErrorOf(() => validatePlan(aPlan([aStep('a', { dependsOn: ['a'] })]))).details).toEqual({
      cycle: ['a', 'a'],
    });
  });

  it.each([
    ['plan_invalid_retry', { retry: { maxAttempts: 0, backoffMs: 0, multiplier: 1, maxBackoffMs: 0 } }],
    ['plan_invalid_retry', { retry: { maxAttempts: 2, backoffMs: 10, multiplier: 0.5, maxBackoffMs: 10 } }],
    ['plan_invalid_timeout', { timeoutMs: 0 }],
    ['plan_invalid_confidence', { minConfidence: 1.2 }],
    ['plan_invalid_gate', { gate: { reviewers: [] } }],
  ])('refuses %s', (code, overrides) => {
    expect(validationErrorOf(() => validatePlan(aPlan([aStep('a', overrides)]))).code).toBe(code);
  });
});

describe('findCycle and topologicalOrder', () => {
  it('orders steps after their dependencies, ties in plan order', () => {
    const plan = aPlan([
      aStep('d', { dependsOn: ['b', 'c'] }),
      aStep('b', { dependsOn: ['a'] }),
      aStep('a'),
      aStep('c'),
    ]);
    expect(topologicalOrder(plan)).toEqual(['a', 'b', 'c', 'd']);
    expect(findCycle(plan)).toBeUndefined();
  });

  it('throws plan_cycle for a cyclic plan', () => {
    const plan = aPlan([aStep('a', { dependsOn: ['b'] }), aStep('b', { dependsOn: ['a'] })]);
    expect(validationErrorOf(() => topologicalOrder(plan)).details).toEqual({ cycle: ['a', 'b', 'a'] });
  });

  it('every random DAG orders each step after its dependencies', () => {
    const dag = fc
      .integer({ min: 1, max: 20 })
      .chain((count) =>
        fc.tuple(
          ...Array.from({ length: count }, (_, i) => fc.subarray(Array.from({ length: i }, (__, j) => `s${j}`))),
        ),
      );
    fc.assert(
      fc.property(dag, (deps) => {
        const plan = aPlan(deps.map((dependsOn, i) => aStep(`s${i}`, { dependsOn })).reverse());
        validatePlan(plan);
        const order = topologicalOrder(plan);
        expect(new Set(order).size).toBe(plan.steps.length);
        for (const step of plan.steps)
          for (const dep of step.dependsOn) expect(order.indexOf(dep)).toBeLessThan(order.indexOf(step.id));
      }),
    );
  });
});

describe('retryDelayMs', () => {
  const policy: RetryPolicy = { maxAttempts: 6, backoffMs: 1000, multiplier: 2, maxBackoffMs: 5000 };

  it('doubles from backoffMs and caps at maxBackoffMs: 1000, 2000, 4000, 5000, 5000 ms', () => {
    expect([1, 2, 3, 4, 5].map((attempt) => retryDelayMs(policy, attempt))).toEqual([1000, 2000, 4000, 5000, 5000]);
  });

  it('keeps a constant delay with multiplier 1 and rounds fractional delays to whole ms', () => {
    expect(retryDelayMs({ ...policy, multiplier: 1 }, 4)).toBe(1000);
    expect(retryDelayMs({ maxAttempts: 4, backoffMs: 333, multiplier: 1.5, maxBackoffMs: 10_000 }, 3)).toBe(749);
  });
});

describe('applyPlanRevision', () => {
  it('drops removed steps, then appends added ones (so an id may be replaced)', () => {
    const plan = aPlan([aStep('a'), aStep('b'), aStep('c')]);
    const replaced = aStep('b', { tool: 'billing' });
    const revised = applyPlanRevision(plan, [replaced, aStep('d')], ['b']);
    expect(revised.steps.map((step) => step.id)).toEqual(['a', 'c', 'b', 'd']);
    expect(revised.steps[2]).toBe(replaced);
    expect(plan.steps.map((step) => step.id)).toEqual(['a', 'b', 'c']);
  });
});
