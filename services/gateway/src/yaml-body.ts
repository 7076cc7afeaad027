import { Injectable, SetMetadata } from '@nestjs/common';
import type { ExecutionContext, PipeTransform } from '@nestjs/common';
import { ValidationError } from '@ledgerflow/domain';

/** Media types read as YAML text (RFC 9512 registers `application/yaml`; the others are in common use). */
export const YAML_MEDIA_TYPES = ['application/yaml', 'text/yaml', 'application/x-yaml', 'text/x-yaml'] as const;

const YAML_BODY = 'ledgerflow:yaml-body';

/**
 * The endpoint takes a YAML body (one of {@link YAML_MEDIA_TYPES}, parsed by main.ts into a string) besides JSON.
 * Any other endpoint answers a YAML body with 415 `unsupported_media_type` (input-shape.interceptor.ts).
 */
export const AcceptsYaml = (): MethodDecorator => SetMetadata(YAML_BODY, true);

/** Whether the handler of `context` is marked {@link AcceptsYaml}. */
export const acceptsYaml = (context: ExecutionContext): boolean =>
  Reflect.getMetadata(YAML_BODY, context.getHandler()) === true;

/**
 * A document body as text, for `@Body(DocumentText) text: string` on an {@link AcceptsYaml} endpoint: YAML as sent,
 * JSON serialised again (a JSON document is YAML too); the receiving service parses and validates it.
 * @throws ValidationError `request_invalid` (400, `details: {field: 'body', rule: 'required'}`) for no or a blank body.
 */
@Injectable()
export class DocumentText implements PipeTransform<unknown, string> {
  transform(body: unknown): string {
    const text = typeof body === 'string' ? body : body === undefined ? '' : JSON.stringify(body);
    if (text.trim() === '') {
      throw new ValidationError(
        'request_invalid',
        'the body must be a workflow definition (YAML or JSON); it is empty',
        { field: 'body', rule: 'required' },
      );
    }
    return text;
  }
}
