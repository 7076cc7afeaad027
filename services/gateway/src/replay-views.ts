import { checkpointsOf, diffValues, findCheckpoint, foldUpTo, lineageOf } from '@ledgerflow/domain';
import type { Checkpoint, RunState, StepLineage, ValueChange } from '@ledgerflow/domain';
import type { StoredEvent } from '@ledgerflow/event-store';

/** The body of `GET /v1/runs/{id}/checkpoints`. */
export interface CheckpointsView {
  readonly runId: string;
  /** The run's last stream revision. */
  readonly revision: number;
  readonly checkpoints: readonly Checkpoint[];
}

/** One step in the state view: its folded state, its plan facts and its lineage (see `lineageOf`). */
export type StepView = Record<string, unknown> & { readonly stepId: string; readonly lineage: StepLineage | null };

/** The body of `GET /v1/runs/{id}/state[?at=cp-N]`: the run's state folded up to a checkpoint (or all events). */
export interface StateView {
  readonly runId: string;
  /** The checkpoint folded up to; null for the latest state. */
  readonly at: string | null;
  /** The last revision folded (0-based). */
  readonly revision: number;
  /** When that revision was appended (`occurredAt`). */
  readonly occurredAt: string | null;
  readonly status: string;
  readonly workflowId?: string;
  readonly workflowVersion?: string;
  readonly forkedFrom?: RunState['forkedFrom'];
  readonly input?: unknown;
  readonly planRevision: number;
  readonly pause?: RunState['pause'];
  readonly failure?: RunState['failure'];
  readonly completedAt?: string;
  readonly steps: readonly StepView[];
  readonly gates: readonly unknown[];
}

/** The body of `GET /v1/runs/{id}/diff?from=cp-A&to=cp-B`: JSON Patch-style changes of the folded state. */
export interface DiffView {
  readonly runId: string;
  readonly from: string;
  readonly to: string;
  readonly changes: readonly ValueChange[];
}

export function checkpointsView(runId: string, events: readonly StoredEvent[]): CheckpointsView {
  return { runId, revision: events[events.length - 1]?.revision ?? -1, checkpoints: checkpointsOf(events) };
}

/** The folded state at `at` (a checkpoint id) or, without it, after every event; with its revision. */
export function stateAtCheckpoint(
  events: readonly StoredEvent[],
  at: string | undefined,
): { state: RunState; revision: number } {
  const revision = at === undefined ? (events[events.length - 1]?.revision ?? -1) : findCheckpoint(events, at).revision;
  return { state: foldUpTo(events, revision), revision };
}

/**
 * The state view: run facts, and each plan step (in plan order) with its folded state, name, tool, action,
 * agent, and `lineage` (source, fresh, confidence, upstream steps, reviewed, carried over).
 * @throws LedgerflowError `checkpoint_unknown`.
 */
export function stateView(runId: string, events: readonly StoredEvent[], at: string | undefined): StateView {
  const { state, revision } = stateAtCheckpoint(events, at);
  const event = events.find((candidate) => candidate.revision === revision);
  return {
    runId,
    at: at ?? null,
    revision,
    occurredAt: event?.metadata.occurredAt ?? null,
    status: state.status,
    ...(state.workflowId === undefined ? {} : { workflowId: state.workflowId }),
    ...(state.workflowVersion === undefined ? {} : { workflowVersion: state.workflowVersion }),
    ...(state.forkedFrom === undefined ? {} : { forkedFrom: state.forkedFrom }),
    input: state.input,
    planRevision: state.planRevision,
    ...(state.pause === undefined ? {} : { pause: state.pause }),
    ...(state.failure === undefined ? {} : { failure: state.failure }),
    ...(state.completedAt === undefined ? {} : { completedAt: state.completedAt }),
    steps: (state.plan?.steps ?? []).map((step) => ({
      ...state.steps[step.id],
      stepId: step.id,
      name: step.name,
      tool: step.tool,
      action: step.action,
      agent: step.agent,
      lineage: lineageOf(state, step.id) ?? null,
    })),
    gates: Object.values(state.gates),
  };
}

/**
 * What changed in the folded state between two checkpoints (`from` before `to` or not: the diff is directed).
 * Paths are JSON Pointers into the state (`/steps/r3/status`, `/status`, ...), see `diffValues`.
 * @throws LedgerflowError `checkpoint_unknown` naming the first unknown one.
 */
export function diffView(runId: string, events: readonly StoredEvent[], from: string, to: string): DiffView {
  const before = stateAtCheckpoint(events, from).state;
  const after = stateAtCheckpoint(events, to).state;
  return {
    runId,
    from,
    to,
    changes: diffValues(JSON.parse(JSON.stringify(before)), JSON.parse(JSON.stringify(after))),
  };
}
