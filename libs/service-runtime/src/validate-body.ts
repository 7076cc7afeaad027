import 'reflect-metadata';
import { createRequire } from 'node:module';
import { validateSync } from 'class-validator';
import type { ValidationError as ClassValidationError } from 'class-validator';
import { ValidationError } from '@ledgerflow/domain';
import { MALFORMED_BODY } from './json-wire.js';

import type { ClassConstructor } from 'class-transformer';

type Constructor<T> = ClassConstructor<T>;

/**
 * Deepest nesting of objects and arrays accepted in a request body: the body itself is level 1, so
 * `{"input":{"a":[1]}}` has depth 3. Far above what any Ledgerflow request needs, far below what a recursive
 * reader (a JSON Schema validator, the privacy tokenizer, `JSON.stringify`) can walk without exhausting its stack.
 */
export const MAX_JSON_DEPTH = 64;

/**
 * The nesting depth of a parsed JSON value (a scalar is 0, `{}` and `[]` are 1), counted iteratively (no
 * recursion, so any depth is safe to measure), stopping as soon as it passes `stopAbove`.
 */
export function jsonDepth(value: unknown, stopAbove = Number.POSITIVE_INFINITY): number {
  let deepest = 0;
  const pending: Array<readonly [unknown, number]> = [[value, 1]];
  while (pending.length > 0) {
    const [node, depth] = pending.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    deepest = Math.max(deepest, depth);
    if (deepest > stopAbove) return deepest;
    for (const child of Object.values(node))
      if (typeof child === 'object' && child !== null) pending.push([child, depth + 1]);
  }
  return deepest;
}

/**
 * Refuses a value nested deeper than `limit` levels (default `MAX_JSON_DEPTH`).
 * @throws ValidationError `payload_too_deep` (not retryable) with details `{ field, limit }`.
 */
export function assertJsonDepth(value: unknown, field = 'body', limit = MAX_JSON_DEPTH): void {
  if (jsonDepth(value, limit) > limit) {
    throw new ValidationError(
      'payload_too_deep',
      `${field} is nested deeper than ${limit} levels of objects and arrays (the limit)`,
      { field, rule: 'maxDepth', limit },
    );
  }
}

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
 * Validates a request body against a class-validator DTO and returns the typed instance. Data fields
 * (`input`, `payload`, ...) keep the parsed JSON as sent: keys such as `constructor`, `__proto__` and
 * `prototype` are ordinary keys there; only DTO objects (the body and fields marked `@Type(() => Dto)`)
 * become instances, and those have no such fields.
 * @throws ValidationError `message_malformed` when the body was not JSON; `payload_too_deep` when nested
 *   deeper than `MAX_JSON_DEPTH`; `request_invalid` naming every failing field and rule
 *   (details.violations) otherwise. Unknown fields are refused. None is retryable.
 */
export function validateBody<T extends object>(dto: Constructor<T>, body: unknown): T {
  if (typeof body === 'object' && body !== null && MALFORMED_BODY in body) {
    const reason = (body as Record<symbol, string>)[MALFORMED_BODY];
    throw new ValidationError('message_malformed', `request body is not valid JSON: ${reason}`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ValidationError('request_invalid', 'request body must be a JSON object');
  }
  assertJsonDepth(body);
  const reserved: FieldViolation[] = [];
  const instance = instantiate(dto, body as Record<string, unknown>, '', reserved);
  const errors = reserved.length > 0 ? [] : validateSync(instance, { whitelist: true, forbidNonWhitelisted: true });
  const violations = [...reserved, ...flattenViolations(errors)];
  if (violations.length > 0) {
    const summary = violations.map((v) => `${v.field}: ${v.message}`).join('; ');
    throw new ValidationError('request_invalid', `invalid request: ${summary}`, { violations });
  }
  return instance;
}

/** Keys that would change what a DTO instance is (its prototype or class) rather than add a field to it. */
const RESERVED_DTO_KEYS = new Set(['constructor', '__proto__', 'prototype']);

interface TypeMetadataStorage {
  findTypeMetadata(target: object, propertyName: string): { typeFunction(): unknown } | undefined;
}
// class-transformer keeps `@Type(() => Dto)` in this singleton; its `plainToInstance` is not used because it
// reads `value.constructor` of every nested plain object (500 on `{"constructor":1}`) and drops such keys.
const typeMetadata = (
  createRequire(import.meta.url)('class-transformer/cjs/storage.js') as { defaultMetadataStorage: TypeMetadataStorage }
).defaultMetadataStorage;

/**
 * Copies `plain` onto a new instance of `dto` with own data properties (never through a setter, so
 * `__proto__` cannot change the prototype); a field typed `@Type(() => Nested)` holding an object (or an
 * array of objects) becomes `Nested` instances; any other value is kept as parsed.
 */
function instantiate<T extends object>(
  dto: Constructor<T>,
  plain: Record<string, unknown>,
  path: string,
  reserved: FieldViolation[],
): T {
  const instance = Object.create(dto.prototype) as T;
  for (const key of Object.keys(plain)) {
    const field = path ? `${path}.${key}` : key;
    if (RESERVED_DTO_KEYS.has(key)) {
      reserved.push({ field, rule: 'whitelistValidation', message: `property ${key} should not exist` });
      continue;
    }
    const nested = typeMetadata.findTypeMetadata(dto, key)?.typeFunction() as Constructor<object> | undefined;
    const value = plain[key];
    const asDto = (item: unknown, itemPath: string) =>
      nested && typeof item === 'object' && item !== null && !Array.isArray(item)
        ? instantiate(nested, item as Record<string, unknown>, itemPath, reserved)
        : item;
    const converted =
      Array.isArray(value) && nested
        ? value.map((item, index) => asDto(item, `${field}.${index}`))
        : asDto(value, field);
    Object.defineProperty(instance, key, { value: converted, enumerable: true, writable: true, configurable: true });
  }
  return instance;
}
