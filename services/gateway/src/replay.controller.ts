import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, Query, UseFilters } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiBearerAuth,
  ApiBody,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import { SCOPES } from '@ledgerflow/contracts';
import type { Principal } from '@ledgerflow/contracts';
import { CurrentPrincipal, RequireScopes } from './auth.decorators.js';
import { Authenticator } from './authenticator.js';
import { IsString, Matches } from 'class-validator';
import { LedgerflowError, ValidationError } from '@ledgerflow/domain';
import type { Checkpoint } from '@ledgerflow/domain';
import type { StoredEvent } from '@ledgerflow/event-store';
import { RUN_REPOSITORY } from '@ledgerflow/service-runtime';
import type { RunRepository } from '@ledgerflow/service-runtime';
import type { ListOrder } from './list-page.js';
import { ListPage } from './list-page.interceptor.js';
import { ReplayErrorFilter } from './replay-error.filter.js';
import { checkpointsView, diffView, stateView } from './replay-views.js';
import type { CheckpointsView, DiffView, StateView } from './replay-views.js';
import { ServicesClient } from './services.client.js';
import type { ForkRunResult } from './services.client.js';
import { CheckpointsResponse, DiffResponse, ForkRunResponseSchema, StateResponse } from './views.dto.js';

const CHECKPOINT_ID = /^cp-[1-9][0-9]{0,8}$/;

/**
 * Checkpoints in order, keyed by revision (one checkpoint per revision), zero-padded so that the keys sort as the
 * revisions do (list-page.ts compares keys as strings).
 */
const CHECKPOINT_ORDER: ListOrder<Checkpoint> = {
  keyOf: (checkpoint) => [String(checkpoint.revision).padStart(16, '0')],
  parts: 1,
  direction: 'asc',
};

export class ForkRunBody {
  @ApiProperty({
    description: 'The checkpoint to fork at (`cp-N`, see GET /v1/runs/{id}/checkpoints)',
    example: 'cp-3',
  })
  @IsString()
  @Matches(CHECKPOINT_ID, { message: 'at must be a checkpoint id cp-1, cp-2, ...' })
  at!: string;
}

export interface ForkRunResponse extends ForkRunResult {
  readonly location: string;
}

/**
 * Replay of a run from its events (docs/operations.md, "Replay, checkpoints, diff, fork"): checkpoints, the state at a
 * checkpoint, the diff between two, and forks. Reads the run stream (scope `runs:read`); forks (scope `runs:operate`) go to the planner over NATS.
 * Errors: 404 `run_not_found` / `checkpoint_unknown`, 400 `request_invalid`, 503 when the planner does not answer.
 */
@ApiTags('runs')
@ApiBearerAuth()
@RequireScopes(SCOPES.runsRead)
@UseFilters(ReplayErrorFilter)
@Controller('v1/runs')
export class ReplayController {
  constructor(
    @Inject(RUN_REPOSITORY) private readonly runs: RunRepository,
    @Inject(ServicesClient) private readonly services: ServicesClient,
  ) {}

  @Get(':runId/checkpoints')
  @ApiOperation({
    summary:
      'Checkpoints cp-1, cp-2, ...: one per step outcome or gate decision, with revision, time and what happened; `checkpoints` holds a page of them, in order, and the next page is the `Link: <...>; rel="next"` header (absent on the last page)',
  })
  @ListPage('checkpoints', CHECKPOINT_ORDER, CheckpointsResponse, { field: 'checkpoints' })
  async checkpoints(@Param('runId') runId: string): Promise<CheckpointsView> {
    return checkpointsView(runId, await this.eventsOf(runId));
  }

  @Get(':runId/state')
  @ApiOperation({
    summary:
      "The run's state folded from its events up to a checkpoint (latest without `at`), each step with its lineage",
  })
  @ApiQuery({ name: 'at', required: false, description: 'a checkpoint id, e.g. cp-3' })
  @ApiOkResponse({ type: StateResponse })
  async state(@Param('runId') runId: string, @Query('at') at?: string): Promise<StateView> {
    return stateView(runId, await this.eventsOf(runId), at || undefined);
  }

  @Get(':runId/diff')
  @ApiOperation({
    summary:
      'What changed in the folded state between two checkpoints: [{op: add|remove|replace, path (JSON Pointer), from?, to?}]',
  })
  @ApiQuery({ name: 'from', required: true, description: 'e.g. cp-3' })
  @ApiQuery({ name: 'to', required: true, description: 'e.g. cp-4' })
  @ApiOkResponse({ type: DiffResponse })
  async diff(@Param('runId') runId: string, @Query('from') from?: string, @Query('to') to?: string): Promise<DiffView> {
    if (!from || !to)
      throw new ValidationError(
        'request_invalid',
        `query parameters from and to are required (checkpoint ids, e.g. from=cp-3&to=cp-4); missing: ${[from ? '' : 'from', to ? '' : 'to'].filter(Boolean).join(', ')}`,
        { field: from ? 'to' : 'from' },
      );
    return diffView(runId, await this.eventsOf(runId), from, to);
  }

  @Post(':runId/fork')
  @ApiBody({ type: ForkRunBody })
  @RequireScopes(SCOPES.runsOperate)
  @HttpCode(202)
  @ApiAcceptedResponse({ type: ForkRunResponseSchema })
  @ApiOperation({
    summary:
      'A new run from a checkpoint: steps done by then are carried over with their outputs; the rest runs anew under the current policies. Idempotent per (run, checkpoint). The caller is recorded as `metadata.actor` of the new run.',
  })
  async fork(
    @Param('runId') runId: string,
    @Body() { at }: ForkRunBody,
    @CurrentPrincipal() who: Principal,
    @Headers('authorization') authorization?: string,
  ): Promise<ForkRunResponse> {
    const request = { runId, at, ...Authenticator.forwardedCaller(who, authorization) };
    const result = await this.services.forkRun(request);
    return { ...result, location: `/v1/runs/${result.runId}` };
  }

  private async eventsOf(runId: string): Promise<StoredEvent[]> {
    const events = await this.runs.currentEvents(runId);
    if (events.length === 0)
      throw new LedgerflowError('run_not_found', `run ${runId} does not exist`, false, { runId });
    return events;
  }
}
