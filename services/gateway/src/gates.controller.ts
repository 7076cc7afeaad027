import { Body, Controller, Get, Headers, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { LedgerflowError, parseGateId } from '@ledgerflow/domain';
import { RUN_REPOSITORY, validateBody } from '@ledgerflow/service-runtime';
import type { RunRepository } from '@ledgerflow/service-runtime';
import { gateContext } from './gate-context.js';
import type { GateContextView } from './gate-context.js';
import { GateDecisionBody, GateDecisionResponse } from './gateway.dto.js';
import { ReviewerAuth } from './reviewer-auth.js';
import { RunsProjection } from './runs.projection.js';
import type { GateSummary } from './runs.projection.js';
import { ServicesClient } from './services.client.js';
import type { GateDecisionResult } from './services.client.js';

@ApiTags('gates')
@Controller('v1/gates')
export class GatesController {
  constructor(
    @Inject(ServicesClient) private readonly services: ServicesClient,
    @Inject(RunsProjection) private readonly projection: RunsProjection,
    @Inject(ReviewerAuth) private readonly auth: ReviewerAuth,
    @Inject(RUN_REPOSITORY) private readonly runs: RunRepository,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List gates, oldest first; `reviewer=me` lists those the bearer may decide (by id, role or team)' })
  @ApiQuery({ name: 'status', required: false, enum: ['open', 'approved', 'rejected', 'redirected'] })
  @ApiQuery({ name: 'reviewer', required: false, description: '`me` (needs a bearer token) or a user id' })
  async list(
    @Query('status') status?: string,
    @Query('reviewer') reviewer?: string,
    @Headers('authorization') authorization?: string,
  ): Promise<GateSummary[]> {
    const who = reviewer === 'me' ? await this.auth.authenticate(authorization) : reviewer ? { kind: 'human' as const, id: reviewer } : undefined;
    return this.projection.listGates({ status, ...(who ? { reviewer: who } : {}) });
  }

  @Get(':gateId')
  @ApiOperation({ summary: "A gate with the reviewer's context: upstream steps and outputs (as stored, masked), the pending action, the rules that required it, the confidence package" })
  async get(@Param('gateId') gateId: string): Promise<GateSummary & { context: GateContextView }> {
    const summary = await this.projection.getGate(gateId);
    const ids = parseGateId(gateId);
    const context = ids && summary ? gateContext((await this.runs.load(ids.runId)).state, gateId) : undefined;
    if (!summary || !context) throw new LedgerflowError('gate_not_found', `gate ${gateId} does not exist`, false, { gateId });
    return { ...summary, context };
  }

  @Post(':gateId/decision')
  @ApiBearerAuth()
  @ApiOkResponse({ type: GateDecisionResponse })
  @ApiOperation({ summary: 'Approve, reject or redirect a gate; only a reviewer the gate names (by id, role or team) may decide, once' })
  async decide(
    @Param('gateId') gateId: string,
    @Body() body: unknown,
    @Headers('authorization') authorization?: string,
  ): Promise<GateDecisionResult> {
    const reviewer = await this.auth.authenticate(authorization);
    const decision = validateBody(GateDecisionBody, body);
    return this.services.decideGate({
      gateId, reviewer, outcome: decision.outcome,
      ...(decision.comment ? { comment: decision.comment } : {}),
      ...(decision.revision ? { revision: { addSteps: decision.revision.addSteps, removeStepIds: decision.revision.removeStepIds } } : {}),
      ...(decision.correctedOutput !== undefined ? { correctedOutput: decision.correctedOutput } : {}),
    });
  }
}
