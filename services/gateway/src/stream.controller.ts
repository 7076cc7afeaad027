import type { ServerResponse } from 'node:http';
import { Controller, Get, Headers, Inject, Param, Query, Res } from '@nestjs/common';
import type { OnModuleDestroy } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import { SCOPES } from '@ledgerflow/contracts';
import { LedgerflowError } from '@ledgerflow/domain';
import { RequireScopes } from './auth.decorators.js';
import { UpdateStream } from './stream-connection.js';
import type { StreamPlan } from './stream-connection.js';
import { StreamHub } from './stream-hub.js';
import { eventTypesOf, resumePositionOf, workflowIdOf } from './stream-query.js';

/** Injection token of the live streams' settings. */
export const STREAM_SETTINGS = Symbol('STREAM_SETTINGS');

/** `heartbeatMs`: `LEDGERFLOW_STREAM_HEARTBEAT_MS`. */
export interface StreamSettings {
  readonly heartbeatMs: number;
}

/** Seconds a client refused for the stream limit is asked to wait (`Retry-After`). */
const LIMIT_RETRY_AFTER_SECONDS = 5;

const LAST_EVENT_ID = {
  name: 'Last-Event-ID',
  required: false,
  description:
    'Resume strictly after this global position (the id: of the last update received); wins over ?lastEventId',
} as const;

/**
 * Live updates as Server-Sent Events (docs/api.md, "Live updates"). Handlers write to the raw response rather than
 * use Nest's `@Sse()`: the resume position comes from the `Last-Event-ID` header, which must be validated (400)
 * and the run looked up (404) before the `200 text/event-stream` head is sent, and a slow client must be paced by
 * the socket's back-pressure, none of which an Observable returned to `@Sse()` gives control of.
 * Errors before the stream starts: 400 `request_invalid` naming the field, 401/403 as every endpoint, 404
 * `run_not_found`, 503 `stream_limit_reached` (retryable) beyond `LEDGERFLOW_STREAM_MAX_CONNECTIONS`.
 */
@ApiTags('runs')
@ApiBearerAuth()
@Controller('v1')
export class StreamController implements OnModuleDestroy {
  constructor(
    @Inject(StreamHub) private readonly hub: StreamHub,
    @Inject(STREAM_SETTINGS) private readonly settings: StreamSettings,
  ) {}

  @Get('runs/:runId/stream')
  @RequireScopes(SCOPES.runsRead)
  @ApiProduces('text/event-stream')
  @ApiOperation({
    summary:
      "A run's updates as Server-Sent Events: its stored events first (after Last-Event-ID), then live; ends after the run's terminal event",
    description:
      'Each message: id = global position, event = event type, data = {type, runId, stepId?, gateId?, attempt?, status, revision, position, occurredAt}.',
  })
  @ApiHeader(LAST_EVENT_ID)
  @ApiQuery({
    name: 'lastEventId',
    required: false,
    description: 'Like Last-Event-ID, for clients that cannot set headers',
  })
  async runStream(
    @Param('runId') runId: string,
    @Query('lastEventId') lastEventId: unknown,
    @Headers('last-event-id') header: string | undefined,
    @Res() response: ServerResponse,
  ): Promise<void> {
    const after = resumePositionOf(header, lastEventId) ?? 0;
    if (!(await this.hub.runExists(runId)))
      throw new LedgerflowError('run_not_found', `run ${runId} does not exist`, false, { runId });
    this.open(response, { filter: { runId }, after, heartbeatMs: this.settings.heartbeatMs });
  }

  @Get('stream')
  @RequireScopes(SCOPES.runsRead)
  @ApiProduces('text/event-stream')
  @ApiOperation({
    summary:
      'Updates of every run as Server-Sent Events, optionally of one workflow and some event types; from now, or after Last-Event-ID',
    description: 'Messages as for GET /v1/runs/{runId}/stream. Never ends by itself.',
  })
  @ApiHeader(LAST_EVENT_ID)
  @ApiQuery({
    name: 'lastEventId',
    required: false,
    description: 'Like Last-Event-ID, for clients that cannot set headers',
  })
  @ApiQuery({ name: 'workflowId', required: false, description: 'Only runs of this workflow' })
  @ApiQuery({ name: 'types', required: false, description: 'Comma-separated event types, e.g. RunCompleted,RunFailed' })
  allStream(
    @Query('workflowId') workflowId: unknown,
    @Query('types') types: unknown,
    @Query('lastEventId') lastEventId: unknown,
    @Headers('last-event-id') header: string | undefined,
    @Res() response: ServerResponse,
  ): void {
    const filter = { workflowId: workflowIdOf(workflowId), types: eventTypesOf(types) };
    const after = resumePositionOf(header, lastEventId) ?? 'now';
    this.open(response, { filter, after, heartbeatMs: this.settings.heartbeatMs });
  }

  async onModuleDestroy(): Promise<void> {
    await this.hub.close();
  }

  private open(response: ServerResponse, plan: StreamPlan): void {
    if (!this.hub.acquire()) {
      const limit = this.hub.maxConnections;
      const error = {
        code: 'stream_limit_reached',
        message: `this gateway already serves ${limit} update streams (LEDGERFLOW_STREAM_MAX_CONNECTIONS); retry in ${LIMIT_RETRY_AFTER_SECONDS} s`,
        retryable: true,
        details: { limit },
      };
      response.writeHead(503, {
        'content-type': 'application/json; charset=utf-8',
        'retry-after': String(LIMIT_RETRY_AFTER_SECONDS),
      });
      response.end(JSON.stringify({ error }));
      return;
    }
    void new UpdateStream(this.hub, response, plan).serve();
  }
}
