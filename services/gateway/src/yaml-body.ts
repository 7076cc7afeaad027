import { SetMetadata } from '@nestjs/common';
import type { ExecutionContext } from '@nestjs/common';

/** Media types read as YAML text (RFC 9512 registers `application/yaml`; the others are in common use). */
export const YAML_MEDIA_TYPES = ['application/yaml', 'text/yaml', 'application/x-yaml', 'text/x-yaml'] as const;

const YAML_BODY = 'ledgerflow:yaml-body';

/**
 * The endpoint takes a YAML body (one of {@link YAML_MEDIA_TYPES}, parsed by main.ts into a string) besides JSON.
 * Any other endpoint answers a YAML body with 415 `unsupported_media_type` (input-shape.interceptor.ts).
 */
export const AcceptsYaml = (): MethodDecorator => SetMetadata(YAML_BODY, true);

/** Whether the handler of `context` is marked {@link AcceptsYaml}. */
export const acceptsYaml = (context: ExecutionContext): boolean => Reflect.getMetadata(YAML_BODY, context.getHandler()) === true;
