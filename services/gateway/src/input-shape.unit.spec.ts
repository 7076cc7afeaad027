import type { ValidationError } from '@ledgerflow/domain';
import { assertPathParameters, assertQueryParameters, unsupportedMediaType } from './input-shape.js';

const refusal = (check: () => void): ValidationError => {
  try {
    check();
  } catch (error) {
    return error as ValidationError;
  }
  throw new Error('expected a refusal');
};

describe('assertPathParameters', () => {
  const runId = '2472c094-7e2f-8f95-8f1b-186916297ed9';

  it('accepts ids of their formats', () => {
    expect(() =>
      assertPathParameters({ runId, gateId: `${runId}.g2`, workflowId: 'noop-chain', accountId: '0123456789abcdef' }),
    ).not.toThrow();
  });

  it.each([
    ['runId', 'abc\r\ndef'],
    ['runId', ''],
    ['runId', 'a'.repeat(81)],
    ['runId', '../x'],
    ['gateId', runId],
    ['gateId', `${runId}.`],
    ['gateId', `${runId}.G2`],
    ['gateId', 'a b.g2'],
    ['workflowId', 'Noop'],
    ['workflowId', '1abc'],
    ['workflowId', `a${'b'.repeat(63)}`],
    ['accountId', '0123456789ABCDEF'],
    ['accountId', '0123'],
    ['unknownParam', 'x\ny'],
  ])('refuses %s %j with request_invalid naming it, the value escaped', (name, value) => {
    const error = refusal(() => assertPathParameters({ [name]: value }));
    expect(error.code).toBe('request_invalid');
    expect(error.details).toMatchObject({ field: name, in: 'path' });
    expect(error.message).toMatch(new RegExp(`^path parameter ${name} must be `));
    expect(error.message).not.toMatch(/[\r\n]/);
  });
});

describe('assertQueryParameters', () => {
  it('accepts single strings and refuses repeated or bracketed parameters, naming them', () => {
    expect(() => assertQueryParameters({ status: 'open', at: 'cp-1' })).not.toThrow();
    expect(refusal(() => assertQueryParameters({ status: ['a', 'b'] })).details).toMatchObject({
      field: 'status',
      in: 'query',
    });
    expect(refusal(() => assertQueryParameters({ at: { x: '1' } })).code).toBe('request_invalid');
  });
});

describe('unsupportedMediaType', () => {
  it('names the expected and the received type', () => {
    const error = unsupportedMediaType('text/plain');
    expect(error.code).toBe('unsupported_media_type');
    expect(error.details).toEqual({ field: 'content-type', expected: 'application/json', received: 'text/plain' });
    expect(error.message).toBe('request bodies are JSON: send Content-Type: application/json (got "text/plain")');
  });
});
