import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { SCOPES } from '@ledgerflow/contracts';
import type { DecideGateResult, Principal } from '@ledgerflow/contracts';
import { hasScope, reviewerOf } from '@ledgerflow/auth';
import { LedgerflowError, RunErrorCodes, matchReviewer, parseGateId } from '@ledgerflow/domain';
import { RUN_REPOSITORY } from '@ledgerflow/service-runtime';
import type { RunRepository } from '@ledgerflow/service-runtime';
import { gateContext } from './gate-context.js';
import type { GateContextView } from './gate-context.js';
import { GateDecisionBody, GateDecisionResponse } from './gateway.dto.js';
import { CurrentPrincipal, RequireHuman, RequireScopes } from './auth.decorators.js';
import { Authenticator } from './authenticator.js';
import { GateSummaryResponse } from './list-views.dto.js';
import { ListPage } from './list-page.interceptor.js';
import { RunsProjection } from './runs.projection.js';
import type { GateSummary } from './runs.projection.js';
import { ServicesClient } from './services.client.js';
import { GateResponse } from './views.dto.js';

/**
 * Gates: reviewers (scope `gates:decide`) list and read the gates that name them and decide them; readers
 * (`runs:read`) list and read every gate. A decision is forwarded to the approval service with the reviewer's
 * own token, which approval verifies and takes the reviewer from. 403 `forbidden` for a gate that does not
 * name a reviewer without `runs:read`; 403 `human_required` for a decision by a service account.
 */
@ApiTags('gates')
@ApiBearerAuth()
@Controller('v1/gates')
export class GatesController {
  constructor(
    @Inject(ServicesClient) private readonly services: ServicesClient,
    @Inject(RunsProjection) private readonly projection: RunsProjection,
    @Inject(RUN_REPOSITORY) private readonly runs: RunRepository,
  ) {}

  @Get()
  @RequireScopes(SCOPES.gatesDecide, SCOPES.runsRead)
  @ListPage(
    'gates',
    { keyOf: (gate: GateSummary) => [gate.openedAt, gate.gateId], parts: 2, direction: 'asc' },
    GateSummaryResponse,
  )
  @ApiOperation({
    summary:
      'List gates, oldest first; `reviewer=me` lists those the bearer may decide (by id, role or team); a reviewer without runs:read sees only those',
  })
  @ApiQuery({ name: 'status', required: false, enum: ['open', 'approved', 'rejected', 'redirected'] })
  @ApiQuery({ name: 'reviewer', required: false, description: '`me` or a user id (a user id needs runs:read)' })
  list(
    @CurrentPrincipal() who: Principal,
    @Query('status') status?: string,
    @Query('reviewer') reviewer?: string,
  ): Promise<GateSummary[]> {
    const filter =
      reviewer === 'me' || !hasScope(who, [SCOPES.runsRead])
        ? reviewerOf(who)
        : reviewer
          ? { kind: 'human' as const, id: reviewer }
          : undefined;
    return this.projection.listGates({ status, ...(filter ? { reviewer: filter } : {}) });
  }

  @Get(':gateId')
  @RequireScopes(SCOPES.gatesDecide, SCOPES.runsRead)
  @ApiOperation({
    summary:
      "A gate with the reviewer's context: upstream steps and outputs (as stored, masked), the pending action, the rules that required it, the confidence package",
  })
  @ApiOkResponse({ type: GateResponse })
  async get(
    @Param('gateId') gateId: string,
    @CurrentPrincipal() who: Principal,
  ): Promise<GateSummary & { context: GateContextView }> {
    const summary = await this.projection.getGate(gateId);
    const ids = parseGateId(gateId);
    const context = ids && summary ? gateContext((await this.runs.load(ids.runId)).state, gateId) : undefined;
    if (!summary || !context)
      throw new LedgerflowError(RunErrorCodes.GATE_NOT_FOUND, `gate ${gateId} does not exist`, false, { gateId });
    if (!hasScope(who, [SCOPES.runsRead]) && matchReviewer(summary.reviewers, reviewerOf(who)) === undefined) {
      throw new LedgerflowError(
        'forbidden',
        `gate ${gateId} does not name ${who.id} as a reviewer; reading it needs runs:read`,
        false,
        { gateId },
      );
    }
    return { ...summary, context };
  }

  @Post(':gateId/decision')
  @ApiBody({ type: GateDecisionBody })
  @RequireScopes(SCOPES.gatesDecide)
  @RequireHuman()
  // A decision acts on an existing gate (it creates no resource of its own): 200, not POST's default 201.
  @HttpCode(200)
  @ApiOkResponse({ type: GateDecisionResponse })
  @ApiOperation({
    summary:
      'Approve, reject or redirect a gate; only a reviewer the gate names (by id, role or team) may decide, once',
  })
  async decide(
    @Param('gateId') gateId: string,
    @Body() decision: GateDecisionBody,
    @Headers('authorization') authorization?: string,
  ): Promise<DecideGateResult> {
    return this.services.decideGate({
      gateId,
      token: Authenticator.credentialOf(authorization),
      outcome: decision.outcome,
      ...(decision.comment ? { comment: decision.comment } : {}),
      ...(decision.revision
        ? { revision: { addSteps: decision.revision.addSteps, removeStepIds: decision.revision.removeStepIds } }
        : {}),
      ...(decision.correctedOutput !== undefined ? { correctedOutput: decision.correctedOutput } : {}),
    });
  }
}
