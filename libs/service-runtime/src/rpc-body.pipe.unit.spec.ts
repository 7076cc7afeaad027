import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsArray, IsIn, IsNotEmpty, IsNumber, IsOptional, IsString, Length, ValidateNested } from 'class-validator';
import { ValidationError } from '@ledgerflow/domain';
import { MALFORMED_BODY } from './json-wire.js';
import { RpcBodyPipe, validateBody } from './rpc-body.pipe.js';
import type { FieldViolation } from './rpc-body.pipe.js';

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

const violationsOf = (body: unknown): FieldViolation[] => (refusal(body).details as { violations: FieldViolation[] }).violations;

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

  it.each([['null', null], ['an array', [valid]], ['a string', 'r1.payout'], ['a number', 42]])(
    'refuses %s with request_invalid: the body must be a JSON object',
    (_label, body) => {
      const error = refusal(body);
      expect(error.code).toBe('request_invalid');
      expect(error.message).toBe('request body must be a JSON object');
    },
  );

  it('refuses an unknown field, naming it', () => {
    const error = refusal({ ...valid, approveEverything: true });
    expect(error.code).toBe('request_invalid');
    expect(violationsOf({ ...valid, approveEverything: true })).toEqual([
      { field: 'approveEverything', rule: 'whitelistValidation', message: 'property approveEverything should not exist' },
    ]);
    expect(error.message).toContain('approveEverything: property approveEverything should not exist');
  });

  it('refuses an unknown field inside a nested object, with its dotted path', () => {
    expect(violationsOf({ ...valid, reviewer: { ...valid.reviewer, role: 'admin' } })).toEqual([
      { field: 'reviewer.role', rule: 'whitelistValidation', message: 'property role should not exist' },
    ]);
  });

  it('names nested field paths of objects and array items', () => {
    const violations = violationsOf({ gateId: '', reviewer: { kind: 'agent', id: 'alice' }, lines: [{ amount: 1 }, { amount: 'two' }] });
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

describe('RpcBodyPipe', () => {
  it('validates like validateBody', () => {
    const pipe = new RpcBodyPipe(DecisionDto);
    expect(pipe.transform(valid)).toBeInstanceOf(DecisionDto);
    expect(() => pipe.transform({ ...valid, extra: 1 })).toThrow(expect.objectContaining({ code: 'request_invalid' }));
  });
});
