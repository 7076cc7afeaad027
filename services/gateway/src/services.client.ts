import { Inject, Injectable } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/nats-core';
import { headers, subjects } from '@ledgerflow/contracts';
import type {
  DecideGateRequest,
  DecideGateResult,
  DecideRecommendationRequest,
  EvaluationRecorded,
  ForwardedCaller,
  MemoryLabelsPage,
  MemoryLabelsRequest,
  RecommendationView,
  RecordEvaluationRequest,
  RegisterPolicyPackRequest,
  RegisterPolicyPackResult,
  RegisterWorkflowRequest,
  RegisterWorkflowResult,
  StartGoalRequest,
  StartGoalResult,
  StartRunResult,
  StepStats,
  TriggerMessage,
  WorkflowInsights,
} from '@ledgerflow/contracts';
import type { ForkOrigin } from '@ledgerflow/domain';
import { requestJson } from '@ledgerflow/messaging';
import { NATS_CONNECTION } from '@ledgerflow/service-runtime';

/** How long the gateway waits for any service's reply before answering 503 `nats_timeout`. */
const TIMEOUT_MS = 10_000;

/** The body and answer of `lf.approval.decide-gate` (contracts). */
export type GateDecisionMessage = DecideGateRequest;

/** Operator commands the planner takes on `lf.planner.run-command` (services/planner/src/run-commands.ts). */
export type RunCommandName = 'retry' | 'skip' | 'revise' | 'cancel' | 'pause' | 'resume' | 'complete' | 'fail';

/**
 * A `lf.planner.run-command` request: the command, its fields (`stepId`, `reason`, `revision`, `output`, ...) and the
 * operator's own bearer JWT (`token`), which the planner verifies and takes the actor from.
 */
export type RunCommandMessage = {
  readonly runId: string;
  readonly command: RunCommandName;
  readonly token: string;
} & Readonly<Record<string, unknown>>;

/** The planner's answer to a run command: the run's status after it and the types of the events appended. */
export interface RunCommandResult {
  readonly runId: string;
  readonly command: string;
  readonly status: string;
  readonly events: string[];
}

/** A `lf.planner.fork-run` request: the run, the checkpoint (`cp-N`) and the caller as forwarded. */
export type ForkRunMessage = { readonly runId: string; readonly at: string } & ForwardedCaller;

/** The planner's answer to a fork: the new run (the same one again for a repeated `(run, checkpoint)`). */
export interface ForkRunResult {
  readonly runId: string;
  readonly created: boolean;
  readonly forkedFrom: ForkOrigin;
}

/**
 * The gateway's one NATS client: every call to another service is a request/reply on a `subjects` entry through
 * `requestJson`, one typed method per subject, each waiting at most 10 s.
 * @throws LedgerflowError with the callee's code, message, retryable flag and details (mapped to HTTP by
 *   `http-error.filter.ts`); `nats_timeout` / `nats_no_responders` (retryable, 503 with `Retry-After`) when no
 *   service answers; `nats_reply_malformed` when the reply is not an envelope.
 */
@Injectable()
export class ServicesClient {
  constructor(@Inject(NATS_CONNECTION) private readonly nc: NatsConnection) {}

  /** `lf.planner.start-run`. `caller`: who starts it, as authenticated (`Authenticator.forwardedCaller`); none for a webhook delivery. */
  startRun(trigger: TriggerMessage & ForwardedCaller): Promise<StartRunResult> {
    return this.request<StartRunResult>(subjects.plannerStartRun, trigger);
  }

  /**
   * `lf.planner.start-goal`: plan a goal from the tool catalog and start its run (docs/planning.md), with the caller as
   * authenticated (`Authenticator.forwardedCaller`). The planner's refusals keep their codes (`workflow_unknown`,
   * `plan_generation_failed`, `input_invalid`, ...).
   */
  startGoal(request: StartGoalRequest): Promise<StartGoalResult> {
    return this.request<StartGoalResult>(subjects.plannerStartGoal, request);
  }

  /** `lf.approval.decide-gate`, with the reviewer's own token. */
  decideGate(request: GateDecisionMessage): Promise<DecideGateResult> {
    return this.request<DecideGateResult>(subjects.approvalDecideGate, request);
  }

  /** `lf.planner.run-command`, with the run id also in the `lf-run-id` header, as on every run-scoped message. */
  runCommand(request: RunCommandMessage): Promise<RunCommandResult> {
    return this.request<RunCommandResult>(subjects.plannerRunCommand, request, { [headers.runId]: request.runId });
  }

  /** `lf.planner.fork-run`: a new run from a checkpoint, idempotent per `(runId, at)`. */
  forkRun(request: ForkRunMessage): Promise<ForkRunResult> {
    return this.request<ForkRunResult>(subjects.plannerForkRun, request);
  }

  /** `lf.planner.register-workflow`: a definition version to the planner, the one writer of workflow streams. */
  registerWorkflow(request: RegisterWorkflowRequest): Promise<RegisterWorkflowResult> {
    return this.request<RegisterWorkflowResult>(subjects.plannerRegisterWorkflow, request);
  }

  /** `lf.policy.register-pack`: a policy pack version to the policy service, the one writer of pack streams. */
  registerPolicyPack(request: RegisterPolicyPackRequest): Promise<RegisterPolicyPackResult> {
    return this.request<RegisterPolicyPackResult>(subjects.policyRegisterPack, request);
  }

  /** `lf.memory.step-stats`: per-step statistics of a workflow. */
  stepStats(workflowId: string): Promise<StepStats[]> {
    return this.request<StepStats[]>(subjects.memoryStepStats, { workflowId });
  }

  /** `lf.memory.insights`: a workflow's findings with evidence, calibration and usage. */
  insights(workflowId: string): Promise<WorkflowInsights> {
    return this.request<WorkflowInsights>(subjects.memoryInsights, { workflowId });
  }

  /** `lf.memory.recommendations`: every recommendation of a workflow, folded from its memory stream. */
  recommendations(workflowId: string): Promise<RecommendationView[]> {
    return this.request<RecommendationView[]>(subjects.memoryRecommendations, { workflowId });
  }

  /**
   * `lf.memory.decide-recommendation`, with the caller as authenticated (`Authenticator.forwardedCaller`): the
   * recommendation after the decision. Memory's refusals: `recommendation_not_found`, `recommendation_already_decided`.
   */
  decideRecommendation(request: DecideRecommendationRequest): Promise<RecommendationView> {
    return this.request<RecommendationView>(subjects.memoryDecideRecommendation, request);
  }

  /** `lf.memory.labels`: one page of reviewer corrections; `next` is memory's cursor of the page after. */
  labels(request: MemoryLabelsRequest): Promise<MemoryLabelsPage> {
    return this.request<MemoryLabelsPage>(subjects.memoryLabels, request);
  }

  /** `lf.memory.record-evaluation`: a golden set's result, recorded as `EvaluationRecorded` in the name of the caller. */
  recordEvaluation(request: RecordEvaluationRequest): Promise<EvaluationRecorded> {
    return this.request<EvaluationRecorded>(subjects.memoryRecordEvaluation, request);
  }

  /** `lf.memory.evaluations`: a workflow's recorded evaluations, oldest first. */
  evaluations(workflowId: string): Promise<EvaluationRecorded[]> {
    return this.request<EvaluationRecorded[]>(subjects.memoryEvaluations, { workflowId });
  }

  private request<T>(subject: string, body: unknown, extraHeaders?: Readonly<Record<string, string>>): Promise<T> {
    return requestJson<T>(this.nc, subject, body, {
      timeoutMs: TIMEOUT_MS,
      ...(extraHeaders ? { headers: extraHeaders } : {}),
    });
  }
}
