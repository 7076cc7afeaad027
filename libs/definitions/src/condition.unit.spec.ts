import type { LedgerflowError } from '@ledgerflow/domain';
import { evaluateCondition } from './index.js';

const scope = { input: { amount: 150, word: 'abc' }, steps: { extract: { output: { total: 3 } } } };

describe('evaluateCondition', () => {
  it('is true or false as the expression says, over input and upstream outputs', async () => {
    await expect(evaluateCondition('input.amount > 100', scope)).resolves.toBe(true);
    await expect(evaluateCondition('steps.extract.output.total > 5', scope)).resolves.toBe(false);
  });

  it('is false when nothing matched (e.g. a skipped upstream step)', async () => {
    await expect(evaluateCondition('steps.skipped.output.ok', scope)).resolves.toBe(false);
  });

  it('fails input_expression_failed naming the step and /when, for an error and for a non-boolean', async () => {
    const failure = async (expression: string) =>
      evaluateCondition(expression, scope, { stepId: 'review' }).then(
        () => undefined,
        (error: unknown) => error as LedgerflowError,
      );
    const cast = await failure('$number(input.word) > 1');
    expect(cast).toMatchObject({
      code: 'input_expression_failed',
      retryable: false,
      details: expect.objectContaining({ stepId: 'review', field: '/when' }),
    });
    expect(cast?.message).toMatch(/^step review when: expression "\$number\(input.word\) > 1" failed: /);
    const text = await failure('input.word');
    expect(text?.message).toContain('the condition must be true or false, got string');
  });
});
