import { randomUUID } from 'node:crypto';
import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiBody,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import { SCOPES, runStreamId } from '@ledgerflow/contracts';
import type { Principal } from '@ledgerflow/contracts';
import { verifyChain } from '@ledgerflow/audit';
import type { VerifiableEvent } from '@ledgerflow/audit';
import { CurrentPrincipal, RequireScopes } from './auth.decorators.js';
import { Authenticator } from './authenticator.js';
import { LedgerflowError } from '@ledgerflow/domain';
import type { EventStore, StoredEvent } from '@ledgerflow/event-store';
import { EVENT_STORE, RUN_REPOSITORY } from '@ledgerflow/service-runtime';
import type { LoadedRun, RunRepository } from '@ledgerflow/service-runtime';
import { StartRunResponse } from './gateway.dto.js';
import { StartRunRequestBody } from './workflows.dto.js';
import { runView, traceView } from './run-views.js';
import type { RunTrace } from './run-views.js';
import { RunsProjection } from './runs.projection.js';
import type { RunSummary } from './runs.projection.js';
import { ServicesClient } from './services.client.js';
import { afterRevisionOf } from './stream-query.js';
import { runCursorOf, runTimeBoundOf } from './runs-page.js';
import { encodeCursor, invalidQuery, nextLink, pageLimitOf } from './list-page.js';
import type { SortKey } from './list-page.js';
import { ApiListQuery, KeysetListPage, LINK_HEADER, RequestedPage } from './list-page.interceptor.js';
import type { KeysetPage, PageRequest } from './list-page.interceptor.js';
import { RunSummaryResponse } from './list-views.dto.js';
import { RunResponse, RunTraceResponse, StoredEventResponse } from './views.dto.js';

/** The name of `GET /v1/runs/{runId}/events` in its cursors, whose key is the revision of the page's last event. */
const RUN_EVENTS_LIST = 'run-events';

/**
 * The revision a cursor of `GET /v1/runs/{runId}/events` names (-1 without one): the page starts after it.
 * @throws ValidationError `request_invalid` (400) naming `cursor` when its key is not a revision (an integer >= 0).
 */
function runEventsCursorOf(key: SortKey | undefined): number {
  if (key === undefined) return -1;
  const [revision] = key as [string];
  if (!/^(0|[1-9][0-9]{0,14})$/.test(revision))
    throw invalidQuery('cursor', `the cursor of a Link rel="next" header of this list (${RUN_EVENTS_LIST})`, revision);
  return Number(revision);
}

@ApiTags('runs')
@ApiBearerAuth()
@Controller('v1')
export class RunsController {
  constructor(
    @Inject(ServicesClient) private readonly services: ServicesClient,
    @Inject(RunsProjection) private readonly projection: RunsProjection,
    @Inject(RUN_REPOSITORY) private readonly runs: RunRepository,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  @Post('workflows/:workflowId/runs')
  @ApiBody({ type: StartRunRequestBody })
  @RequireScopes(SCOPES.runsStart)
  @HttpCode(202)
  @ApiAcceptedResponse({ type: StartRunResponse })
  @ApiOperation({
    summary:
      'Start a run of the latest version of a workflow; the caller (a person or service account) is recorded as `metadata.actor` of its events',
  })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  async startRun(
    @Param('workflowId') workflowId: string,
    @Body() request: StartRunRequestBody,
    @CurrentPrincipal() who: Principal,
    @Headers('idempotency-key') headerKey?: string,
    @Headers('authorization') authorization?: string,
  ): Promise<StartRunResponse> {
    const idempotencyKey = request.idempotencyKey ?? headerKey ?? randomUUID();
    const caller = Authenticator.forwardedCaller(who, authorization);
    const result = await this.services.startRun({
      workflowId,
      idempotencyKey,
      source: 'api',
      payload: request.input,
      ...(request.evaluation === undefined
        ? {}
        : { evaluation: { goldenSet: request.evaluation.goldenSet, caseId: request.evaluation.caseId } }),
      ...caller,
    });
    return { ...result, location: `/v1/runs/${result.runId}` };
  }

  @Get('runs')
  @RequireScopes(SCOPES.runsRead)
  @ApiOperation({
    summary:
      'List runs, newest first, a page at a time: the next page is the `Link: <...>; rel="next"` header (absent on the last page)',
  })
  @ApiListQuery('runs')
  @ApiOkResponse({ type: [RunSummaryResponse], headers: LINK_HEADER })
  @ApiQuery({ name: 'workflowId', required: false, description: 'Only runs of this workflow' })
  @ApiQuery({
    name: 'status',
    required: false,
    enum: ['queued', 'running', 'paused', 'completed', 'failed', 'cancelled', 'integrity_failed'],
  })
  @ApiQuery({
    name: 'createdAfter',
    required: false,
    description: 'Only runs created at or after this ISO-8601 time (with a zone); 400 request_invalid otherwise',
  })
  @ApiQuery({
    name: 'createdBefore',
    required: false,
    description: 'Only runs created before this ISO-8601 time (with a zone); 400 request_invalid otherwise',
  })
  async listRuns(
    @Req() request: { originalUrl: string },
    @Res({ passthrough: true }) response: { setHeader(name: string, value: string): unknown },
    @Query('workflowId') workflowId?: string,
    @Query('status') status?: string,
    @Query('limit') limit?: unknown,
    @Query('cursor') cursorQuery?: unknown,
    @Query('createdAfter') createdAfterQuery?: unknown,
    @Query('createdBefore') createdBeforeQuery?: unknown,
  ): Promise<RunSummary[]> {
    const createdAfter = runTimeBoundOf('createdAfter', createdAfterQuery);
    const createdBefore = runTimeBoundOf('createdBefore', createdBeforeQuery);
    const filter = {
      ...(workflowId ? { workflowId } : {}),
      ...(status ? { status } : {}),
      ...(createdAfter ? { createdAfter } : {}),
      ...(createdBefore ? { createdBefore } : {}),
    };
    const cursor = runCursorOf(cursorQuery);
    const page = { limit: pageLimitOf(limit), ...(cursor ? { before: cursor } : {}) };
    const { runs, next } = await this.projection.pageOfRuns(filter, page);
    if (next)
      response.setHeader(
        'Link',
        nextLink(request.originalUrl, page.limit, encodeCursor('runs', [next.createdAt, next.runId])),
      );
    return runs;
  }

  @Get('runs/:runId')
  @RequireScopes(SCOPES.runsRead)
  @ApiOperation({
    summary:
      "A run's state, folded from its events; `integrity` says whether its audit hash chain verifies (never a silent answer for a tampered run)",
  })
  @ApiOkResponse({ type: RunResponse })
  async getRun(@Param('runId') runId: string) {
    const events = await this.eventsOf(runId);
    const loaded = await this.runs.load(runId);
    return {
      ...runView(
        runId,
        loaded.state,
        events.map((event) => this.runs.upcast(event)),
      ),
      integrity: integrityView(runId, loaded, events),
    };
  }

  @Get('runs/:runId/events')
  @RequireScopes(SCOPES.runsRead)
  @ApiOperation({
    summary:
      'A run\'s events by revision, a page at a time, with metadata, as stored (each with its `schemaVersion`, as its hash covers them); with `after`, only those of a greater revision; the next page is the `Link: <...>; rel="next"` header (absent on the last page)',
  })
  @ApiQuery({
    name: 'after',
    required: false,
    description: 'A revision (integer >= -1): only events with a greater revision; 400 request_invalid otherwise',
  })
  @KeysetListPage(RUN_EVENTS_LIST, 1, StoredEventResponse)
  async getEvents(
    @Param('runId') runId: string,
    @RequestedPage() page: PageRequest,
    @Query('after') after?: unknown,
  ): Promise<KeysetPage<StoredEvent>> {
    const from = Math.max(afterRevisionOf(after) ?? -1, runEventsCursorOf(page.after)) + 1;
    const streamId = runStreamId(runId);
    // One more than the page, to know whether another follows; only the page is read (docs/api.md, "Lists").
    const read = await this.store.readStream(streamId, { fromRevision: from, maxCount: page.limit + 1 });
    if (read.length === 0 && (await this.store.readStream(streamId, { maxCount: 1 })).length === 0)
      throw new LedgerflowError('run_not_found', `run ${runId} does not exist`, false, { runId });
    const items = read.slice(0, page.limit);
    const last = items[items.length - 1];
    return { items, ...(read.length > page.limit && last ? { next: [String(last.revision)] } : {}) };
  }

  @Get('runs/:runId/trace')
  @RequireScopes(SCOPES.runsRead)
  @ApiOperation({
    summary:
      'Per step: tool, action, status, duration_ms, policy result; and total_duration_ms; `integrity` as for the run',
  })
  @ApiOkResponse({ type: RunTraceResponse })
  async getTrace(@Param('runId') runId: string): Promise<RunTrace & { integrity: IntegrityView }> {
    const events = await this.eventsOf(runId);
    const loaded = await this.runs.load(runId);
    return {
      ...traceView(
        runId,
        loaded.state,
        events.map((event) => this.runs.upcast(event)),
      ),
      integrity: integrityView(runId, loaded, events),
    };
  }

  private async eventsOf(runId: string): Promise<StoredEvent[]> {
    const events = await this.runs.events(runId);
    if (events.length === 0)
      throw new LedgerflowError('run_not_found', `run ${runId} does not exist`, false, { runId });
    return events;
  }
}

/** `integrity` of a run view: `{ok: true}`, or the first event that fails the audit chain (docs/operations.md, "Integrity"). */
export type IntegrityView =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly eventId: string;
      readonly revision: number;
      readonly reason: string;
      readonly message: string;
    };

/** The whole stream as read for the view is verified too: a cached fold only re-verifies what came after it. */
function integrityView(runId: string, loaded: LoadedRun, events: readonly StoredEvent[]): IntegrityView {
  const whole = verifyChain(events as unknown as VerifiableEvent[], { streamId: runStreamId(runId), runId });
  const broken = loaded.integrity ?? (whole.ok ? undefined : whole);
  return broken
    ? { ok: false, eventId: broken.eventId, revision: broken.revision, reason: broken.reason, message: broken.message }
    : { ok: true };
}
