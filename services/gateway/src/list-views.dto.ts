import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { SCOPES } from '@ledgerflow/contracts';
import type { Scope } from '@ledgerflow/contracts';
import type { GateSummary, RunSummary } from './runs.projection.js';
import type { ServiceAccountView } from './service-accounts.js';
import type { SubscriptionView } from './subscriptions.js';
import type { DeliveryView } from './webhook-deliveries.js';

/** Response schemas of the list endpoints, for the OpenAPI document. Times are ISO-8601 UTC. */

export class RunFailureResponse {
  @ApiProperty({ description: 'The error code that failed the run' }) code!: string;
  @ApiProperty() reason!: string;
}

export class RunIntegrityFindingResponse {
  @ApiProperty() eventId!: string;
  @ApiProperty({ description: '0-based revision of the event in the run stream' }) revision!: number;
  @ApiProperty() reason!: string;
  @ApiProperty({ type: [String], description: 'Services that found the chain broken' }) detectedBy!: string[];
}

/** One item of `GET /v1/runs`. */
export class RunSummaryResponse implements RunSummary {
  @ApiProperty() runId!: string;
  @ApiProperty() workflowId!: string;
  @ApiProperty({ description: 'Semantic version of the definition the run started on' }) workflowVersion!: string;
  @ApiProperty({ enum: ['queued', 'running', 'paused', 'completed', 'failed', 'cancelled', 'integrity_failed'] })
  status!: RunSummary['status'];
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
  @ApiProperty({ description: 'Gates of the run waiting for a decision' }) openGates!: number;
  @ApiPropertyOptional({ type: RunFailureResponse }) failure?: RunFailureResponse;
  @ApiPropertyOptional({ type: RunIntegrityFindingResponse, description: 'Set with status integrity_failed' })
  integrity?: RunIntegrityFindingResponse;
}

/** One item of `GET /v1/gates`. */
export class GateSummaryResponse implements GateSummary {
  @ApiProperty({ description: '<runId>/<stepId>' }) gateId!: string;
  @ApiProperty() runId!: string;
  @ApiProperty() stepId!: string;
  @ApiProperty({ enum: ['open', 'approved', 'rejected', 'redirected'] }) status!: GateSummary['status'];
  @ApiProperty({ enum: ['policy', 'definition', 'confidence'], description: 'Why it opened' }) source!: string;
  @ApiProperty({ description: '0 as opened, +1 per escalation' }) level!: number;
  @ApiProperty({ type: [String], description: 'Who may decide: user ids, role:<name>, team:<name>' })
  reviewers!: string[];
  @ApiProperty() reason!: string;
  @ApiProperty({ format: 'date-time' }) openedAt!: string;
  @ApiPropertyOptional({ format: 'date-time', description: 'When the SLA escalates it' }) dueAt?: string;
  @ApiPropertyOptional() decidedBy?: string;
}

/** One item of `GET /v1/subscriptions`, and `GET /v1/subscriptions/{id}`. */
export class SubscriptionResponse implements SubscriptionView {
  @ApiProperty() id!: string;
  @ApiProperty({ description: 'Where deliveries are POSTed' }) url!: string;
  @ApiProperty({ type: [String], description: 'Run event types delivered, or ["*"]' }) eventTypes!: string[];
  @ApiPropertyOptional() workflowId?: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ description: 'Id of the administrator who created it' }) createdBy!: string;
}

/** `POST /v1/subscriptions`: the subscription and its signing secret, answered only this once. */
export class CreatedSubscriptionResponse extends SubscriptionResponse {
  @ApiProperty({ description: 'whsec_<base64>: Standard Webhooks signing secret' }) secret!: string;
}

/** One item of `GET /v1/subscriptions/{id}/deliveries`. */
export class DeliveryResponse implements DeliveryView {
  @ApiProperty() deliveryId!: string;
  @ApiProperty() subscriptionId!: string;
  @ApiProperty() runId!: string;
  @ApiProperty() eventId!: string;
  @ApiProperty() eventType!: string;
  @ApiProperty({ enum: ['pending', 'delivered', 'dead_lettered'] }) status!: DeliveryView['status'];
  @ApiProperty({ description: 'HTTP attempts made so far' }) attempts!: number;
  @ApiProperty({ format: 'date-time' }) scheduledAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
  @ApiPropertyOptional({ description: 'HTTP status of the last attempt' }) lastStatus?: number;
  @ApiPropertyOptional({ description: 'Why the last attempt failed' }) lastError?: string;
  @ApiPropertyOptional({ format: 'date-time' }) nextAttemptAt?: string;
}

/** One item of `GET /v1/service-accounts`; `POST .../{id}/revoke` answers one too. */
export class ServiceAccountResponse implements ServiceAccountView {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: Object.values(SCOPES), isArray: true }) scopes!: Scope[];
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty() createdBy!: string;
  @ApiPropertyOptional({ format: 'date-time' }) revokedAt?: string;
  @ApiPropertyOptional() revokedBy?: string;
}

/** `POST /v1/service-accounts`: the account and its API key (`lfk_...`), answered only this once. */
export class CreatedServiceAccountResponse extends ServiceAccountResponse {
  @ApiProperty({ description: 'Authorization: Bearer <apiKey>' }) apiKey!: string;
}
