import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { SCOPES } from '@ledgerflow/contracts';
import type { Principal } from '@ledgerflow/contracts';
import { RUN_EVENT_TYPES } from '@ledgerflow/domain';
import { SERVICE_CONFIG } from '@ledgerflow/service-runtime';
import { CurrentPrincipal, RequireScopes } from './auth.decorators.js';
import type { GatewayConfig } from './gateway.config.js';
import { ALL_EVENT_TYPES, Subscriptions } from './subscriptions.js';
import type { SubscriptionView } from './subscriptions.js';
import { ListPage } from './list-page.interceptor.js';
import { CreatedSubscriptionResponse, DeliveryResponse, SubscriptionResponse } from './list-views.dto.js';
import { WebhookDeliveries } from './webhook-deliveries.js';
import type { DeliveryView } from './webhook-deliveries.js';
import { MAX_TARGET_URL_LENGTH, checkTargetUrl } from './webhook-target.js';

const EVENT_TYPE_CHOICES = [ALL_EVENT_TYPES, ...RUN_EVENT_TYPES];

export class CreateSubscriptionBody {
  @ApiProperty({
    description: `Where deliveries are POSTed: an absolute http(s) URL, at most ${MAX_TARGET_URL_LENGTH} characters; loopback and private addresses are refused unless LEDGERFLOW_WEBHOOK_ALLOW_PRIVATE=true`,
    example: 'https://hooks.example.com/ledgerflow',
  })
  @IsString()
  @MaxLength(MAX_TARGET_URL_LENGTH)
  url!: string;

  @ApiProperty({
    description: 'Run event types to deliver, or ["*"] for all',
    enum: EVENT_TYPE_CHOICES,
    isArray: true,
    example: ['RunCompleted', 'RunFailed'],
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @IsIn(EVENT_TYPE_CHOICES, {
    each: true,
    message: `each event type must be * or a run event type (${RUN_EVENT_TYPES.join(', ')})`,
  })
  eventTypes!: string[];

  @ApiPropertyOptional({ description: 'Only runs of this workflow (default: every workflow)' })
  @IsOptional()
  @IsString()
  @Matches(/^[a-z][a-z0-9-]{0,62}$/, { message: 'workflowId must match ^[a-z][a-z0-9-]{0,62}$' })
  workflowId?: string;

  @ApiPropertyOptional({
    description:
      'Signing secret, Standard Webhooks form whsec_<base64 of 24..64 bytes>; default a fresh 32-byte one, answered once',
  })
  @IsOptional()
  @IsString()
  @Matches(/^whsec_[A-Za-z0-9+/]{32,88}={0,2}$/, {
    message: 'secret must be whsec_ followed by the base64 of 24..64 bytes',
  })
  secret?: string;
}

/**
 * Outbound webhooks (admin only; docs/operations.md, "Outbound webhooks"): subscriptions to run events, delivered
 * signed by the Standard Webhooks scheme, retried with backoff and dead-lettered after the last try.
 */
@ApiTags('subscriptions')
@ApiBearerAuth()
@RequireScopes(SCOPES.admin)
@Controller('v1/subscriptions')
export class SubscriptionsController {
  constructor(
    @Inject(Subscriptions) private readonly subscriptions: Subscriptions,
    @Inject(WebhookDeliveries) private readonly deliveries: WebhookDeliveries,
    @Inject(SERVICE_CONFIG) private readonly config: GatewayConfig,
  ) {}

  @Post()
  @ApiBody({ type: CreateSubscriptionBody })
  @HttpCode(201)
  @ApiCreatedResponse({ type: CreatedSubscriptionResponse })
  @ApiOperation({ summary: 'Subscribe a URL to run events; the answer holds the signing secret, shown only this once' })
  create(
    @Body() request: CreateSubscriptionBody,
    @CurrentPrincipal() who: Principal,
  ): Promise<SubscriptionView & { secret: string }> {
    const url = checkTargetUrl(request.url, this.config.LEDGERFLOW_WEBHOOK_ALLOW_PRIVATE);
    return this.subscriptions.create({ ...request, url }, who);
  }

  @Get()
  @ListPage(
    'subscriptions',
    { keyOf: (s: SubscriptionView) => [s.createdAt, s.id], parts: 2, direction: 'asc' },
    SubscriptionResponse,
  )
  @ApiOperation({ summary: 'List live subscriptions, oldest first (never their secrets)' })
  list(): Promise<SubscriptionView[]> {
    return this.subscriptions.list();
  }

  @Get(':subscriptionId')
  @ApiOkResponse({ type: SubscriptionResponse })
  @ApiOperation({ summary: 'One subscription (404 subscription_not_found once deleted)' })
  get(@Param('subscriptionId') subscriptionId: string): Promise<SubscriptionView> {
    return this.subscriptions.get(subscriptionId);
  }

  @Delete(':subscriptionId')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiOperation({ summary: 'Delete a subscription: nothing more is delivered, pending deliveries are dead-lettered' })
  async remove(@Param('subscriptionId') subscriptionId: string, @CurrentPrincipal() who: Principal): Promise<void> {
    await this.subscriptions.delete(subscriptionId, who);
  }

  @Get(':subscriptionId/deliveries')
  @ListPage(
    'deliveries',
    { keyOf: (d: DeliveryView) => [d.scheduledAt, d.deliveryId], parts: 2, direction: 'desc' },
    DeliveryResponse,
  )
  @ApiOperation({
    summary:
      'Deliveries of a subscription, newest first: status (pending, delivered, dead_lettered), attempts, last HTTP status or error',
  })
  async listDeliveries(@Param('subscriptionId') subscriptionId: string): Promise<DeliveryView[]> {
    await this.subscriptions.assertKnown(subscriptionId); // a deleted subscription's deliveries stay readable
    return this.deliveries.list(subscriptionId);
  }
}
