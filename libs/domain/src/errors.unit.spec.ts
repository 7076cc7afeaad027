import { ForkErrorCodes } from './decide-fork.js';
import { DomainError, RENAMED_ERROR_CODES, RunErrorCodes, currentErrorCode } from './errors.js';

describe('DomainError', () => {
  it('keeps its stable code and is not retryable', () => {
    const error = new DomainError('plan_cycle', 'cycle a -> b -> a');
    expect(error.toJSON()).toEqual({ code: 'plan_cycle', message: 'cycle a -> b -> a', retryable: false, details: {} });
    expect(error.name).toBe('DomainError');
  });
});

describe('error codes', () => {
  const SNAKE = /^[a-z][a-z0-9_]*$/;

  it.each([
    ['RunErrorCodes', RunErrorCodes],
    ['ForkErrorCodes', ForkErrorCodes],
  ])('every code of %s is lower snake case, with its old dotted spelling renamed to it', (_name, catalog) => {
    const codes = Object.values(catalog);
    expect(codes.filter((code) => !SNAKE.test(code))).toEqual([]);
    const renamed = new Set(Object.values(RENAMED_ERROR_CODES));
    expect(codes.filter((code) => !renamed.has(code))).toEqual([]);
  });

  it('RENAMED_ERROR_CODES maps each dotted AREA.REASON code to one snake_case code, no two to one but step_not_found', () => {
    for (const [old, current] of Object.entries(RENAMED_ERROR_CODES)) {
      expect(old).toMatch(/^[A-Z]+\.[A-Z_]+$/);
      expect(current).toMatch(SNAKE);
    }
    const values = Object.values(RENAMED_ERROR_CODES);
    expect(new Set(values).size).toBe(values.length);
    expect(RENAMED_ERROR_CODES['RUN.STEP_NOT_FOUND']).toBe('step_not_found');
    expect(RENAMED_ERROR_CODES['RUN.GATE_NOT_FOUND']).toBe(RunErrorCodes.GATE_NOT_FOUND);
  });

  it('currentErrorCode reads an old code as the new one and passes any other code through', () => {
    expect(currentErrorCode('RUN.NOT_RUNNING')).toBe('run_not_running');
    expect(currentErrorCode('NATS.REQUEST_FAILED')).toBe('nats_request_failed');
    expect(currentErrorCode('STORE.CONCURRENCY')).toBe('store_concurrency');
    expect(currentErrorCode('run_not_running')).toBe('run_not_running');
    expect(currentErrorCode('token_expired')).toBe('token_expired');
    expect(currentErrorCode('TOOL.REFUSED')).toBe('TOOL.REFUSED'); // a tool's own code is never ours to rename
    expect(currentErrorCode('toString')).toBe('toString');
  });
});
