import { Body, Controller, Headers, HttpCode, Inject, Param, Post } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsObject, IsOptional, IsString, Length, Matches } from 'class-validator';
import { SCOPES } from '@ledgerflow/contracts';
import type { Principal } from '@ledgerflow/contracts';
import { requireHuman } from '@ledgerflow/auth';
import { OptionalBody } from './body-validation.pipe.js';
import { CurrentPrincipal, RequireScopes } from './auth.decorators.js';
import { Authenticator } from './authenticator.js';
import { ServicesClient } from './services.client.js';
import type { RunCommandName } from './services.client.js';

const STEP_ID = /^[a-z][a-z0-9_-]{0,62}$/;
const STEP_ID_MESSAGE = { message: 'stepId must match ^[a-z][a-z0-9_-]{0,62}$' };

export class RetryStepBody {
  @ApiProperty({ description: 'The failed step to run again (next attempt, at once)' })
  @IsString()
  @Matches(STEP_ID, STEP_ID_MESSAGE)
  stepId!: string;

  @ApiPropertyOptional({
    description: "A substitute agent declared in the run's plan; the policy decides with its capabilities",
  })
  @IsOptional()
  @IsString()
  @Length(1, 63)
  agent?: string;

  @ApiPropertyOptional({ maxLength: 2000 })
  @IsOptional()
  @IsString()
  @Length(1, 2000)
  reason?: string;
}

export class SkipStepBody {
  @ApiProperty({ description: 'A pending or failed step declared optional' })
  @IsString()
  @Matches(STEP_ID, STEP_ID_MESSAGE)
  stepId!: string;

  @ApiProperty({ maxLength: 2000 })
  @IsString()
  @Length(1, 2000)
  reason!: string;
}

export class RevisePlanBody {
  @ApiProperty({
    description:
      'Steps to add: {id, tool, action, agent, dependsOn?, input?, name?, retry?, timeoutMs?, optional?, policyTags?}; defaults: one attempt, 30 s timeout',
    type: 'array',
    items: { type: 'object', additionalProperties: true },
  })
  @IsArray()
  @ArrayMaxSize(50)
  @IsObject({ each: true })
  addSteps!: Array<Record<string, unknown>>;

  @ApiProperty({
    description: 'Steps not started yet (pending, failed, ...) to remove; never a running or succeeded one',
    type: [String],
  })
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  removeStepIds!: string[];

  @ApiPropertyOptional({ maxLength: 2000 })
  @IsOptional()
  @IsString()
  @Length(1, 2000)
  reason?: string;
}

export class CancelRunBody {
  @ApiProperty({ maxLength: 2000 })
  @IsString()
  @Length(1, 2000)
  reason!: string;
}

/** `POST /v1/runs/{id}/pause` and `/resume`: an optional reason (default `paused by <operator>` / `resumed by <operator>`); no body is `{}`. */
@OptionalBody()
export class PauseResumeBody {
  @ApiPropertyOptional({ maxLength: 2000 })
  @IsOptional()
  @IsString()
  @Length(1, 2000)
  reason?: string;
}

export class RunCommandResponse {
  @ApiProperty() runId!: string;
  @ApiProperty({ enum: ['retry', 'skip', 'revise', 'cancel', 'pause', 'resume', 'complete', 'fail'] }) command!: string;
  @ApiProperty({ description: "The run's status after the command" }) status!: string;
  @ApiProperty({ description: 'Types of the events appended, in order', type: [String] }) events!: string[];
}

/**
 * Operator actions on a run (retry, skip, revise, cancel, pause, resume), forwarded to the planner on `lf.planner.run-command`
 * with the operator's own bearer JWT: the planner verifies it and records its `sub` in the events.
 * Needs the scope `runs:operate` and a human's token (a service account gets 403 `human_required`).
 * Errors keep the planner's codes: 401 no valid token, 403 missing scope, 400 `request_invalid`, 404
 * `run_not_found`, 409 `run_*` and plan codes (e.g. `run_step_not_optional` for a skip of a required step).
 */
@ApiTags('runs')
@ApiBearerAuth()
@RequireScopes(SCOPES.runsOperate)
@Controller('v1/runs')
export class OperatorController {
  constructor(@Inject(ServicesClient) private readonly services: ServicesClient) {}

  @Post(':runId/retry')
  @ApiBody({ type: RetryStepBody })
  @HttpCode(200)
  @ApiOkResponse({ type: RunCommandResponse })
  @ApiOperation({ summary: 'Retry a failed step now, optionally as a substitute agent' })
  async retry(
    @Param('runId') runId: string,
    @Body() body: RetryStepBody,
    @CurrentPrincipal() who: Principal,
    @Headers('authorization') authorization?: string,
  ): Promise<RunCommandResponse> {
    return this.forward(runId, 'retry', who, authorization, { ...body });
  }

  @Post(':runId/skip')
  @ApiBody({ type: SkipStepBody })
  @HttpCode(200)
  @ApiOkResponse({ type: RunCommandResponse })
  @ApiOperation({
    summary: 'Skip an optional step that is pending or failed; a required step is refused (409 run_step_not_optional)',
  })
  async skip(
    @Param('runId') runId: string,
    @Body() body: SkipStepBody,
    @CurrentPrincipal() who: Principal,
    @Headers('authorization') authorization?: string,
  ): Promise<RunCommandResponse> {
    return this.forward(runId, 'skip', who, authorization, { ...body });
  }

  @Post(':runId/revise')
  @ApiBody({ type: RevisePlanBody })
  @HttpCode(200)
  @ApiOkResponse({ type: RunCommandResponse })
  @ApiOperation({
    summary: 'Revise the plan from here: add steps, remove or replace steps not run yet (validated like any plan)',
  })
  async revise(
    @Param('runId') runId: string,
    @Body() body: RevisePlanBody,
    @CurrentPrincipal() who: Principal,
    @Headers('authorization') authorization?: string,
  ): Promise<RunCommandResponse> {
    const { addSteps, removeStepIds, reason } = body;
    return this.forward(runId, 'revise', who, authorization, {
      revision: { addSteps, removeStepIds },
      ...(reason === undefined ? {} : { reason }),
    });
  }

  @Post(':runId/cancel')
  @ApiBody({ type: CancelRunBody })
  @HttpCode(200)
  @ApiOkResponse({ type: RunCommandResponse })
  @ApiOperation({ summary: 'Cancel a running or paused run' })
  async cancel(
    @Param('runId') runId: string,
    @Body() body: CancelRunBody,
    @CurrentPrincipal() who: Principal,
    @Headers('authorization') authorization?: string,
  ): Promise<RunCommandResponse> {
    return this.forward(runId, 'cancel', who, authorization, { ...body });
  }

  @Post(':runId/pause')
  @ApiBody({ type: PauseResumeBody })
  @HttpCode(200)
  @ApiOkResponse({ type: RunCommandResponse })
  @ApiOperation({
    summary:
      'Pause a running run: nothing new starts (running steps finish and are recorded) until it is resumed; 409 run_not_running otherwise',
  })
  async pause(
    @Param('runId') runId: string,
    @Body() body: PauseResumeBody,
    @CurrentPrincipal() who: Principal,
    @Headers('authorization') authorization?: string,
  ): Promise<RunCommandResponse> {
    return this.forward(runId, 'pause', who, authorization, { ...body });
  }

  @Post(':runId/resume')
  @ApiBody({ type: PauseResumeBody })
  @HttpCode(200)
  @ApiOkResponse({ type: RunCommandResponse })
  @ApiOperation({
    summary:
      'Resume a paused run; 409 run_not_paused, or run_stalled when only a failed step is left (retry, skip or revise it)',
  })
  async resume(
    @Param('runId') runId: string,
    @Body() body: PauseResumeBody,
    @CurrentPrincipal() who: Principal,
    @Headers('authorization') authorization?: string,
  ): Promise<RunCommandResponse> {
    return this.forward(runId, 'resume', who, authorization, { ...body });
  }

  private forward(
    runId: string,
    command: RunCommandName,
    who: Principal,
    authorization: string | undefined,
    fields: Record<string, unknown>,
  ): Promise<RunCommandResponse> {
    return forwardRunCommand(this.services, { runId, command, who, authorization, fields });
  }
}

/**
 * Forwards an operator command to the planner (`lf.planner.run-command`) with the caller's own bearer token: the
 * planner verifies it (`runs:operate`, a human) and takes the actor from it, never from the message.
 * @throws LedgerflowError `human_required` (403) for a service account, before anything is sent; the planner's
 *   errors with their codes (`run_not_found`, `run_*`, `input_invalid`, ...); `nats_timeout` after 10 s.
 */
export async function forwardRunCommand(
  services: ServicesClient,
  request: {
    runId: string;
    command: RunCommandName;
    who: Principal;
    authorization: string | undefined;
    fields: Record<string, unknown>;
  },
): Promise<RunCommandResponse> {
  const { runId, command, who, authorization, fields } = request;
  requireHuman(who);
  const token = Authenticator.credentialOf(authorization);
  return services.runCommand({ runId, command, ...fields, token });
}
