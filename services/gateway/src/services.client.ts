import { Inject, Injectable } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/nats-core';
import { subjects } from '@ledgerflow/contracts';
import type { DecideGateRequest, DecideGateResult, ForwardedCaller, RegisterPolicyPackRequest, RegisterPolicyPackResult, RegisterWorkflowRequest, RegisterWorkflowResult, StartRunResult, StepStats, TriggerMessage } from '@ledgerflow/contracts';
import { requestJson } from '@ledgerflow/messaging';
import { NATS_CONNECTION } from '@ledgerflow/service-runtime';

const TIMEOUT_MS = 10_000;

/** The body and answer of `lf.approval.decide-gate` (contracts). */
export type GateDecisionMessage = DecideGateRequest;
export type GateDecisionResult = DecideGateResult;

/** The gateway's calls to the other services over NATS request/reply (errors keep the callee's code). */
@Injectable()
export class ServicesClient {
  constructor(@Inject(NATS_CONNECTION) private readonly nc: NatsConnection) {}

  /** `caller`: who starts it, as authenticated (see `Authenticator.forwardedCaller`); none for a webhook delivery. */
  startRun(trigger: TriggerMessage & ForwardedCaller): Promise<StartRunResult> {
    return requestJson<StartRunResult>(this.nc, subjects.plannerStartRun, trigger, { timeoutMs: TIMEOUT_MS });
  }

  decideGate(request: GateDecisionMessage): Promise<GateDecisionResult> {
    return requestJson<GateDecisionResult>(this.nc, subjects.approvalDecideGate, request, { timeoutMs: TIMEOUT_MS });
  }

  /** A definition version to the planner, the one writer of workflow streams (see WorkflowsController.register). */
  registerWorkflow(request: RegisterWorkflowRequest): Promise<RegisterWorkflowResult> {
    return requestJson<RegisterWorkflowResult>(this.nc, subjects.plannerRegisterWorkflow, request, { timeoutMs: TIMEOUT_MS });
  }

  /** A policy pack version to the policy service, the one writer of pack streams (see PolicyPacksController.register). */
  registerPolicyPack(request: RegisterPolicyPackRequest): Promise<RegisterPolicyPackResult> {
    return requestJson<RegisterPolicyPackResult>(this.nc, subjects.policyRegisterPack, request, { timeoutMs: TIMEOUT_MS });
  }

  stepStats(workflowId: string): Promise<StepStats[]> {
    return requestJson<StepStats[]>(this.nc, subjects.memoryStepStats, { workflowId }, { timeoutMs: TIMEOUT_MS });
  }
}
