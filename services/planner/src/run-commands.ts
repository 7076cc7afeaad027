import { subjects } from '@ledgerflow/contracts';
import { Inject, Injectable } from '@nestjs/common';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  ValidateNested,
} from 'class-validator';
import { describeOutputIssues, stepOutputIssues } from '@ledgerflow/definitions';
import { decide, LedgerflowError, planStepOfDraft, ValidationError } from '@ledgerflow/domain';
import type { ReviewerActor, RunCommand, RunEvent, RunState, RunStatus } from '@ledgerflow/domain';
import { RUN_REPOSITORY, RunRepository } from '@ledgerflow/service-runtime';
import type { LoadedRun } from '@ledgerflow/service-runtime';

/** Request/reply subject of operator commands (queue group `planner`), sent by the gateway's operator endpoints. */
export const RUN_COMMAND_SUBJECT = subjects.plannerRunCommand;

const STEP_ID = /^[a-z][a-z0-9_-]{0,62}$/;
/** Every operator command of `lf.planner.run-command`. */
export const RUN_COMMANDS = ['retry', 'skip', 'revise', 'cancel', 'pause', 'resume', 'complete', 'fail'] as const;

/** A plan revision: step drafts to add (`id`, `tool`, `action`, `agent` required; see `planStepOfDraft`) and ids to remove. */
class RevisionDto {
  @IsArray() @ArrayMaxSize(50) @IsObject({ each: true }) addSteps!: Array<Record<string, unknown>>;
  @IsArray() @ArrayMaxSize(50) @IsString({ each: true }) removeStepIds!: string[];
}

/**
 * The body of `lf.planner.run-command`. `retry` needs `stepId` (`agent`: a substitute agent, `reason` optional);
 * `skip` needs `stepId` and `reason`; `revise` needs `revision` (`reason` optional); `cancel` needs `reason`;
 * `pause` and `resume` take an optional `reason`; `complete` (an external step) needs `stepId` and `output`
 * (any JSON, checked against the step's `outputSchema`); `fail` (an external step) needs `stepId` and `reason`.
 */
export class RunCommandDto {
  @IsString()
  @Matches(/^[A-Za-z0-9-]{1,80}$/, { message: 'runId must be a run id: 1..80 characters of A-Z a-z 0-9 -' })
  runId!: string;
  @IsIn(RUN_COMMANDS) command!: (typeof RUN_COMMANDS)[number];
  @IsOptional() @IsString() @Matches(STEP_ID, { message: 'stepId must match ^[a-z][a-z0-9_-]{0,62}$' }) stepId?: string;
  @IsOptional() @IsString() @Length(1, 63) agent?: string;
  @IsOptional() @IsString() @Length(1, 2000) reason?: string;
  @IsOptional() @IsObject() @ValidateNested() @Type(() => RevisionDto) revision?: RevisionDto;
  /** `complete`: the external step's output. */
  @IsOptional() output?: unknown;
  /** The operator's own bearer JWT, forwarded by the gateway; the planner verifies it (at most 16 KiB). */
  @IsString() @Length(1, 16_384) token!: string;
}

/** A command as {@link RunCommands} executes it: the request with the operator as verified from their token. */
export type OperatorCommand = Omit<RunCommandDto, 'token'> & {
  readonly actor: ReviewerActor & { readonly kind: 'human' };
};

/** The answer: the run's status after the command and the types of the events it appended, in order. */
export interface RunCommandResult {
  readonly runId: string;
  readonly command: RunCommandDto['command'];
  readonly status: RunStatus;
  readonly events: readonly RunEvent['type'][];
}

/**
 * An external step's reported output against the step's `outputSchema` (the one in the run's plan).
 * @throws ValidationError `input_invalid` (HTTP 422) naming each failing field as a JSON pointer into the request
 *   (`/output/total`) and its rule; `details`: `{stepId, field, rule, errors}`.
 */
function checkExternalOutput(state: RunState, stepId: string, output: unknown): void {
  const schema = state.plan?.steps.find((step) => step.id === stepId)?.outputSchema;
  if (schema === undefined) return;
  const issues = stepOutputIssues(schema, output).map((issue) => ({ ...issue, path: `/output${issue.path}` }));
  if (issues.length === 0) return;
  throw new ValidationError('input_invalid', `output of step ${stepId} is invalid: ${describeOutputIssues(issues)}`, {
    stepId,
    field: issues[0]?.path,
    rule: issues[0]?.rule,
    errors: issues,
  });
}

function required<T>(value: T | undefined, field: string, command: string): T {
  if (value === undefined)
    throw new ValidationError('request_invalid', `${command} needs ${field}`, {
      violations: [{ field, rule: 'required', message: `${field} is required for ${command}` }],
    });
  return value;
}

/**
 * Operator actions on a run: retry a failed step (optionally as a substitute agent), skip an optional step, revise
 * the plan from that point, cancel, pause, resume; and the result of an external step (`complete`, `fail`), which
 * the step's `reviewers` must name (`run_reviewer_not_named`). Each is decided by the Run aggregate and appended
 * at the revision it was decided on; the operator is the events' `metadata.actor` (`via: planner`) and is named in their
 * data (`requestedBy`, the revision's `author`, `completedBy`/`failedBy`). The operator is a human whose token holds `runs:operate` (verified in planner.controller.ts).
 * @throws LedgerflowError `run_not_found` (404); ValidationError `request_invalid` (a field the command needs),
 *   `plan_invalid_step` (a malformed added step), plan codes (`plan_unknown_agent`, `workflow_depth_exceeded`, ...);
 *   DomainError `run_*`, e.g. `run_step_not_optional` for a skip of a required step, `run_step_not_failed`.
 */
@Injectable()
export class RunCommands {
  constructor(@Inject(RUN_REPOSITORY) private readonly runs: RunRepository) {}

  async execute(request: OperatorCommand): Promise<RunCommandResult> {
    const build = this.commandOf(request);
    const result = await this.runs.execute(
      request.runId,
      (state, now, run) => {
        if (state.status === 'none')
          throw new LedgerflowError('run_not_found', `run ${request.runId} does not exist`, false, {
            runId: request.runId,
          });
        return decide(build(run, now), state, { now });
      },
      { causationId: `operator:${request.actor.id}:${request.command}`, actor: request.actor },
    );
    return {
      runId: request.runId,
      command: request.command,
      status: result.state.status,
      events: result.appended.map((event) => event.type),
    };
  }

  /** The domain command for the request (checked before the run is read, so a bad request reads nothing). */
  private commandOf(request: OperatorCommand): (run: LoadedRun, now: string) => RunCommand {
    const { command, stepId, agent, reason, revision, actor } = request;
    const requestedBy = actor.id;
    switch (command) {
      case 'retry': {
        const step = required(stepId, 'stepId', command);
        return () => ({
          type: 'RetryStep',
          data: {
            stepId: step,
            requestedBy,
            ...(agent === undefined ? {} : { agent }),
            ...(reason === undefined ? {} : { reason }),
          },
        });
      }
      case 'skip': {
        const step = required(stepId, 'stepId', command);
        const why = required(reason, 'reason', command);
        return (run, now) => ({
          type: 'SkipStep',
          data: { stepId: step, reason: why, requestedBy, runDurationMs: RunRepository.runDurationMs(run, now) },
        });
      }
      case 'revise': {
        const { addSteps, removeStepIds } = required(revision, 'revision', command);
        const steps = addSteps.map((draft, i) => planStepOfDraft(draft, `revision.addSteps[${i}]`));
        const why = reason ?? `plan revised by ${actor.id}`;
        return (run, now) => ({
          type: 'RevisePlan',
          data: {
            author: actor.id,
            reason: why,
            addSteps: steps,
            removeStepIds,
            runDurationMs: RunRepository.runDurationMs(run, now),
          },
        });
      }
      case 'cancel': {
        const why = required(reason, 'reason', command);
        return () => ({ type: 'CancelRun', data: { reason: why, requestedBy } });
      }
      case 'pause':
        return () => ({ type: 'PauseRun', data: { reason: reason ?? `paused by ${actor.id}`, requestedBy } });
      case 'resume':
        return () => ({ type: 'ResumeRun', data: { reason: reason ?? `resumed by ${actor.id}`, requestedBy } });
      case 'complete': {
        const step = required(stepId, 'stepId', command);
        if (!('output' in request)) required(undefined, 'output', command);
        return (run, now) => {
          checkExternalOutput(run.state, step, request.output);
          return {
            type: 'CompleteExternalStep',
            data: { stepId: step, output: request.output, actor, runDurationMs: RunRepository.runDurationMs(run, now) },
          };
        };
      }
      case 'fail': {
        const step = required(stepId, 'stepId', command);
        const why = required(reason, 'reason', command);
        return () => ({ type: 'FailExternalStep', data: { stepId: step, reason: why, actor } });
      }
      default: {
        const unknown: never = command;
        throw new ValidationError('request_invalid', `unknown command ${String(unknown)}`);
      }
    }
  }
}
