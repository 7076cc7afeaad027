import { Body, Controller, Get, Headers, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { LedgerflowError } from '@ledgerflow/domain';
import type { DecideGateResult } from '@ledgerflow/contracts';
import { validateBody } from '@ledgerflow/service-runtime';
import { GateDecisionBody } from './gateway.dto.js';
import { ReviewerAuth } from './reviewer-auth.js';
import { RunsProjection } from './runs.projection.js';
import type { GateSummary } from './runs.projection.js';
import { ServicesClient } from './services.client.js';

@ApiTags('gates')
@Controller('v1/gates')
export class GatesController {
  constructor(
    @Inject(ServicesClient) private readonly services: ServicesClient,
    @Inject(RunsProjection) private readonly projection: RunsProjection,
    @Inject(ReviewerAuth) private readonly auth: ReviewerAuth,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List gates; `reviewer=me` lists those the bearer may decide' })
  async list(
    @Query('status') status?: string,
    @Query('reviewer') reviewer?: string,
    @Headers('authorization') authorization?: string,
  ): Promise<GateSummary[]> {
    const who = reviewer === 'me' ? (await this.auth.authenticate(authorization)).id : reviewer;
    return this.projection.listGates({ status, reviewer: who });
  }

  @Get(':gateId')
  async get(@Param('gateId') gateId: string): Promise<GateSummary> {
    const gate = await this.projection.getGate(gateId);
    if (!gate) throw new LedgerflowError('gate_not_found', `gate ${gateId} does not exist`, false, { gateId });
    return gate;
  }

  @Post(':gateId/decision')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Approve or reject a gate; only a reviewer the gate names may decide, once' })
  async decide(
    @Param('gateId') gateId: string,
    @Body() body: unknown,
    @Headers('authorization') authorization?: string,
  ): Promise<DecideGateResult> {
    const reviewer = await this.auth.authenticate(authorization);
    const decision = validateBody(GateDecisionBody, body);
    return this.services.decideGate({ gateId, reviewer, outcome: decision.outcome, ...(decision.comment ? { comment: decision.comment } : {}) });
  }
}
