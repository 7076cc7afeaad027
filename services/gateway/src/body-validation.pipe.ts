import 'reflect-metadata';
import { Injectable } from '@nestjs/common';
import type { ClassConstructor } from 'class-transformer';
import type { ArgumentMetadata, PipeTransform } from '@nestjs/common';
import { validateBody } from '@ledgerflow/service-runtime';

const OPTIONAL_BODY = 'ledgerflow:optional-body';

/** Types a `@Body()` parameter may have that are no DTO: the value is passed on as parsed (`unknown` compiles to `Object`). */
const NOT_DTOS: ReadonlySet<unknown> = new Set([Object, String, Number, Boolean, Array, Buffer]);

/**
 * The DTO's fields are all optional and a request may come without a body: no body is validated as `{}`
 * (e.g. `POST /v1/runs/{id}/pause`). Without it, a missing body is 400 `request_invalid` ("request body must be a JSON object").
 */
export const OptionalBody = (): ClassDecorator => (target) => Reflect.defineMetadata(OPTIONAL_BODY, true, target);

/**
 * The gateway's one body validation (registered as `APP_PIPE` in gateway.module.ts): a `@Body() body: XDto`
 * parameter whose type is a class arrives as a validated `XDto` instance (class-validator rules, unknown fields
 * refused, `@Type(() => Nested)` fields as instances), by `validateBody` of `@ledgerflow/service-runtime`. A body
 * typed `unknown` or `string` (a webhook payload, a YAML definition) passes unchanged.
 * Runs after the guard (401/403) and `InputShapeInterceptor` (400 `payload_too_deep`, 415), before the handler.
 * @throws ValidationError `request_invalid` naming each field and rule (`details.violations`), `payload_too_deep`,
 *   `message_malformed`; none retryable, all 400 (`http-error.filter.ts`).
 */
@Injectable()
export class BodyValidationPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    const dto = metadata.metatype;
    if (metadata.type !== 'body' || metadata.data !== undefined || typeof dto !== 'function' || NOT_DTOS.has(dto))
      return value;
    const optional = Reflect.getMetadata(OPTIONAL_BODY, dto) === true;
    return validateBody(dto as ClassConstructor<object>, optional ? (value ?? {}) : value);
  }
}
