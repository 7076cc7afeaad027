import { Body, Controller, Headers, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsDefined, IsString, Length } from 'class-validator';
import { SCOPES } from '@ledgerflow/contracts';
import type { Principal } from '@ledgerflow/contracts';
import { ValidationError } from '@ledgerflow/domain';
import { CurrentPrincipal, RequireScopes } from './auth.decorators.js';
import { RunCommandResponse } from './operator.controller.js';
import { forwardRunCommand } from './operator.controller.js';
import { ServicesClient } from './services.client.js';

const STEP_ID = /^[a-z][a-z0-9_-]{0,62}$/;

/** `POST /v1/runs/{id}/steps/{stepId}/complete`: the external task's result. */
export class CompleteExternalStepBody {
  @ApiProperty({
    description:
      "The step's output (any JSON), checked against the step's outputSchema (422 input_invalid naming /output/<path>)",
  })
  @IsDefined()
  output!: unknown;
}

/** `POST /v1/runs/{id}/steps/{stepId}/fail`: why the external task failed (recorded as the step error's message). */
export class FailExternalStepBody {
  @ApiProperty({ maxLength: 2000 })
  @IsString()
  @Length(1, 2000)
  reason!: string;
}

/**
 * External tasks: a step with `kind: external` starts without a tool call and waits here for its result.
 * Completing or failing one needs the scope `runs:operate`, a human's token, and a person the step's `reviewers`
 * name by id (`user:<id>` or a bare id); the planner checks all three from the forwarded token and records the
 * person as `StepSucceeded.completedBy` / `StepFailed.failedBy`.
 * Errors: 401/403 (token, scope, `human_required`), 403 `run_reviewer_not_named`, 404 `run_not_found`,
 * 409 `run_step_not_external` / `run_step_not_running` (not started yet, or already reported),
 * 422 `input_invalid` (the output fails the step's `outputSchema`; the message names each JSON pointer and rule).
 */
@ApiTags('runs')
@ApiBearerAuth()
@RequireScopes(SCOPES.runsOperate)
@Controller('v1/runs')
export class ExternalTasksController {
  constructor(@Inject(ServicesClient) private readonly services: ServicesClient) {}

  @Post(':runId/steps/:stepId/complete')
  @ApiBody({ type: CompleteExternalStepBody })
  @HttpCode(200)
  @ApiOkResponse({ type: RunCommandResponse })
  @ApiOperation({ summary: 'Complete a running external step with its output' })
  async complete(
    @Param('runId') runId: string,
    @Param('stepId') stepId: string,
    @Body() { output }: CompleteExternalStepBody,
    @CurrentPrincipal() who: Principal,
    @Headers('authorization') authorization?: string,
  ): Promise<RunCommandResponse> {
    return forwardRunCommand(this.services, {
      runId,
      command: 'complete',
      who,
      authorization,
      fields: { stepId: stepIdOf(stepId), output },
    });
  }

  @Post(':runId/steps/:stepId/fail')
  @ApiBody({ type: FailExternalStepBody })
  @HttpCode(200)
  @ApiOkResponse({ type: RunCommandResponse })
  @ApiOperation({
    summary: 'Fail a running external step with a reason (not retried; the run pauses when nothing else can move)',
  })
  async fail(
    @Param('runId') runId: string,
    @Param('stepId') stepId: string,
    @Body() { reason }: FailExternalStepBody,
    @CurrentPrincipal() who: Principal,
    @Headers('authorization') authorization?: string,
  ): Promise<RunCommandResponse> {
    return forwardRunCommand(this.services, {
      runId,
      command: 'fail',
      who,
      authorization,
      fields: { stepId: stepIdOf(stepId), reason },
    });
  }
}

function stepIdOf(stepId: string): string {
  if (STEP_ID.test(stepId)) return stepId;
  throw new ValidationError('request_invalid', `stepId must match ${STEP_ID.source}`, {
    violations: [{ field: 'stepId', rule: 'matches', message: `stepId must match ${STEP_ID.source}` }],
  });
}
