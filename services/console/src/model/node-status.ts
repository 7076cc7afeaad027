import { dependenciesSatisfied, underReview } from '@ledgerflow/domain';
import type { PlanStep, RunState } from '@ledgerflow/domain';

/**
 * How a plan step is drawn in the console (docs/console.md, "Run"): the domain's step status (`StepStatus` in
 * libs/domain/src/state.ts) folded into what a person watching the run needs to tell apart.
 * - `pending`: waits for its dependencies.
 * - `policy`: its dependencies are done and the policy service is deciding (or has just allowed) the attempt.
 * - `gate`: waiting at a gate (opened, or about to be opened by the approval service).
 * - `retrying`: an attempt failed and the next is scheduled.
 */
export type NodeStatus =
  'pending' | 'policy' | 'gate' | 'running' | 'retrying' | 'succeeded' | 'failed' | 'blocked' | 'skipped';

/** The label a person reads for each {@link NodeStatus}. */
export const NODE_STATUS_LABELS: Readonly<Record<NodeStatus, string>> = {
  pending: 'pending',
  policy: 'policy check',
  gate: 'waiting at gate',
  running: 'running',
  retrying: 'retry scheduled',
  succeeded: 'succeeded',
  failed: 'failed',
  blocked: 'blocked',
  skipped: 'skipped',
};

/** The display status of `step` in the folded run `state`. */
export function nodeStatusOf(state: RunState, step: PlanStep): NodeStatus {
  const current = state.steps[step.id];
  if (current === undefined) return dependenciesSatisfied(state, step) ? 'policy' : 'pending';
  switch (current.status) {
    case 'pending':
      return dependenciesSatisfied(state, step) ? 'policy' : 'pending';
    case 'ready':
      return 'policy';
    case 'awaiting_approval':
      return 'gate';
    case 'running':
      return 'running';
    case 'retry_scheduled':
      return 'retrying';
    case 'succeeded':
      // A success held for a confidence review waits at its gate before its dependants may start.
      return underReview(state, current) ? 'gate' : 'succeeded';
    case 'failed':
      return 'failed';
    case 'blocked':
      return 'blocked';
    case 'skipped':
      return 'skipped';
  }
}
