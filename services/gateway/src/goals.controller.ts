import { randomUUID } from 'node:crypto';
import { Body, Controller, Headers, HttpCode, Inject, Post, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiBody, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { SCOPES } from '@ledgerflow/contracts';
import type { Principal } from '@ledgerflow/contracts';
import { CurrentPrincipal, RequireScopes } from './auth.decorators.js';
import { Authenticator } from './authenticator.js';
import { GoalRequestBody, StartGoalResponse } from './goals.dto.js';
import { ServicesClient } from './services.client.js';

/**
 * Goals (docs/planning.md): a goal, an input and constraints, forwarded with the caller to the planner
 * (`lf.planner.start-goal`), which plans it from the tool catalog within the template workflow, validates and
 * policy-checks the plan, records it and starts the run.
 */
@ApiTags('goals')
@ApiBearerAuth()
@Controller('v1/goals')
export class GoalsController {
  constructor(@Inject(ServicesClient) private readonly services: ServicesClient) {}

  /**
   * 202 with the run (its `Location` too); the same idempotency key (body, else `Idempotency-Key` header, else a fresh
   * UUID) answers the same run. The planner's refusals keep their codes: 404 `workflow_unknown` (no such template),
   * 422 `plan_generation_failed` (details name every issue), 422 `input_invalid`; 503 when no planner answers.
   */
  @Post()
  @ApiBody({ type: GoalRequestBody })
  @RequireScopes(SCOPES.runsStart)
  @HttpCode(202)
  @ApiAcceptedResponse({
    type: StartGoalResponse,
    headers: { Location: { description: 'The run: /v1/runs/{runId}', schema: { type: 'string' } } },
  })
  @ApiOperation({
    summary:
      'Plan a goal from the tool catalog within a template workflow (its agents, policies, reviewers and generator), then run the plan; the caller is recorded as `metadata.actor`',
  })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  async startGoal(
    @Body() request: GoalRequestBody,
    @CurrentPrincipal() who: Principal,
    @Res({ passthrough: true }) response: { setHeader(name: string, value: string): unknown },
    @Headers('idempotency-key') headerKey?: string,
    @Headers('authorization') authorization?: string,
  ): Promise<StartGoalResponse> {
    const result = await this.services.startGoal({
      template: request.template,
      goal: request.goal,
      input: request.input === undefined ? {} : request.input,
      ...(request.desiredOutputs === undefined ? {} : { desiredOutputs: request.desiredOutputs }),
      ...(request.constraints === undefined ? {} : { constraints: { ...request.constraints } }),
      idempotencyKey: request.idempotencyKey ?? headerKey ?? randomUUID(),
      ...Authenticator.forwardedCaller(who, authorization),
    });
    const location = `/v1/runs/${result.runId}`;
    response.setHeader('Location', location);
    return { ...result, location };
  }
}
