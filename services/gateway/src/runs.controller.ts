import { randomUUID } from 'node:crypto';
import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { LedgerflowError } from '@ledgerflow/domain';
import type { StoredEvent } from '@ledgerflow/event-store';
import { RUN_REPOSITORY, validateBody } from '@ledgerflow/service-runtime';
import type { RunRepository } from '@ledgerflow/service-runtime';
import type { StartRunResponse } from './gateway.dto.js';
import { StartRunBody } from './gateway.dto.js';
import { runView, traceView } from './run-views.js';
import type { RunTrace } from './run-views.js';
import { RunsProjection } from './runs.projection.js';
import type { RunSummary } from './runs.projection.js';
import { ServicesClient } from './services.client.js';

@ApiTags('runs')
@Controller('v1')
export class RunsController {
  constructor(
    @Inject(ServicesClient) private readonly services: ServicesClient,
    @Inject(RunsProjection) private readonly projection: RunsProjection,
    @Inject(RUN_REPOSITORY) private readonly runs: RunRepository,
  ) {}

  @Post('workflows/:workflowId/runs')
  @HttpCode(202)
  @ApiOperation({ summary: 'Start a run of the latest version of a workflow' })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  async startRun(
    @Param('workflowId') workflowId: string,
    @Body() body: unknown,
    @Headers('idempotency-key') headerKey?: string,
  ): Promise<StartRunResponse> {
    const request = validateBody(StartRunBody, body);
    const idempotencyKey = request.idempotencyKey ?? headerKey ?? randomUUID();
    const result = await this.services.startRun({ workflowId, idempotencyKey, source: 'api', payload: request.input });
    return { ...result, location: `/v1/runs/${result.runId}` };
  }

  @Post('webhooks/:workflowId')
  @HttpCode(202)
  @ApiOperation({ summary: "Deliver an enterprise system's event; the body is the trigger payload" })
  @ApiHeader({ name: 'Idempotency-Key', required: true, description: 'The sender’s event id: a repeat never makes a second run' })
  async webhook(
    @Param('workflowId') workflowId: string,
    @Body() payload: unknown,
    @Headers('idempotency-key') idempotencyKey?: string,
  ): Promise<StartRunResponse> {
    if (!idempotencyKey) {
      throw new LedgerflowError('idempotency_key_missing', 'the Idempotency-Key header is required on webhooks', false, { field: 'Idempotency-Key' });
    }
    const result = await this.services.startRun({ workflowId, idempotencyKey, source: 'webhook', payload });
    return { ...result, location: `/v1/runs/${result.runId}` };
  }

  @Get('runs')
  @ApiOperation({ summary: 'List runs, newest first' })
  listRuns(@Query('workflowId') workflowId?: string, @Query('status') status?: string): Promise<RunSummary[]> {
    return this.projection.listRuns({ workflowId, status });
  }

  @Get('runs/:runId')
  @ApiOperation({ summary: "A run's state, folded from its events" })
  async getRun(@Param('runId') runId: string) {
    const events = await this.eventsOf(runId);
    const { state } = await this.runs.load(runId);
    return runView(runId, state, events);
  }

  @Get('runs/:runId/events')
  @ApiOperation({ summary: "A run's events, in order, with metadata" })
  getEvents(@Param('runId') runId: string): Promise<StoredEvent[]> {
    return this.eventsOf(runId);
  }

  @Get('runs/:runId/trace')
  @ApiOperation({ summary: 'Per step: tool, action, status, duration_ms, policy result; and total_duration_ms' })
  async getTrace(@Param('runId') runId: string): Promise<RunTrace> {
    const events = await this.eventsOf(runId);
    const { state } = await this.runs.load(runId);
    return traceView(runId, state, events);
  }

  private async eventsOf(runId: string): Promise<StoredEvent[]> {
    const events = await this.runs.events(runId);
    if (events.length === 0) throw new LedgerflowError('run_not_found', `run ${runId} does not exist`, false, { runId });
    return events;
  }
}
