import type { PlanStep } from '@ledgerflow/domain';
import { checkedOutcome } from './tool-dispatcher.js';
import type { ToolOutcome } from './tool-dispatcher.js';

const step = (outputSchema?: PlanStep['outputSchema']): PlanStep => ({
  id: 'score',
  name: 'score',
  tool: 'risk',
  action: 'score',
  agent: 'scorer',
  dependsOn: [],
  input: {},
  retry: { maxAttempts: 2, backoffMs: 10, multiplier: 1, maxBackoffMs: 10 },
  timeoutMs: 1000,
  optional: false,
  policyTags: [],
  ...(outputSchema === undefined ? {} : { outputSchema }),
});
const ok = (output: unknown): ToolOutcome => ({ ok: true, result: { output } as never, durationMs: 12 });
const schema = { type: 'object', required: ['score'], properties: { score: { type: 'number', maximum: 1 } } };

describe('checkedOutcome', () => {
  it('passes a conforming output and steps without a schema', () => {
    expect(checkedOutcome(step(schema), ok({ score: 0.4 }))).toEqual(ok({ score: 0.4 }));
    expect(checkedOutcome(step(), ok('anything'))).toEqual(ok('anything'));
  });

  it('turns a nonconforming output into output_invalid (retryable) naming the pointer and rule', () => {
    expect(checkedOutcome(step(schema), ok({ score: 7 }))).toEqual({
      ok: false,
      durationMs: 12,
      error: {
        code: 'output_invalid',
        message: 'step score output is invalid: /score must be <= 1 (maximum)',
        retryable: true,
      },
    });
  });

  it('leaves a failed call as it is', () => {
    const failed: ToolOutcome = {
      ok: false,
      error: { code: 'step_timeout', message: 'late', retryable: true },
      durationMs: 1000,
    };
    expect(checkedOutcome(step(schema), failed)).toBe(failed);
  });
});
