import fc from 'fast-check';
import type { ArgumentMetadata } from '@nestjs/common';
import { BodyValidationPipe } from './body-validation.pipe.js';
import { toHttpError } from './http-error.filter.js';
import {
  EvaluationCaseBody,
  MAX_EVALUATION_CASES,
  RecommendationDecisionBody,
  RecordEvaluationBody,
} from './memory.dto.js';

const pipe = new BodyValidationPipe();
const asBody = (metatype: ArgumentMetadata['metatype']): ArgumentMetadata => ({ type: 'body', metatype });

/** What the gateway answers for `value` as a body of `dto`: 'ok', or the status, code and refused fields. */
function answer(value: unknown, dto: ArgumentMetadata['metatype']): 'ok' | { status: number; fields: string[] } {
  try {
    pipe.transform(value, asBody(dto));
    return 'ok';
  } catch (error) {
    const { status, body } = toHttpError(error);
    const violations = (body.details?.['violations'] ?? []) as Array<{ field: string }>;
    return { status, fields: [...new Set(violations.map((v) => v.field))] };
  }
}

const digest = `sha256:${'ab'.repeat(32)}`;
const aCase = (overrides: Record<string, unknown> = {}) => ({
  caseId: 'claim-1',
  runId: 'run-0001',
  passed: false,
  failures: [{ stepId: 'assess', path: '$.amount', message: 'expected 120, got 12' }],
  durationMs: 412.5,
  escalations: 1,
  steps: [{ stepId: 'assess', passed: false, confidence: 0.82 }],
  ...overrides,
});
const anEvaluation = (overrides: Record<string, unknown> = {}) => ({
  workflowVersion: '1.2.0',
  goldenSet: 'claims.golden.yaml',
  goldenSetDigest: digest,
  passRate: 0.5,
  cases: [aCase(), aCase({ caseId: 'claim-2', passed: true, failures: [] })],
  ...overrides,
});

describe('memory request bodies', () => {
  it('a decision takes no body, or a comment of at most 2,000 characters, and nothing else', () => {
    expect(answer(undefined, RecommendationDecisionBody)).toBe('ok');
    expect(answer({}, RecommendationDecisionBody)).toBe('ok');
    expect(answer({ comment: 'x'.repeat(2000) }, RecommendationDecisionBody)).toBe('ok');
    expect(answer({ comment: 'x'.repeat(2001) }, RecommendationDecisionBody)).toEqual({
      status: 400,
      fields: ['comment'],
    });
    expect(answer({ comment: 7 }, RecommendationDecisionBody)).toMatchObject({ status: 400, fields: ['comment'] });
    expect(answer({ decision: 'accept' }, RecommendationDecisionBody)).toEqual({ status: 400, fields: ['decision'] });
    expect(answer([], RecommendationDecisionBody)).toMatchObject({ status: 400 });
  });

  it('an evaluation is validated to its nested cases, failures and steps, naming the path of each refusal', () => {
    const valid = pipe.transform(anEvaluation(), asBody(RecordEvaluationBody)) as RecordEvaluationBody;
    expect(valid.cases[0]).toBeInstanceOf(EvaluationCaseBody);
    expect(answer(anEvaluation({ workflowId: 'claims' }), RecordEvaluationBody)).toBe('ok');
    expect(
      answer(
        anEvaluation({
          goldenSetDigest: 'md5:00',
          passRate: 1.5,
          cases: [
            aCase({ runId: 'run 1', escalations: 0.5 }),
            aCase({ failures: [{ stepId: '', path: '$', message: 'm' }], steps: [{ stepId: 's', passed: 'yes' }] }),
          ],
        }),
        RecordEvaluationBody,
      ),
    ).toEqual({
      status: 400,
      fields: [
        'goldenSetDigest',
        'passRate',
        'cases.0.runId',
        'cases.0.escalations',
        'cases.1.failures.0.stepId',
        'cases.1.steps.0.passed',
      ],
    });
    expect(answer(anEvaluation({ cases: [aCase({ extra: 1 })] }), RecordEvaluationBody)).toEqual({
      status: 400,
      fields: ['cases.0.extra'],
    });
    expect(answer({ ...anEvaluation(), cases: undefined }, RecordEvaluationBody)).toMatchObject({
      status: 400,
      fields: ['cases'],
    });
  });

  it(`bounds an evaluation's cases at ${MAX_EVALUATION_CASES} and each case's failures and steps at 1,000`, () => {
    const tiny = { caseId: 'c', runId: 'r', passed: true, failures: [], durationMs: 0, escalations: 0, steps: [] };
    const many = (n: number) => Array.from({ length: n }, () => tiny);
    expect(answer(anEvaluation({ cases: many(MAX_EVALUATION_CASES) }), RecordEvaluationBody)).toBe('ok');
    expect(answer(anEvaluation({ cases: many(MAX_EVALUATION_CASES + 1) }), RecordEvaluationBody)).toEqual({
      status: 400,
      fields: ['cases'],
    });
    const steps = (n: number) => Array.from({ length: n }, () => ({ stepId: 's', passed: true }));
    expect(answer(anEvaluation({ cases: [aCase({ steps: steps(1001) })] }), RecordEvaluationBody)).toEqual({
      status: 400,
      fields: ['cases.0.steps'],
    });
  });

  it('answers any JSON value sent as an evaluation or a decision with ok or a 400, never anything else', () => {
    const value = fc.oneof(
      fc.jsonValue({ maxDepth: 4 }),
      fc.record({ cases: fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 3 }) }, { requiredKeys: [] }),
      fc
        .constant(anEvaluation())
        .chain((base) =>
          fc
            .record({ key: fc.constantFrom(...Object.keys(base), 'constructor', '__proto__'), v: fc.jsonValue() })
            .map(({ key, v }) => JSON.parse(JSON.stringify({ ...base, [key]: v })) as unknown),
        ),
    );
    fc.assert(
      fc.property(value, (body) => {
        for (const dto of [RecordEvaluationBody, RecommendationDecisionBody]) {
          const result = answer(body, dto);
          if (result !== 'ok') expect(result.status).toBe(400);
        }
      }),
      { numRuns: 300 },
    );
  });
});
