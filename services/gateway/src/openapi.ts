import type { INestApplication } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { OpenAPIObject } from '@nestjs/swagger';
import { STATUS_OF_CATEGORY } from './error-categories.js';
import { HMAC_DEFAULTS } from './webhooks.secrets.js';

/** The wire error (`ErrorBody` of @ledgerflow/contracts, made by `toErrorBody` of @ledgerflow/messaging). */
export class ErrorBody {
  @ApiProperty({
    description: 'Stable code (docs/api.md, "Errors"), e.g. run_gate_already_decided, request_invalid',
    example: 'request_invalid',
  })
  code!: string;
  @ApiProperty({ description: 'What was refused: the field, the rule, the limit' }) message!: string;
  @ApiProperty({ description: 'Whether the same request may succeed later (then 503 with Retry-After)' })
  retryable!: boolean;
  @ApiPropertyOptional({
    description: 'Specifics: field, in (path, query, header, body), rule, violations [{field, rule, message}], ...',
    type: 'object',
    additionalProperties: true,
  })
  details?: Record<string, unknown>;
}

/** Every error answer: `{ error: ErrorBody }`. */
export class ErrorResponse {
  @ApiProperty({ type: ErrorBody }) error!: ErrorBody;
}

/** Names of the security schemes (docs/security.md). */
export const SECURITY = {
  jwt: 'bearer',
  apiKey: 'apiKey',
  standardWebhooks: 'standardWebhooks',
  hmacSignature: 'hmacSignature',
} as const;

const ERROR_DESCRIPTIONS: Readonly<Record<number, string>> = {
  [STATUS_OF_CATEGORY.invalid]: 'A path id, query parameter, header or body field breaks a rule (details name it)',
  [STATUS_OF_CATEGORY.unauthenticated]: 'No valid credential',
  [STATUS_OF_CATEGORY.forbidden]: 'The credential lacks the scope of the operation, or a person is needed',
  [STATUS_OF_CATEGORY.not_found]: 'A resource named in the path does not exist',
  [STATUS_OF_CATEGORY.conflict]: "The resource's state refuses the command (a rule of the run, a version, a revision)",
  [STATUS_OF_CATEGORY.too_large]: 'The body, or the event it would record, is larger than the limit',
  [STATUS_OF_CATEGORY.unsupported_media_type]: 'The body is not of a media type the operation takes',
  [STATUS_OF_CATEGORY.unprocessable]: 'The content was refused (run input, definition or policy pack; details say why)',
  [STATUS_OF_CATEGORY.internal]: 'A fault of the gateway or a service',
  [STATUS_OF_CATEGORY.unavailable]: 'A service, the event store or the token issuer did not answer; retry later',
};

/** Operations that refuse content with 422 (docs/api.md), by operationId. */
const UNPROCESSABLE = new Set([
  'RunsController_startRun',
  'WebhooksController_receive',
  'WorkflowsController_register',
  'PolicyPacksController_register',
  'GatesController_decide',
  'OperatorController_revise',
]);

type Operation = {
  operationId?: string;
  parameters?: Array<{ in?: string }>;
  requestBody?: unknown;
  security?: Array<Record<string, string[]>>;
  responses: Record<string, unknown>;
};

/** The error statuses an operation can answer, from what it takes: a credential, path ids, a query, a body. */
export function errorStatusesOf(method: string, operation: Operation): number[] {
  const secured = (operation.security ?? []).some((requirement) => SECURITY.jwt in requirement);
  const webhook = (operation.security ?? []).some((requirement) => SECURITY.standardWebhooks in requirement);
  const inputs = new Set((operation.parameters ?? []).map((parameter) => parameter.in));
  // Every route refuses a query parameter that is not a single string with 400 (input-shape.interceptor.ts).
  const statuses = new Set<number>([400, 500, 503]);
  if (secured || webhook) statuses.add(401);
  if (secured) statuses.add(403);
  if (inputs.has('path')) statuses.add(404);
  if (method !== 'get') statuses.add(409);
  if (operation.requestBody) [413, 415].forEach((status) => statuses.add(status));
  if (operation.operationId && UNPROCESSABLE.has(operation.operationId)) statuses.add(422);
  return [...statuses].sort();
}

/**
 * Adds to every operation its error answers (`ErrorResponse`; `Retry-After` on 503) and makes every bearer-secured
 * operation accept either a JWT or a service account's API key (both sent as `Authorization: Bearer`).
 */
function withErrorsAndSecurity(document: OpenAPIObject): OpenAPIObject {
  for (const item of Object.values(document.paths)) {
    for (const [method, value] of Object.entries(item)) {
      if (!['get', 'put', 'post', 'delete', 'patch'].includes(method)) continue;
      const operation = value as Operation;
      if (operation.security?.some((requirement) => SECURITY.jwt in requirement))
        operation.security = [{ [SECURITY.jwt]: [] }, { [SECURITY.apiKey]: [] }];
      // Health endpoints take no credential (probes carry none): said explicitly, as an empty requirement list.
      operation.security ??= [];
      for (const status of errorStatusesOf(method, operation)) {
        operation.responses[String(status)] ??= {
          description: ERROR_DESCRIPTIONS[status],
          ...(status === 503
            ? { headers: { 'Retry-After': { description: 'Seconds to wait (RFC 9110)', schema: { type: 'integer' } } } }
            : {}),
          content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorResponse' } } },
        };
      }
    }
  }
  return document;
}

/**
 * The gateway's OpenAPI 3 document (served at `/openapi.json`, docs/api.md): request bodies and answers from the DTOs,
 * error answers with the `ErrorResponse` schema, and the security schemes (docs/security.md): a JWT or a service
 * account's API key as a bearer credential, and the two webhook signature schemes.
 */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Ledgerflow gateway')
    .setDescription('Runs, webhooks, traces and gates of policy-governed, replayable workflows')
    .setVersion('1')
    .addServer('http://127.0.0.1:8080', 'A gateway on this machine, as `ledgerflow start` runs it')
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'An OIDC or local JWT with scopes' },
      SECURITY.jwt,
    )
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'lfk_<account>_<secret>',
        description: "A service account's API key (POST /v1/service-accounts)",
      },
      SECURITY.apiKey,
    )
    .addApiKey(
      {
        type: 'apiKey',
        in: 'header',
        name: 'webhook-signature',
        description: 'Standard Webhooks signature (with webhook-id and webhook-timestamp) by the workflow secret',
      },
      SECURITY.standardWebhooks,
    )
    .addApiKey(
      {
        type: 'apiKey',
        in: 'header',
        name: HMAC_DEFAULTS.header,
        description: 'HMAC-SHA256 of the body by the workflow secret (header name configurable per workflow)',
      },
      SECURITY.hmacSignature,
    )
    .build();
  return withErrorsAndSecurity(SwaggerModule.createDocument(app, config, { extraModels: [ErrorResponse, ErrorBody] }));
}
