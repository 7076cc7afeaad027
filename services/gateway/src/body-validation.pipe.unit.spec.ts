import type { ArgumentMetadata } from '@nestjs/common';
import { GateDecisionBody, GateRevisionBody, StartRunBody } from './gateway.dto.js';
import { BodyValidationPipe } from './body-validation.pipe.js';
import { toHttpError } from './http-error.filter.js';
import { PauseResumeBody } from './operator.controller.js';

const pipe = new BodyValidationPipe();
const body = (metatype: ArgumentMetadata['metatype'], data?: string): ArgumentMetadata => ({
  type: 'body',
  metatype,
  ...(data === undefined ? {} : { data }),
});

function refusal(value: unknown, metadata: ArgumentMetadata): ReturnType<typeof toHttpError> {
  try {
    pipe.transform(value, metadata);
  } catch (error) {
    return toHttpError(error);
  }
  throw new Error('expected the pipe to refuse the body');
}

describe('BodyValidationPipe', () => {
  it('turns a valid body into an instance of the DTO, nested DTOs included', () => {
    const decision = pipe.transform(
      { outcome: 'redirect', revision: { addSteps: [], removeStepIds: ['x'] } },
      body(GateDecisionBody),
    );
    expect(decision).toBeInstanceOf(GateDecisionBody);
    expect((decision as GateDecisionBody).revision).toBeInstanceOf(GateRevisionBody);
  });

  it('refuses an invalid body with 400 request_invalid naming each field and rule, as validateBody words it', () => {
    expect(refusal({ outcome: 'maybe', extra: 1 }, body(GateDecisionBody))).toMatchObject({
      status: 400,
      body: {
        code: 'request_invalid',
        retryable: false,
        message: expect.stringContaining(
          'outcome: outcome must be one of the following values: approve, reject, redirect',
        ),
        details: {
          violations: expect.arrayContaining([
            { field: 'extra', rule: 'whitelistValidation', message: 'property extra should not exist' },
          ]),
        },
      },
    });
    expect(refusal([1], body(StartRunBody))).toEqual({
      status: 400,
      body: { code: 'request_invalid', message: 'request body must be a JSON object', retryable: false },
    });
  });

  it('reads no body as {} only for a DTO marked OptionalBody', () => {
    expect(pipe.transform(undefined, body(PauseResumeBody))).toBeInstanceOf(PauseResumeBody);
    expect(refusal(undefined, body(StartRunBody))).toMatchObject({
      status: 400,
      body: { code: 'request_invalid', message: 'request body must be a JSON object' },
    });
  });

  it('passes on what is no DTO: a body typed unknown or string, a field of the body, another parameter', () => {
    const raw = { anything: [1, { constructor: 2 }] };
    expect(pipe.transform(raw, body(Object))).toBe(raw);
    expect(pipe.transform('id: x', body(String))).toBe('id: x');
    expect(pipe.transform('approve', body(GateDecisionBody, 'outcome'))).toBe('approve');
    expect(pipe.transform('r1', { type: 'param', metatype: String, data: 'runId' })).toBe('r1');
    expect(pipe.transform(raw, body(undefined))).toBe(raw);
  });
});
