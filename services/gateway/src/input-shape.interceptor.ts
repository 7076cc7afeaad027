import { Injectable } from '@nestjs/common';
import type { CallHandler, ExecutionContext, NestInterceptor } from '@nestjs/common';
import type { Observable } from 'rxjs';
import { assertJsonDepth } from '@ledgerflow/service-runtime';
import { assertPathParameters, assertQueryParameters, unsupportedMediaType } from './input-shape.js';
import { WebhooksController } from './webhooks.controller.js';
import { acceptsYaml } from './yaml-body.js';

/** The request as the interceptor reads it; `rawBody` is set by the JSON body parser only (main.ts). */
interface ShapedRequest {
  readonly method: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly params?: Record<string, string>;
  readonly query?: Record<string, unknown>;
  readonly body?: unknown;
  readonly rawBody?: Buffer;
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/** A request carries a body when it says so (the rule of `type-is`'s `hasBody`, which body-parser follows). */
function hasBody(request: ShapedRequest): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (typeof length === 'string' && length !== '0');
}

/**
 * The shape of every request before a controller sees it (docs/operations.md, "Input limits"), after
 * authentication: path parameters match their formats (400 `request_invalid`), query parameters are single
 * strings (400), a body is JSON, or YAML where the handler is marked `AcceptsYaml` (415 `unsupported_media_type`; webhooks answer their own 415
 * `webhook_body_not_json`) nested at most `MAX_JSON_DEPTH` levels (400 `payload_too_deep`).
 */
@Injectable()
export class InputShapeInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<ShapedRequest>();
    assertPathParameters(request.params ?? {});
    assertQueryParameters(request.query);
    if (typeof request.body === 'string') {
      // A YAML body (main.ts reads it as text, keeping no rawBody): only where the handler takes YAML.
      if (!acceptsYaml(context) && context.getClass() !== WebhooksController) {
        const contentType = request.headers['content-type'];
        throw unsupportedMediaType(typeof contentType === 'string' ? contentType : undefined);
      }
    } else if (request.rawBody !== undefined) {
      assertJsonDepth(request.body);
    } else if (BODY_METHODS.has(request.method) && hasBody(request) && context.getClass() !== WebhooksController) {
      const contentType = request.headers['content-type'];
      throw unsupportedMediaType(typeof contentType === 'string' ? contentType : undefined);
    }
    return next.handle();
  }
}
