import 'reflect-metadata';
import { Type } from 'class-transformer';
import {
  IsArray,
  IsIn,
  IsNotEmpty,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Length,
  ValidateNested,
} from 'class-validator';
import { ValidationError } from '@ledgerflow/domain';
import { MALFORMED_BODY } from './json-wire.js';
import { MAX_JSON_DEPTH, jsonDepth, validateBody } from './validate-body.js';
import type { FieldViolation } from './validate-body.js';

class ReviewerDto {
  @IsIn(['human', 'service']) kind!: string;
  @IsString() @Length(1, 20) id!: string;
}

class LineDto {
  @IsNumber() amount!: number;
}

class DecisionDto {
  @IsString() @IsNotEmpty() gateId!: string;
  @ValidateNested() @Type(() => ReviewerDto) reviewer!: ReviewerDto;
  @IsOptional() @IsArray() @ValidateNested({ each: true }) @Type(() => LineDto) lines?: LineDto[];
}

const valid = { gateId: 'r1.payout', reviewer: { kind: 'human', id: 'alice' } };

function refusal(body: unknown): ValidationError {
  try {
    validateBody(DecisionDto, body);
  } catch (error) {
    return error as ValidationError;
  }
  throw new Error('expected validateBody to refuse the body');
}

const violationsOf = (body: unknown): FieldViolation[] =>
  (refusal(body).details as { violations: FieldViolation[] }).violations;

describe('validateBody', () => {
  it('returns an instance of the DTO, nested objects included', () => {
    const dto = validateBody(DecisionDto, { ...valid, lines: [{ amount: 1 }] });
    expect(dto).toBeInstanceOf(DecisionDto);
    expect(dto.reviewer).toBeInstanceOf(ReviewerDto);
    expect(dto.lines?.[0]).toBeInstanceOf(LineDto);
    expect(dto).toMatchObject(valid);
  });

  it('refuses the malformed-JSON marker with message_malformed, giving the parser reason', () => {
    const error = refusal({ [MALFORMED_BODY]: 'Unexpected end of JSON input' });
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.code).toBe('message_malformed');
    expect(error.message).toBe('request body is not valid JSON: Unexpected end of JSON input');
  });

  it.each([
    ['null', null],
    ['an array', [valid]],
    ['a string', 'r1.payout'],
    ['a number', 42],
  ])('refuses %s with request_invalid: the body must be a JSON object', (_label, body) => {
    const error = refusal(body);
    expect(error.code).toBe('request_invalid');
    expect(error.message).toBe('request body must be a JSON object');
  });

  it('refuses an unknown field, naming it', () => {
    const error = refusal({ ...valid, approveEverything: true });
    expect(error.code).toBe('request_invalid');
    expect(violationsOf({ ...valid, approveEverything: true })).toEqual([
      {
        field: 'approveEverything',
        rule: 'whitelistValidation',
        message: 'property approveEverything should not exist',
      },
    ]);
    expect(error.message).toContain('approveEverything: property approveEverything should not exist');
  });

  it('refuses an unknown field inside a nested object, with its dotted path', () => {
    expect(violationsOf({ ...valid, reviewer: { ...valid.reviewer, role: 'admin' } })).toEqual([
      { field: 'reviewer.role', rule: 'whitelistValidation', message: 'property role should not exist' },
    ]);
  });

  it('names nested field paths of objects and array items', () => {
    const violations = violationsOf({
      gateId: '',
      reviewer: { kind: 'agent', id: 'alice' },
      lines: [{ amount: 1 }, { amount: 'two' }],
    });
    expect(violations.map((v) => [v.field, v.rule])).toEqual([
      ['gateId', 'isNotEmpty'],
      ['reviewer.kind', 'isIn'],
      ['lines.1.amount', 'isNumber'],
    ]);
  });

  it('lists every violation in the message and in details.violations', () => {
    const error = refusal({ reviewer: { kind: 'human' } });
    const fields = (error.details as { violations: FieldViolation[] }).violations.map((v) => v.field);
    expect(new Set(fields)).toEqual(new Set(['gateId', 'reviewer.id']));
    expect(error.message).toMatch(/^invalid request: /);
    expect(error.message).toContain('gateId: ');
    expect(error.message).toContain('reviewer.id: ');
  });
});

class StartDto {
  @IsObject() input!: Record<string, unknown>;
}

/** `{"input":{"a":{"a":...1}}}` with `levels` objects in all, built as text (no recursion). */
const nested = (levels: number) =>
  JSON.parse(
    `${'{"a":'.repeat(levels - 1)}{"input":1}${'}'.repeat(levels - 1)}`.replace(/^\{"a":/, '{"input":'),
  ) as Record<string, unknown>;

describe('validateBody on prototype-sensitive keys', () => {
  it.each(['constructor', '__proto__', 'prototype'])(
    'keeps %s as an ordinary key of data, at any depth, polluting nothing',
    (key) => {
      const text = `{"input":{"${key}":1,"deeper":{"${key}":{"polluted":true}},"list":[{"${key}":"ACME"}]}}`;
      const dto = validateBody(StartDto, JSON.parse(text));
      expect(JSON.stringify(dto.input)).toBe(JSON.stringify((JSON.parse(text) as StartDto).input));
      expect(Object.keys(dto.input)).toEqual([key, 'deeper', 'list']);
      expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
      expect(Object.getPrototypeOf(dto)).toBe(StartDto.prototype);
    },
  );

  it.each(['constructor', '__proto__', 'prototype'])(
    'refuses %s as a field of a DTO (top level or nested), naming it',
    (key) => {
      expect(violationsOf(JSON.parse(`{"gateId":"r1.g","reviewer":{"kind":"human","id":"a"},"${key}":1}`))).toEqual([
        { field: key, rule: 'whitelistValidation', message: `property ${key} should not exist` },
      ]);
      expect(violationsOf(JSON.parse(`{"gateId":"r1.g","reviewer":{"kind":"human","id":"a","${key}":{}}}`))).toEqual([
        { field: `reviewer.${key}`, rule: 'whitelistValidation', message: `property ${key} should not exist` },
      ]);
    },
  );
});

describe('validateBody on deep nesting', () => {
  it(`accepts ${MAX_JSON_DEPTH} levels and refuses ${MAX_JSON_DEPTH + 1} with payload_too_deep naming the limit`, () => {
    expect(jsonDepth(nested(MAX_JSON_DEPTH))).toBe(MAX_JSON_DEPTH);
    expect(validateBody(StartDto, nested(MAX_JSON_DEPTH))).toBeInstanceOf(StartDto);
    let error: ValidationError | undefined;
    try {
      validateBody(StartDto, nested(MAX_JSON_DEPTH + 1));
    } catch (caught) {
      error = caught as ValidationError;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect(error?.code).toBe('payload_too_deep');
    expect(error?.retryable).toBe(false);
    expect(error?.details).toEqual({ field: 'body', rule: 'maxDepth', limit: MAX_JSON_DEPTH });
    expect(error?.message).toBe(
      `body is nested deeper than ${MAX_JSON_DEPTH} levels of objects and arrays (the limit)`,
    );
  });

  it('measures 200,000 levels of arrays without exhausting the stack', () => {
    const deep = JSON.parse(`{"input":${'['.repeat(200_000)}${']'.repeat(200_000)}}`) as unknown;
    expect(jsonDepth(deep)).toBe(200_001);
    expect(jsonDepth(deep, 64)).toBe(65);
    expect(() => validateBody(StartDto, deep)).toThrow(expect.objectContaining({ code: 'payload_too_deep' }));
  });

  it('counts scalars as 0 and empty containers as 1', () => {
    expect([
      jsonDepth(1),
      jsonDepth('x'),
      jsonDepth(null),
      jsonDepth({}),
      jsonDepth([]),
      jsonDepth({ a: [{}] }),
    ]).toEqual([0, 0, 0, 1, 1, 3]);
  });
});
