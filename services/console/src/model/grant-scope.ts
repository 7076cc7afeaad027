import { grantAudience } from '@ledgerflow/contracts';
import type { RunState } from '@ledgerflow/domain';
import type { RunEventRecord } from './run-events.js';

/**
 * What the grant of a step's current attempt allowed, from the events (the grant itself, a signed token, is never
 * recorded): the claims libs/contracts/src/grants.ts (`GrantClaims`) gives it. `audience` `lf.tool.<tool>.<action>`
 * (`grantAudience` there), `agent` its subject, the run/step/attempt and idempotency key of `StepStarted`, the
 * input digest of that input, and `auditId` its `jti` (the `StepPolicyEvaluated` decision it came with).
 */
export interface GrantScope {
  readonly audience: string;
  readonly agent: string;
  readonly attempt: number;
  readonly idempotencyKey: string;
  readonly auditId: string;
}

/** The grant scope of `stepId`'s current attempt, or undefined when it has not started under a policy decision. */
export function grantScopeOf(
  state: RunState,
  events: readonly RunEventRecord[],
  stepId: string,
): GrantScope | undefined {
  const step = state.steps[stepId];
  if (!step?.decision || step.decision.outcome === 'deny') return undefined;
  const started = [...events]
    .reverse()
    .find(
      (event) =>
        event.type === 'StepStarted' &&
        (event.data as { stepId?: string; attempt?: number }).stepId === stepId &&
        (event.data as { attempt?: number }).attempt === step.attempt,
    );
  if (!started) return undefined;
  const data = started.data as { attempt: number; idempotencyKey: string; agent: string; tool: string; action: string };
  return {
    audience: grantAudience(data.tool, data.action),
    agent: data.agent,
    attempt: data.attempt,
    idempotencyKey: data.idempotencyKey,
    auditId: step.decision.auditId,
  };
}
