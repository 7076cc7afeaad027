import { LedgerflowError, parseDuration } from '@ledgerflow/domain';
import { resolveStepInput } from './index.js';

const scope = {
  input: { claimId: 'c-1', attachments: ['a.pdf', 'b.pdf'] },
  trigger: { type: 'crm.claim.submitted' },
  steps: {
    extract_documents: {
      output: {
        pages: [
          { n: 1, text: 'x' },
          { n: 2, text: 'y' },
        ],
        total: 250,
      },
    },
    'risk-score': { output: { score: 0.4 } },
  },
};

describe('resolveStepInput', () => {
  it('evaluates expressions over the input, the trigger and upstream outputs, recursively', async () => {
    const template = {
      claimId: '=input.claimId',
      pageCount: '=$count(steps.extract_documents.output.pages)',
      amount: '=steps.extract_documents.output.total * 2',
      risk: '=steps.`risk-score`.output.score',
      files: ['=input.attachments[0]', 'literal', 42, { source: '=trigger.type' }],
      nothing: '=input.missing',
      flag: true,
    };
    await expect(resolveStepInput(template, scope)).resolves.toEqual({
      claimId: 'c-1',
      pageCount: 2,
      amount: 500,
      risk: 0.4,
      files: ['a.pdf', 'literal', 42, { source: 'crm.claim.submitted' }],
      flag: true,
    });
  });

  it('writes a literal = as ==', async () => {
    await expect(resolveStepInput({ formula: '==a+b', plain: 'a=b' }, scope)).resolves.toEqual({
      formula: '=a+b',
      plain: 'a=b',
    });
  });

  it('returns plain JSON arrays', async () => {
    const texts = await resolveStepInput('=steps.extract_documents.output.pages.text', scope);
    expect(texts).toEqual(['x', 'y']);
    expect(Object.keys(texts as object)).toEqual(['0', '1']);
  });

  it('names the field path and the expression when evaluation fails', async () => {
    const failure = resolveStepInput({ nested: { list: ['ok', '=$number(input.claimId)'] } }, scope, {
      stepId: 'pay_out',
    });
    await expect(failure).rejects.toBeInstanceOf(LedgerflowError);
    await expect(failure).rejects.toMatchObject({
      code: 'input_expression_failed',
      message: expect.stringMatching(
        /^step pay_out input \/nested\/list\/1: expression "\$number\(input.claimId\)" failed: /,
      ),
      details: { field: '/nested/list/1', expression: '$number(input.claimId)' },
    });
  });
});

describe('parseDuration', () => {
  it.each([
    ['200ms', 200],
    ['30s', 30_000],
    ['5m', 300_000],
    ['4h', 14_400_000],
    ['1.5s', 1_500],
    [250, 250],
  ])('%s -> %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['30 seconds', '-1s', '', '5w'])('rejects %j', (text) => {
    expect(() => parseDuration(text, '/steps/0/timeout')).toThrow(
      expect.objectContaining({ code: 'duration_invalid', message: expect.stringContaining('/steps/0/timeout') }),
    );
  });
});
