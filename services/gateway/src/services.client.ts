import { Inject, Injectable } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/nats-core';
import { subjects } from '@ledgerflow/contracts';
import type { StartRunResult, StepStats, TriggerMessage } from '@ledgerflow/contracts';
import type { ReviewerActor } from '@ledgerflow/domain';
import { requestJson } from '@ledgerflow/messaging';
import { NATS_CONNECTION } from '@ledgerflow/service-runtime';

const TIMEOUT_MS = 10_000;

/**
 * The body of `lf.approval.decide-gate`: `DecideGateRequest` of @ledgerflow/contracts extended with the
 * reviewer's roles and teams, outcome `redirect` with `revision`, and `correctedOutput`.
 */
export interface GateDecisionMessage {
  readonly gateId: string;
  readonly reviewer: ReviewerActor;
  readonly outcome: 'approve' | 'reject' | 'redirect';
  readonly comment?: string;
  readonly revision?: { readonly addSteps: ReadonlyArray<Record<string, unknown>>; readonly removeStepIds: readonly string[] };
  readonly correctedOutput?: unknown;
}

export interface GateDecisionResult {
  readonly gateId: string;
  readonly runId: string;
  readonly outcome: 'approved' | 'rejected' | 'redirected';
}

/** The gateway's calls to the other services over NATS request/reply (errors keep the callee's code). */
@Injectable()
export class ServicesClient {
  constructor(@Inject(NATS_CONNECTION) private readonly nc: NatsConnection) {}

  startRun(trigger: TriggerMessage): Promise<StartRunResult> {
    return requestJson<StartRunResult>(this.nc, subjects.plannerStartRun, trigger, { timeoutMs: TIMEOUT_MS });
  }

  decideGate(request: GateDecisionMessage): Promise<GateDecisionResult> {
    return requestJson<GateDecisionResult>(this.nc, subjects.approvalDecideGate, request, { timeoutMs: TIMEOUT_MS });
  }

  stepStats(workflowId: string): Promise<StepStats[]> {
    return requestJson<StepStats[]>(this.nc, subjects.memoryStepStats, { workflowId }, { timeoutMs: TIMEOUT_MS });
  }
}
