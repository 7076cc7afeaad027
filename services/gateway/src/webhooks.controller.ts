import { Body, Controller, HttpCode, Inject, Optional, Param, Post, Req } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBody, ApiHeader, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { IncomingHttpHeaders } from 'node:http';
import { LedgerflowError } from '@ledgerflow/domain';
import { Public } from './auth.decorators.js';
import { StartRunResponse } from './gateway.dto.js';
import { SECURITY } from './openapi.js';
import { ServicesClient } from './services.client.js';
import { WEBHOOK_SECRETS } from './webhooks.secrets.js';
import type { WebhookSecrets } from './webhooks.secrets.js';
import { verifyDelivery } from './webhooks.verify.js';

/** The request as the gateway's JSON body parser leaves it (see main.ts): `rawBody` holds the bytes as sent. */
interface WebhookRequest {
  readonly headers: IncomingHttpHeaders;
  readonly rawBody?: Buffer;
}

/**
 * Webhook ingress. No bearer token: the delivery's signature under its workflow's secret authenticates it
 * (docs/operations.md, "Webhook signatures"), and nothing reaches the planner before it verifies.
 */
@ApiTags('runs')
@Controller('v1')
export class WebhooksController {
  constructor(
    @Inject(ServicesClient) private readonly services: ServicesClient,
    @Optional() @Inject(WEBHOOK_SECRETS) private readonly secrets: WebhookSecrets = new Map(),
  ) {}

  @Post('webhooks/:workflowId')
  @Public()
  @ApiSecurity(SECURITY.standardWebhooks)
  @ApiSecurity(SECURITY.hmacSignature)
  @HttpCode(202)
  @ApiAcceptedResponse({ type: StartRunResponse })
  @ApiOperation({
    summary: "Deliver an enterprise system's event, signed with the workflow's secret; the body is the trigger payload",
    description:
      'Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature; webhook-id is the idempotency key) or an ' +
      'HMAC-SHA256 header (default X-Hub-Signature-256, idempotency key from X-GitHub-Delivery), per workflow. ' +
      '401 webhook_not_configured | webhook_signature_missing | webhook_signature_invalid | webhook_timestamp_stale.',
  })
  @ApiBody({
    description:
      "The enterprise system's event as sent (any JSON object): the run's trigger payload, mapped by the workflow's trigger",
    schema: { type: 'object', additionalProperties: true },
  })
  @ApiHeader({
    name: 'webhook-id',
    required: false,
    description: 'Standard Webhooks: the message id, also the idempotency key',
  })
  @ApiHeader({
    name: 'webhook-timestamp',
    required: false,
    description: 'Standard Webhooks: seconds since the Unix epoch, within 5 minutes of now',
  })
  @ApiHeader({
    name: 'webhook-signature',
    required: false,
    description: 'Standard Webhooks: space-separated `v1,<base64 HMAC-SHA256>`',
  })
  @ApiHeader({
    name: 'X-Hub-Signature-256',
    required: false,
    description: 'HMAC scheme (header name configurable): `sha256=<hex>` of the raw body',
  })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'HMAC scheme: overrides the delivery header; a repeat never makes a second run',
  })
  // No DTO: the payload is the enterprise system's event as signed (any JSON), mapped by the workflow's trigger in the planner.
  async webhook(
    @Param('workflowId') workflowId: string,
    @Body() payload: unknown,
    @Req() request: WebhookRequest,
  ): Promise<StartRunResponse> {
    if (request.rawBody === undefined) {
      throw new LedgerflowError(
        'webhook_body_not_json',
        'webhook bodies are JSON: send Content-Type: application/json',
        false,
        { header: 'content-type' },
      );
    }
    const { idempotencyKey } = verifyDelivery(this.secrets.get(workflowId), {
      workflowId,
      headers: request.headers,
      rawBody: request.rawBody,
    });
    if (!idempotencyKey) {
      throw new LedgerflowError(
        'idempotency_key_missing',
        'a verified webhook needs an idempotency key (webhook-id, the delivery header, or Idempotency-Key)',
        false,
        {
          field: 'Idempotency-Key',
        },
      );
    }
    const result = await this.services.startRun({ workflowId, idempotencyKey, source: 'webhook', payload });
    return { ...result, location: `/v1/runs/${result.runId}` };
  }
}
