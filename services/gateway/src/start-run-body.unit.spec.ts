import fc from 'fast-check';
import type { ArgumentMetadata } from '@nestjs/common';
import { EVALUATION_TAG_PATTERN } from '@ledgerflow/domain';
import { BodyValidationPipe } from './body-validation.pipe.js';
import { toHttpError } from './http-error.filter.js';
import { EvaluationTagBody, StartRunRequestBody } from './workflows.dto.js';

/** `POST /v1/workflows/{id}/runs` body: `input`, `idempotencyKey?` and, for an evaluation run, `evaluation`. */

const pipe = new BodyValidationPipe();
const metadata: ArgumentMetadata = { type: 'body', metatype: StartRunRequestBody };
const parse = (value: unknown) => pipe.transform(value, metadata) as StartRunRequestBody;
const statusOf = (value: unknown) => {
  try {
    parse(value);
    return { status: 202 };
  } catch (error) {
    return toHttpError(error);
  }
};

describe('StartRunRequestBody', () => {
  it('takes an evaluation tag as a nested DTO; without one the body is as before', () => {
    const request = parse({ input: { claimId: 'c' }, evaluation: { goldenSet: 'claims.v1', caseId: 'case:1' } });
    expect(request.evaluation).toBeInstanceOf(EvaluationTagBody);
    expect(request.evaluation).toEqual({ goldenSet: 'claims.v1', caseId: 'case:1' });
    expect(parse({ input: {} })).not.toHaveProperty('evaluation');
  });

  it('refuses a bad tag with 400 request_invalid naming the field, never a 5xx', () => {
    expect(statusOf({ input: {}, evaluation: { goldenSet: 'a b', caseId: 'c' } })).toMatchObject({
      status: 400,
      body: {
        code: 'request_invalid',
        details: {
          violations: [
            {
              field: 'evaluation.goldenSet',
              rule: 'matches',
              message: 'evaluation.goldenSet must be 1..128 characters of [A-Za-z0-9._:-]',
            },
          ],
        },
      },
    });
    fc.assert(
      fc.property(fc.anything(), (caseId) => {
        const valid = typeof caseId === 'string' && EVALUATION_TAG_PATTERN.test(caseId);
        expect(statusOf({ input: {}, evaluation: { goldenSet: 'g', caseId } }).status).toBe(valid ? 202 : 400);
      }),
    );
    fc.assert(
      fc.property(fc.anything(), (evaluation) => {
        expect([202, 400]).toContain(statusOf({ input: {}, evaluation }).status);
      }),
    );
  });
});
