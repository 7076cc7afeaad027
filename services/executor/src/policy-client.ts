import type { NatsConnection } from '@nats-io/nats-core';
import type { PlanStep, RunState } from '@ledgerflow/domain';
import { subjects } from '@ledgerflow/contracts';
import type { PolicyEvaluateRequest, PolicyEvaluation } from '@ledgerflow/contracts';
import { requestJson } from '@ledgerflow/messaging';
import { withSpan } from '@ledgerflow/telemetry';
import type { Context } from '@ledgerflow/telemetry';

/** Grants kept for dispatch, by idempotency key; a grant lives minutes, so a few thousand is plenty. */
const MAX_GRANTS = 5000;

/**
 * The executor's side of `lf.policy.evaluate`. Keeps the grant of each allowing decision in memory
 * (grants are never recorded) until its tool call is dispatched. When a dispatch finds no grant (the step
 * starts in a later pass, or a restarted executor re-dispatches a step left running), it asks the policy
 * service again for the same attempt: decisions are deterministic, and this second answer is not recorded.
 */
export class PolicyClient {
  private readonly grants = new Map<string, string>();

  constructor(
    private readonly nc: NatsConnection,
    private readonly timeoutMs: number,
  ) {}

  /** Asks for a decision about one step attempt; remembers its grant under `idempotencyKey`. */
  async evaluate(state: RunState, step: PlanStep, attempt: number, input: unknown, idempotencyKey: string, parent?: Context): Promise<PolicyEvaluation> {
    const evaluation = await withSpan(`policy ${step.id}`, { parent }, () =>
      requestJson<PolicyEvaluation>(this.nc, subjects.policyEvaluate, requestOf(state, step, attempt, input), { timeoutMs: this.timeoutMs }),
    );
    if (evaluation.grant) this.remember(idempotencyKey, evaluation.grant);
    return evaluation;
  }

  /** The grant for a dispatch: the remembered one (consumed), else a fresh one; undefined when policy no longer allows. */
  async grantFor(state: RunState, step: PlanStep, attempt: number, input: unknown, idempotencyKey: string, parent?: Context): Promise<string | undefined> {
    const remembered = this.grants.get(idempotencyKey);
    this.grants.delete(idempotencyKey);
    if (remembered) return remembered;
    const evaluation = await this.evaluate(state, step, attempt, input, idempotencyKey, parent);
    this.grants.delete(idempotencyKey);
    return evaluation.grant;
  }

  private remember(key: string, grant: string): void {
    this.grants.set(key, grant);
    if (this.grants.size > MAX_GRANTS) {
      const oldest = this.grants.keys().next().value;
      if (oldest !== undefined) this.grants.delete(oldest);
    }
  }
}

function requestOf(state: RunState, step: PlanStep, attempt: number, input: unknown): PolicyEvaluateRequest {
  return {
    runId: state.runId ?? '',
    workflowId: state.workflowId ?? '',
    stepId: step.id,
    attempt,
    agent: step.agent,
    agentCapabilities: state.plan?.agents[step.agent] ?? [],
    tool: step.tool,
    action: step.action,
    policyTags: step.policyTags,
    input,
  };
}
