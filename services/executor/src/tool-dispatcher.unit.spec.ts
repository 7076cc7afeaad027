import type { PlanStep } from '@ledgerflow/domain';
import { aStep } from '@ledgerflow/testing';
import { checkedOutcome, outcomeCommand } from './tool-dispatcher.js';
import type { ToolOutcome } from './tool-dispatcher.js';

const step = (outputSchema?: PlanStep['outputSchema']): PlanStep =>
  aStep('score', {
    name: 'score',
    tool: 'risk',
    action: 'score',
    agent: 'scorer',
    input: {},
    retry: { maxAttempts: 2, backoffMs: 10, multiplier: 1, maxBackoffMs: 10 },
    timeoutMs: 1000,
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

describe('usage in a result', () => {
  const withUsage = (usage: unknown): ToolOutcome => ({
    ok: true,
    result: { output: { score: 0.4 }, usage } as never,
    durationMs: 12,
  });

  it('passes a valid usage into RecordStepSucceeded', () => {
    const outcome = checkedOutcome(step(schema), withUsage({ inputTokens: 900, outputTokens: 40, costUsd: 0.0031 }));
    expect(outcomeCommand('score', 2, outcome, 5000)).toEqual({
      type: 'RecordStepSucceeded',
      data: {
        stepId: 'score',
        attempt: 2,
        output: { score: 0.4 },
        usage: { inputTokens: 900, outputTokens: 40, costUsd: 0.0031 },
        durationMs: 12,
        runDurationMs: 5000,
      },
    });
  });

  it('leaves usage out of the command when the tool reported none', () => {
    const command = outcomeCommand('score', 1, checkedOutcome(step(), ok({ score: 1 })), 10);
    expect(command.type).toBe('RecordStepSucceeded');
    expect(command.data).not.toHaveProperty('usage');
  });

  it.each([
    [{ costUsd: -1 }, 'usage.costUsd must be >= 0, got -1'],
    [{ inputTokens: Number.NaN }, 'usage.inputTokens must be finite, got NaN'],
    [{ outputTokens: '12' }, 'usage.outputTokens must be a number, got a string'],
    [{ tokens: 3 }, 'usage.tokens is not a usage field (allowed: inputTokens, outputTokens, costUsd)'],
    ['lots', 'usage must be an object, got a string'],
  ])('fails the attempt with output_invalid on usage %j, with or without an output schema', (usage, detail) => {
    for (const outputSchema of [schema, undefined]) {
      const outcome = checkedOutcome(step(outputSchema), withUsage(usage));
      expect(outcome).toEqual({
        ok: false,
        durationMs: 12,
        error: { code: 'output_invalid', message: `step score result is invalid: ${detail}`, retryable: true },
      });
      expect(outcomeCommand('score', 1, outcome, 10)).toEqual({
        type: 'RecordStepFailed',
        data: { stepId: 'score', attempt: 1, error: (outcome as { error: unknown }).error, durationMs: 12 },
      });
    }
  });
});
