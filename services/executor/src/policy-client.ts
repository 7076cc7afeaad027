import type { NatsConnection } from '@nats-io/nats-core';
import { LRUCache } from 'lru-cache';
import type { PlanStep, RunState } from '@ledgerflow/domain';
import { subjects } from '@ledgerflow/contracts';
import type { PolicyEvaluateRequest, PolicyEvaluation } from '@ledgerflow/contracts';
import { requestJson } from '@ledgerflow/messaging';
import { SpanAttr, withSpan } from '@ledgerflow/telemetry';
import type { Context } from '@ledgerflow/telemetry';

/** Grants kept for dispatch, by idempotency key, least recently used evicted first; a grant lives minutes, so a few thousand is plenty. */
const MAX_GRANTS = 5000;

/** One step attempt as the executor asks about it: its persisted (tokenized) input and the digest of the input the tool will receive. */
export interface AttemptToEvaluate {
  readonly state: RunState;
  readonly step: PlanStep;
  readonly attempt: number;
  /** The resolved input as persisted (PII tokenized): the decision's facts. */
  readonly input: unknown;
  /** `inputDigestOf` the revealed input (PII tokens replaced), exactly what the tool call carries. */
  readonly inputDigest: string;
  readonly idempotencyKey: string;
}

/**
 * The executor's side of `lf.policy.evaluate`. The request names the attempt (run, step, attempt) and carries
 * what only the executor computes: the input and the digest of the input the tool will receive (the policy
 * service never sees plaintext PII); the policy service reads everything else from the run's events.
 * Keeps the grant of each allowing decision in memory (grants are never recorded), with the digest it binds,
 * until its tool call is dispatched. When a dispatch finds no grant for that digest (the step starts in a
 * later pass, e.g. after its gate was approved, or a restarted executor re-dispatches a step left running),
 * it asks the policy service again for the same attempt: decisions are deterministic, and this second
 * answer is not recorded.
 */
export class PolicyClient {
  private readonly grants = new LRUCache<string, { grant: string; inputDigest: string }>({ max: MAX_GRANTS });

  constructor(
    private readonly nc: NatsConnection,
    private readonly timeoutMs: number,
  ) {}

  /** Asks for a decision about one step attempt; remembers its grant (if any) under the idempotency key. */
  async evaluate(attempt: AttemptToEvaluate, parent?: Context): Promise<PolicyEvaluation> {
    const attributes = {
      [SpanAttr.runId]: attempt.state.runId ?? '',
      [SpanAttr.stepId]: attempt.step.id,
      [SpanAttr.attempt]: attempt.attempt,
    };
    const evaluation = await withSpan('executor.policy-check', { parent, attributes }, () =>
      requestJson<PolicyEvaluation>(this.nc, subjects.policyEvaluate, requestOf(attempt), {
        timeoutMs: this.timeoutMs,
      }),
    );
    if (evaluation.grant)
      this.grants.set(attempt.idempotencyKey, { grant: evaluation.grant, inputDigest: attempt.inputDigest });
    return evaluation;
  }

  /**
   * The grant for a dispatch: the remembered one for this digest (consumed), else a fresh one; without a
   * grant, `withheld` says why the run's events do not let the attempt run (the worker will refuse the call).
   */
  async grantFor(attempt: AttemptToEvaluate, parent?: Context): Promise<Pick<PolicyEvaluation, 'grant' | 'withheld'>> {
    const remembered = this.grants.get(attempt.idempotencyKey);
    this.grants.delete(attempt.idempotencyKey);
    if (remembered && remembered.inputDigest === attempt.inputDigest) return { grant: remembered.grant };
    const { grant, withheld } = await this.evaluate(attempt, parent);
    this.grants.delete(attempt.idempotencyKey);
    return { ...(grant ? { grant } : {}), ...(withheld ? { withheld } : {}) };
  }
}

function requestOf({ state, step, attempt, input, inputDigest }: AttemptToEvaluate): PolicyEvaluateRequest {
  return { runId: state.runId ?? '', stepId: step.id, attempt, input, inputDigest };
}
