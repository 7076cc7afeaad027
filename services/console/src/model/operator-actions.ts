import type { RunState } from '@ledgerflow/domain';

/**
 * Which operator actions the console offers for a run (docs/operations.md, "Failure handling and operator actions"),
 * and the request each one sends. Offering is a convenience: the gateway (the planner, deciding against the Run
 * aggregate) stays the judge, and the console shows its refusal as it answered.
 */
export type OperatorAction = 'retry' | 'skip' | 'cancel' | 'pause' | 'resume';

/** An action on one step of the plan. */
export interface StepAction {
  readonly action: 'retry' | 'skip';
  readonly stepId: string;
  readonly stepName: string;
}

const ENDED = new Set(['completed', 'failed', 'cancelled', 'none']);

/** Pause while running, resume while paused, cancel until the run ends; nothing once it ended. */
export function runActionsOf(state: RunState): Array<'pause' | 'resume' | 'cancel'> {
  switch (state.status) {
    case 'running':
      return ['pause', 'cancel'];
    case 'paused':
      return ['resume', 'cancel'];
    case 'queued':
      return ['cancel'];
    default:
      return [];
  }
}

/**
 * Retry for each step that failed for good; skip for each optional step that is failed or has not started
 * (pending, blocked, retry scheduled), in plan order. None once the run ended.
 */
export function stepActionsOf(state: RunState): StepAction[] {
  if (ENDED.has(state.status) || !state.plan) return [];
  const actions: StepAction[] = [];
  for (const step of state.plan.steps) {
    const status = state.steps[step.id]?.status ?? 'pending';
    if (status === 'failed') actions.push({ action: 'retry', stepId: step.id, stepName: step.name });
    if (step.optional && ['failed', 'pending', 'blocked', 'retry_scheduled'].includes(status))
      actions.push({ action: 'skip', stepId: step.id, stepName: step.name });
  }
  return actions;
}

/** The plan's agents other than the step's own that hold the step's `tool.action` capability: the substitutes a retry may name. */
export function substituteAgentsOf(state: RunState, stepId: string): string[] {
  const step = state.plan?.steps.find((candidate) => candidate.id === stepId);
  if (!step || !state.plan) return [];
  const capability = `${step.tool}.${step.action}`;
  return Object.entries(state.plan.agents)
    .filter(([agent, capabilities]) => agent !== step.agent && capabilities.includes(capability))
    .map(([agent]) => agent)
    .sort();
}

/** Whether the API requires a reason for `action` (skip, cancel) or only accepts one. */
export const reasonRequired = (action: OperatorAction): boolean => action === 'skip' || action === 'cancel';

/**
 * The request of `action` on run `runId`: `POST /v1/runs/{runId}/{action}` with its body (`stepId` for retry and
 * skip, `agent` for a retry as a substitute, `reason` when given). An empty reason or agent is left out.
 */
export function operatorRequestOf(
  runId: string,
  action: OperatorAction,
  options: { stepId?: string; agent?: string; reason?: string },
): { path: string; body: Record<string, string> } {
  const body: Record<string, string> = {};
  if ((action === 'retry' || action === 'skip') && options.stepId) body['stepId'] = options.stepId;
  if (action === 'retry' && options.agent) body['agent'] = options.agent;
  const reason = options.reason?.trim();
  if (reason) body['reason'] = reason;
  return { path: `/v1/runs/${encodeURIComponent(runId)}/${action}`, body };
}
