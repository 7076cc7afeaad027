import { subjects } from '@ledgerflow/contracts';
import { Body, Controller, Headers, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsObject, IsOptional, IsString, Length, Matches } from 'class-validator';
import type { NatsConnection } from '@nats-io/nats-core';
import { headers } from '@ledgerflow/contracts';
import { requestJson } from '@ledgerflow/messaging';
import { NATS_CONNECTION, validateBody } from '@ledgerflow/service-runtime';
import { ReviewerAuth } from './reviewer-auth.js';

/** The planner's operator-command subject (`RUN_COMMAND_SUBJECT` in services/planner/src/run-commands.ts). */
export const RUN_COMMAND_SUBJECT = subjects.plannerRunCommand;
const TIMEOUT_MS = 10_000;
const STEP_ID = /^[a-z][a-z0-9_-]{0,62}$/;
const STEP_ID_MESSAGE = { message: 'stepId must match ^[a-z][a-z0-9_-]{0,62}$' };

export class RetryStepBody {
  @ApiProperty({ description: 'The failed step to run again (next attempt, at once)' })
  @IsString() @Matches(STEP_ID, STEP_ID_MESSAGE) stepId!: string;

  @ApiPropertyOptional({ description: "A substitute agent declared in the run's plan; the policy decides with its capabilities" })
  @IsOptional() @IsString() @Length(1, 63) agent?: string;

  @ApiPropertyOptional({ maxLength: 2000 })
  @IsOptional() @IsString() @Length(1, 2000) reason?: string;
}

export class SkipStepBody {
  @ApiProperty({ description: 'A pending or failed step declared optional' })
  @IsString() @Matches(STEP_ID, STEP_ID_MESSAGE) stepId!: string;

  @ApiProperty({ maxLength: 2000 })
  @IsString() @Length(1, 2000) reason!: string;
}

export class RevisePlanBody {
  @ApiProperty({
    description: 'Steps to add: {id, tool, action, agent, dependsOn?, input?, name?, retry?, timeoutMs?, optional?, policyTags?}; defaults: one attempt, 30 s timeout',
    type: 'array', items: { type: 'object', additionalProperties: true },
  })
  @IsArray() @ArrayMaxSize(50) @IsObject({ each: true }) addSteps!: Array<Record<string, unknown>>;

  @ApiProperty({ description: 'Steps not started yet (pending, failed, ...) to remove; never a running or succeeded one', type: [String] })
  @IsArray() @ArrayMaxSize(50) @IsString({ each: true }) removeStepIds!: string[];

  @ApiPropertyOptional({ maxLength: 2000 })
  @IsOptional() @IsString() @Length(1, 2000) reason?: string;
}

export class CancelRunBody {
  @ApiProperty({ maxLength: 2000 })
  @IsString() @Length(1, 2000) reason!: string;
}

export class RunCommandResponse {
  @ApiProperty() runId!: string;
  @ApiProperty({ enum: ['retry', 'skip', 'revise', 'cancel'] }) command!: string;
  @ApiProperty({ description: "The run's status after the command" }) status!: string;
  @ApiProperty({ description: 'Types of the events appended, in order', type: [String] }) events!: string[];
}

/**
 * Operator actions on a run (issue "Failure and recovery"), forwarded to the planner on `lf.planner.run-command`
 * with the operator as actor `{kind: 'human', id: <token sub>}`; the planner records the id in the events.
 * Authentication: the reviewers' bearer JWT (`ReviewerAuth`). Authorization: none yet, any authenticated human
 * may operate any run. Errors keep the planner's codes: 401 no valid token, 400 `request_invalid`, 404
 * `run_not_found`, 409 `RUN.*` and plan codes (e.g. `RUN.STEP_NOT_OPTIONAL` for a skip of a required step).
 */
@ApiTags('runs')
@ApiBearerAuth()
@Controller('v1/runs')
export class OperatorController {
  constructor(
    @Inject(ReviewerAuth) private readonly auth: ReviewerAuth,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
  ) {}

  @Post(':runId/retry')
  @HttpCode(200)
  @ApiOperation({ summary: 'Retry a failed step now, optionally as a substitute agent' })
  async retry(@Param('runId') runId: string, @Body() body: unknown, @Headers('authorization') authorization?: string): Promise<RunCommandResponse> {
    const actor = await this.operator(authorization);
    return this.forward(runId, 'retry', actor, { ...validateBody(RetryStepBody, body) });
  }

  @Post(':runId/skip')
  @HttpCode(200)
  @ApiOperation({ summary: 'Skip an optional step that is pending or failed; a required step is refused (409 RUN.STEP_NOT_OPTIONAL)' })
  async skip(@Param('runId') runId: string, @Body() body: unknown, @Headers('authorization') authorization?: string): Promise<RunCommandResponse> {
    const actor = await this.operator(authorization);
    return this.forward(runId, 'skip', actor, { ...validateBody(SkipStepBody, body) });
  }

  @Post(':runId/revise')
  @HttpCode(200)
  @ApiOperation({ summary: 'Revise the plan from here: add steps, remove or replace steps not run yet (validated like any plan)' })
  async revise(@Param('runId') runId: string, @Body() body: unknown, @Headers('authorization') authorization?: string): Promise<RunCommandResponse> {
    const actor = await this.operator(authorization);
    const { addSteps, removeStepIds, reason } = validateBody(RevisePlanBody, body);
    return this.forward(runId, 'revise', actor, { revision: { addSteps, removeStepIds }, ...(reason === undefined ? {} : { reason }) });
  }

  @Post(':runId/cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel a running or paused run' })
  async cancel(@Param('runId') runId: string, @Body() body: unknown, @Headers('authorization') authorization?: string): Promise<RunCommandResponse> {
    const actor = await this.operator(authorization);
    return this.forward(runId, 'cancel', actor, { ...validateBody(CancelRunBody, body) });
  }

  /** The operator as the planner records them: `{kind: 'human', id: <token sub>}`; 401 `unauthorized` without a valid token. */
  private async operator(authorization: string | undefined): Promise<{ kind: 'human'; id: string }> {
    const { id } = await this.auth.authenticate(authorization);
    return { kind: 'human', id };
  }

  private forward(runId: string, command: string, actor: { kind: 'human'; id: string }, fields: Record<string, unknown>): Promise<RunCommandResponse> {
    return requestJson<RunCommandResponse>(this.nc, RUN_COMMAND_SUBJECT, { runId, command, ...fields, actor }, { timeoutMs: TIMEOUT_MS, headers: { [headers.runId]: runId } });
  }
}
