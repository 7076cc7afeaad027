import { Controller, Inject } from '@nestjs/common';
import type { NatsContext } from '@nestjs/microservices';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { SCOPES, actorOf, subjects } from '@ledgerflow/contracts';
import { BearerVerifier, requireHuman, requireScope, reviewerOf } from '@ledgerflow/auth';
import type { RegisterWorkflowResult, StartGoalResult, StartRunResult } from '@ledgerflow/contracts';
import { forwardedCallerActor, validateBody } from '@ledgerflow/service-runtime';
import { withRequestSpan } from '@ledgerflow/messaging';
import { SpanAttr } from '@ledgerflow/telemetry';
import { RunForker } from './fork-run.js';
import type { ForkRunResult } from './fork-run.js';
import { ForkRunDto } from './fork-run.dto.js';
import { RunCommandDto, RunCommands } from './run-commands.js';
import type { RunCommandResult } from './run-commands.js';
import { GoalStarter } from './start-goal.js';
import { StartGoalDto } from './start-goal.dto.js';
import { RunStarter } from './start-run.js';
import { StartRunDto } from './start-run.dto.js';
import { RegisterWorkflowDto, registerWorkflow } from './register-workflow.js';
import { WorkflowCatalog } from './workflow-catalog.js';

/**
 * The planner's request/reply subjects, all sent by the gateway. Each records the caller the gateway forwards as the
 * events' `metadata.actor` (`via: planner`): a verified token's principal, or a service account the gateway
 * authenticated; never a person named by a field of the message (see forwarded-caller.ts). Each runs in its span
 * `process <subject>` (`withRequestSpan`), a child of the gateway's request span, with the run's `ledgerflow.*` ids.
 */
@Controller()
export class PlannerController {
  constructor(
    @Inject(RunStarter) private readonly starter: RunStarter,
    @Inject(RunForker) private readonly forker: RunForker,
    @Inject(RunCommands) private readonly commands: RunCommands,
    @Inject(BearerVerifier) private readonly verifier: BearerVerifier,
    @Inject(WorkflowCatalog) private readonly catalog: WorkflowCatalog,
    @Inject(GoalStarter) private readonly goals: GoalStarter,
  ) {}

  /**
   * `lf.planner.start-run`: a synchronous trigger (the gateway's run and webhook endpoints use it). A forwarded
   * token must hold `runs:start`; a webhook delivery carries no caller (the planner is the actor).
   */
  @MessagePattern(subjects.plannerStartRun)
  startRun(@Payload() body: unknown, @Ctx() context: NatsContext): Promise<StartRunResult> {
    return withRequestSpan(context, {}, async (span) => {
      const { token, serviceAccount, ...trigger } = validateBody(StartRunDto, body);
      const actor = await forwardedCallerActor(this.verifier, { token, serviceAccount }, [SCOPES.runsStart]);
      const result = await this.starter.start(trigger, actor);
      span.setAttributes({ [SpanAttr.runId]: result.runId, [SpanAttr.workflowId]: trigger.workflowId });
      return result;
    });
  }

  /**
   * `lf.planner.start-goal`: a goal planned by the template's generator, validated, policy-checked and recorded
   * before anything runs (see `GoalStarter`). A forwarded token must hold `runs:start`.
   */
  @MessagePattern(subjects.plannerStartGoal)
  startGoal(@Payload() body: unknown, @Ctx() context: NatsContext): Promise<StartGoalResult> {
    return withRequestSpan(context, {}, async (span) => {
      const { token, serviceAccount, ...request } = validateBody(StartGoalDto, body);
      const actor = await forwardedCallerActor(this.verifier, { token, serviceAccount }, [SCOPES.runsStart]);
      span.setAttributes({ [SpanAttr.workflowId]: request.template });
      const result = await this.goals.start(request, actor);
      span.setAttributes({ [SpanAttr.runId]: result.runId });
      return result;
    });
  }

  /**
   * `lf.planner.fork-run`: a new run from a checkpoint of another (idempotent per run and checkpoint). A forwarded
   * token must hold `runs:operate`.
   */
  @MessagePattern(subjects.plannerForkRun)
  forkRun(@Payload() body: unknown, @Ctx() context: NatsContext): Promise<ForkRunResult> {
    return withRequestSpan(context, {}, async (span) => {
      const { token, serviceAccount, ...request } = validateBody(ForkRunDto, body);
      const actor = await forwardedCallerActor(this.verifier, { token, serviceAccount }, [SCOPES.runsOperate]);
      const result = await this.forker.fork(request.runId, request.at, actor);
      span.setAttributes({ [SpanAttr.runId]: result.runId, [SpanAttr.runForkedFrom]: request.runId });
      return result;
    });
  }

  /**
   * `lf.planner.run-command`: an operator's retry (optionally as a substitute agent), skip, revision or cancel.
   * The operator is whoever the forwarded `token` proves: a human holding `runs:operate` (`unauthorized`,
   * `forbidden`, `human_required` otherwise); the message never names its actor.
   */
  @MessagePattern(subjects.plannerRunCommand)
  runCommand(@Payload() body: unknown, @Ctx() context: NatsContext): Promise<RunCommandResult> {
    return withRequestSpan(context, {}, async (span) => {
      const { token, ...request } = validateBody(RunCommandDto, body);
      span.setAttributes({ [SpanAttr.runId]: request.runId, [SpanAttr.runCommand]: request.command });
      const operator = await this.verifier.verify(token);
      requireScope(operator, [SCOPES.runsOperate]);
      requireHuman(operator);
      // Roles and teams as the token proves them: an external step's or gate's `role:`/`team:` entries name people by them.
      return this.commands.execute({ ...request, actor: { ...reviewerOf(operator), kind: 'human' } });
    });
  }

  /**
   * `lf.planner.register-workflow`: a new version of a workflow definition (see `registerWorkflow`). The planner is the
   * one writer of `workflow-*` streams. The caller is whoever the forwarded `token` proves, holding `workflows:write`
   * (`unauthorized`, `forbidden` otherwise); it is recorded as `registeredBy` and as the event's `metadata.actor`.
   */
  @MessagePattern(subjects.plannerRegisterWorkflow)
  registerWorkflow(@Payload() body: unknown, @Ctx() context: NatsContext): Promise<RegisterWorkflowResult> {
    return withRequestSpan(context, {}, async (span) => {
      const { token, ...request } = validateBody(RegisterWorkflowDto, body);
      span.setAttributes({ [SpanAttr.workflowId]: request.workflowId });
      const caller = await this.verifier.verify(token);
      requireScope(caller, [SCOPES.workflowsWrite]);
      const result = await registerWorkflow(this.catalog, request, actorOf(caller));
      span.setAttributes({ [SpanAttr.workflowVersion]: result.version, [SpanAttr.created]: result.created });
      return result;
    });
  }
}
