import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { RunTrace, StepStats, StepUsage, TraceStep } from '@ledgerflow/contracts';
import { GateSummaryResponse } from './list-views.dto.js';

/**
 * Response schemas of the read and replay endpoints, for the OpenAPI document. Times are ISO-8601 UTC, durations in
 * milliseconds. Parts whose shape is the domain's folded state (steps, gates, events' `data`) are objects described
 * here and in docs/events.md; their fields follow the event catalog.
 */

const anyObject = { type: 'object', additionalProperties: true } as const;

export class IntegrityResponse {
  @ApiProperty({ description: 'Whether the audit hash chain of the run verifies' }) ok!: boolean;
  @ApiPropertyOptional({ description: 'With ok false: the first event that fails the chain' }) eventId?: string;
  @ApiPropertyOptional() revision?: number;
  @ApiPropertyOptional({ description: 'Why it fails, e.g. hash_mismatch' }) reason?: string;
  @ApiPropertyOptional() message?: string;
}

/** `GET /v1/runs/{runId}`: the run folded from its events. */
export class RunResponse {
  @ApiProperty() runId!: string;
  @ApiPropertyOptional() workflowId?: string;
  @ApiPropertyOptional() workflowVersion?: string;
  @ApiProperty({ description: 'queued, running, paused, completed, failed or cancelled' }) status!: string;
  @ApiPropertyOptional({ ...anyObject, description: 'Where the run came from (source, idempotency key, ...)' })
  trigger?: Record<string, unknown>;
  @ApiPropertyOptional({ description: 'The run input (PII masked as stored)' }) input?: unknown;
  @ApiPropertyOptional({ format: 'date-time' }) createdAt?: string;
  @ApiPropertyOptional({ format: 'date-time' }) updatedAt?: string;
  @ApiProperty({ description: 'Last revision of the run stream (0-based)' }) revision!: number;
  @ApiPropertyOptional({ ...anyObject, description: 'Why the run failed' }) failure?: Record<string, unknown>;
  @ApiPropertyOptional({ ...anyObject, description: 'Why and by whom the run is paused' }) pause?: Record<
    string,
    unknown
  >;
  @ApiProperty({
    type: 'array',
    items: anyObject,
    description: 'Per planned step: its folded state (status, attempt, output, error, ...) with name, tool, action',
  })
  steps!: Array<Record<string, unknown>>;
  @ApiProperty({ type: 'array', items: anyObject, description: 'The gates of the run, folded' })
  gates!: Array<Record<string, unknown>>;
  @ApiProperty({ type: IntegrityResponse }) integrity!: IntegrityResponse;
}

class EventMetadataResponse {
  @ApiProperty() eventId!: string;
  @ApiProperty() runId!: string;
  @ApiProperty() causationId!: string;
  @ApiProperty({ ...anyObject, description: '{kind: service|human|agent|system, id, via?}' })
  actor!: Record<string, unknown>;
  @ApiProperty({ format: 'date-time' }) occurredAt!: string;
  @ApiPropertyOptional({ description: 'W3C trace context of the span that appended it' }) traceparent?: string;
  @ApiProperty() schemaVersion!: number;
}

/** One item of `GET /v1/runs/{runId}/events`, as stored (docs/events.md). */
export class StoredEventResponse {
  @ApiProperty({ description: 'The event type (docs/events.md)' }) type!: string;
  @ApiProperty({ ...anyObject }) data!: Record<string, unknown>;
  @ApiProperty({ type: EventMetadataResponse }) metadata!: EventMetadataResponse;
  @ApiProperty() streamId!: string;
  @ApiProperty({ description: '0-based position within the stream' }) revision!: number;
  @ApiProperty({ description: 'Global position in the event store' }) position!: number;
  @ApiProperty({ format: 'date-time' }) recordedAt!: string;
}

/** Tokens and cost a tool reported (`StepSucceeded.usage`); each field absent when no tool reported it. */
class StepUsageResponse implements StepUsage {
  @ApiPropertyOptional({ minimum: 0 }) inputTokens?: number;
  @ApiPropertyOptional({ minimum: 0 }) outputTokens?: number;
  @ApiPropertyOptional({ minimum: 0, description: 'US dollars' }) costUsd?: number;
}

class TraceStepResponse implements TraceStep {
  @ApiProperty() step!: string;
  @ApiProperty() name!: string;
  @ApiProperty() tool!: string;
  @ApiProperty() action!: string;
  @ApiProperty() agent!: string;
  @ApiProperty() status!: string;
  @ApiProperty({ description: 'Attempts that started' }) attempts!: number;
  @ApiProperty({ type: 'number', nullable: true, description: 'The last finished attempt, ms' })
  duration_ms!: number | null;
  @ApiProperty({ description: 'Sum over every finished attempt, ms' }) total_attempts_ms!: number;
  @ApiProperty({ type: 'string', nullable: true }) policy!: string | null;
  @ApiProperty({ type: 'string', nullable: true }) policy_rationale!: string | null;
  @ApiProperty({ ...anyObject, nullable: true, description: '{gate_id, status, decided_by?}' })
  gate!: TraceStep['gate'];
  @ApiProperty({ ...anyObject, nullable: true, description: '{code, message}' }) error!: TraceStep['error'];
  @ApiProperty({ ...anyObject, nullable: true, description: 'source, fresh, confidence, upstream steps' })
  lineage!: TraceStep['lineage'];
  @ApiProperty({ type: StepUsageResponse, nullable: true, description: 'Tokens and cost its tool reported' })
  usage!: StepUsageResponse | null;
}

/** `GET /v1/runs/{runId}/trace`. */
export class RunTraceResponse implements RunTrace {
  @ApiProperty() run_id!: string;
  @ApiProperty() workflow_id!: string;
  @ApiProperty() status!: string;
  @ApiProperty({ description: 'From RunTriggered to the end (or the latest event), ms' }) total_duration_ms!: number;
  @ApiProperty({ type: 'string', nullable: true, description: 'OpenTelemetry trace id of the run' })
  trace_id!: string | null;
  @ApiProperty({ type: [TraceStepResponse] }) steps!: TraceStepResponse[];
  @ApiProperty({ type: StepUsageResponse, nullable: true, description: "The steps' usage summed" })
  usage!: StepUsageResponse | null;
  @ApiProperty({ type: IntegrityResponse }) integrity!: IntegrityResponse;
}

class CheckpointResponse {
  @ApiProperty({ description: 'cp-1, cp-2, ...' }) id!: string;
  @ApiProperty({ description: 'Last stream revision the checkpoint covers' }) revision!: number;
  @ApiPropertyOptional({ format: 'date-time' }) at?: string;
  @ApiProperty({ description: 'The event type it was taken at' }) type!: string;
  @ApiPropertyOptional() stepId?: string;
  @ApiProperty({ description: 'What happened, one line' }) summary!: string;
}

/** `GET /v1/runs/{runId}/checkpoints`. */
export class CheckpointsResponse {
  @ApiProperty() runId!: string;
  @ApiProperty({ description: "The run's last stream revision" }) revision!: number;
  @ApiProperty({ type: [CheckpointResponse] }) checkpoints!: CheckpointResponse[];
}

/** `GET /v1/runs/{runId}/state[?at=cp-N]`. */
export class StateResponse {
  @ApiProperty() runId!: string;
  @ApiProperty({ type: 'string', nullable: true, description: 'The checkpoint folded up to; null for the latest' })
  at!: string | null;
  @ApiProperty({ description: 'The last revision folded' }) revision!: number;
  @ApiProperty({ type: 'string', nullable: true, format: 'date-time' }) occurredAt!: string | null;
  @ApiProperty() status!: string;
  @ApiPropertyOptional() workflowId?: string;
  @ApiPropertyOptional() workflowVersion?: string;
  @ApiPropertyOptional({ ...anyObject, description: 'The run and checkpoint it was forked from' })
  forkedFrom?: Record<string, unknown>;
  @ApiPropertyOptional() input?: unknown;
  @ApiProperty() planRevision!: number;
  @ApiPropertyOptional({ ...anyObject }) pause?: Record<string, unknown>;
  @ApiPropertyOptional({ ...anyObject }) failure?: Record<string, unknown>;
  @ApiPropertyOptional({ format: 'date-time' }) completedAt?: string;
  @ApiProperty({ type: 'array', items: anyObject, description: 'Per step: folded state, plan facts, lineage' })
  steps!: Array<Record<string, unknown>>;
  @ApiProperty({ type: 'array', items: anyObject }) gates!: Array<Record<string, unknown>>;
}

class ValueChangeResponse {
  @ApiProperty({ enum: ['add', 'remove', 'replace'] }) op!: string;
  @ApiProperty({ description: 'JSON Pointer into the folded state' }) path!: string;
  @ApiPropertyOptional() from?: unknown;
  @ApiPropertyOptional() to?: unknown;
}

/** `GET /v1/runs/{runId}/diff?from=&to=`. */
export class DiffResponse {
  @ApiProperty() runId!: string;
  @ApiProperty() from!: string;
  @ApiProperty() to!: string;
  @ApiProperty({ type: [ValueChangeResponse] }) changes!: ValueChangeResponse[];
}

/** `POST /v1/runs/{runId}/fork`. */
export class ForkRunResponseSchema {
  @ApiProperty({ description: 'The new run' }) runId!: string;
  @ApiProperty({ description: 'false for a repeated (run, checkpoint): the same fork again' }) created!: boolean;
  @ApiProperty({ ...anyObject, description: '{runId, checkpoint, revision}' }) forkedFrom!: Record<string, unknown>;
  @ApiProperty({ description: 'Where to read the new run' }) location!: string;
}

/** `GET /v1/runs/{runId}/audit` (docs/operations.md, "Audit trail"). */
export class AuditExportResponse {
  @ApiProperty({ description: 'The export format id' }) format!: string;
  @ApiProperty() runId!: string;
  @ApiProperty({ format: 'date-time' }) exportedAt!: string;
  @ApiProperty({ type: 'string', nullable: true, description: 'Hash of the last event' }) head!: string | null;
  @ApiProperty({ type: 'array', items: anyObject, description: 'Every event of the run with its hash chain' })
  events!: Array<Record<string, unknown>>;
}

/** One item of `GET /v1/workflows/{workflowId}/stats` (memory's statistics). */
export class StepStatsResponse implements StepStats {
  @ApiProperty() workflowId!: string;
  @ApiProperty() stepId!: string;
  @ApiProperty() runs!: number;
  @ApiProperty() succeeded!: number;
  @ApiProperty() failed!: number;
  @ApiProperty({ description: '0..1' }) successRate!: number;
  @ApiProperty({ description: 'ms' }) p50DurationMs!: number;
  @ApiProperty({ description: 'ms' }) p95DurationMs!: number;
}

/** `GET /v1/gates/{gateId}`: the gate with its reviewer's context. */
export class GateResponse extends GateSummaryResponse {
  @ApiProperty({
    ...anyObject,
    description: 'gate, run, upstream steps and outputs (masked), the pending action, the rules, policy, exception',
  })
  context!: Record<string, unknown>;
}
