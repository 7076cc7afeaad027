import 'reflect-metadata';
import { Injectable } from '@nestjs/common';
import type { PipeTransform } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import type { ValidationError as ClassValidationError } from 'class-validator';
import { ValidationError } from '@ledgerflow/domain';
import { MALFORMED_BODY } from './json-wire.js';

import type { ClassConstructor } from 'class-transformer';

type Constructor<T> = ClassConstructor<T>;

/** One failed constraint of a request body: the dotted field path, the rule's name and its message. */
export interface FieldViolation {
  readonly field: string;
  readonly rule: string;
  readonly message: string;
}

/** Flattens class-validator's nested errors into field paths (`input.amount`). */
export function flattenViolations(errors: readonly ClassValidationError[], prefix = ''): FieldViolation[] {
  return errors.flatMap((error) => {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const own = Object.entries(error.constraints ?? {}).map(([rule, message]) => ({ field, rule, message }));
    return [...own, ...flattenViolations(error.children ?? [], field)];
  });
}

/**
 * Validates a request body against a class-validator DTO and returns the typed instance.
 * @throws ValidationError `message_malformed` when the body was not JSON; `request_invalid` naming every
 *   failing field and rule (details.violations) otherwise. Unknown fields are refused.
 */
export function validateBody<T extends object>(dto: Constructor<T>, body: unknown): T {
  if (typeof body === 'object' && body !== null && MALFORMED_BODY in body) {
    const reason = (body as Record<symbol, string>)[MALFORMED_BODY];
    throw new ValidationError('message_malformed', `request body is not valid JSON: ${reason}`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ValidationError('request_invalid', 'request body must be a JSON object');
  }
  const instance = plainToInstance(dto, body as Record<string, unknown>);
  const errors = validateSync(instance, { whitelist: true, forbidNonWhitelisted: true });
  if (errors.length > 0) {
    const violations = flattenViolations(errors);
    const summary = violations.map((v) => `${v.field}: ${v.message}`).join('; ');
    throw new ValidationError('request_invalid', `invalid request: ${summary}`, { violations });
  }
  return instance;
}

/** Nest pipe form of `validateBody`, for `@Payload(new RpcBodyPipe(Dto))` and `@Body(new RpcBodyPipe(Dto))`. */
@Injectable()
export class RpcBodyPipe<T extends object> implements PipeTransform<unknown, T> {
  constructor(private readonly dto: Constructor<T>) {}

  transform(value: unknown): T {
    return validateBody(this.dto, value);
  }
}
