import { decide, findCheckpoint, foldUpTo, LedgerflowError } from '@ledgerflow/domain';
import type { ForkOrigin } from '@ledgerflow/domain';
import type { RunRepository } from '@ledgerflow/service-runtime';
import { runIdFor } from '@ledgerflow/contracts';
import type { Actor } from '@ledgerflow/contracts';

/** The answer of `lf.planner.fork-run`: the forked run, and whether this call created it (false: it existed). */
export interface ForkRunResult {
  readonly runId: string;
  readonly created: boolean;
  readonly forkedFrom: ForkOrigin;
}

/** The idempotency key of a fork: one (origin run, checkpoint), one forked run. */
export function forkIdempotencyKey(originRunId: string, checkpointId: string): string {
  return `fork/${originRunId}/${checkpointId}`;
}

/**
 * Forks a run from one of its checkpoints (`POST /v1/runs/{id}/fork {at}`; docs/operations.md, "Replay, checkpoints, diff, fork"): reads the origin
 * run's events, folds them up to the checkpoint (`findCheckpoint`, `foldUpTo`) and appends to a NEW stream,
 * decided by the domain's `ForkRun`: `RunTriggered{forkedFrom}` + `PlanCreated` (the origin's plan at that
 * point) + the steps done by the checkpoint carried over (`StepSucceeded{carriedOver}` with their outputs and
 * lineage, or `StepSkipped{carriedOver}`). The executor then runs the rest anew, asking the policies in force.
 * The input is the origin's as stored (already tokenized: PII stays in the vault).
 *
 * Idempotent: the new run id is `runIdFor(workflowId, "fork/<originRunId>/<checkpointId>")`, so forking
 * twice at the same checkpoint returns the same run with `created: false`. `actor`: who forked it, as verified
 * (the new run's `metadata.actor`); absent: the planner.
 *
 * @throws LedgerflowError `run_not_found` (no such origin run), `checkpoint_unknown` (the origin has no such
 *   checkpoint); DomainError from `ForkRun` (`run_fork_origin_*`); ConcurrencyError after repeated conflicts.
 */
export class RunForker {
  constructor(private readonly runs: RunRepository) {}

  async fork(originRunId: string, checkpointId: string, actor?: Actor): Promise<ForkRunResult> {
    const events = await this.runs.currentEvents(originRunId);
    if (events.length === 0)
      throw new LedgerflowError('run_not_found', `run ${originRunId} does not exist`, false, { runId: originRunId });
    const checkpoint = findCheckpoint(events, checkpointId);
    const origin = foldUpTo(events, checkpoint.revision);
    const idempotencyKey = forkIdempotencyKey(originRunId, checkpoint.id);
    const runId = runIdFor(origin.workflowId ?? '', idempotencyKey);
    const forkedFrom: ForkOrigin = { runId: originRunId, checkpoint: checkpoint.id, revision: checkpoint.revision };
    const result = await this.runs.execute(
      runId,
      (state, now) =>
        state.status !== 'none'
          ? []
          : decide(
              { type: 'ForkRun', data: { runId, trigger: { source: 'api', idempotencyKey }, origin, forkedFrom } },
              state,
              { now },
            ),
      { causationId: idempotencyKey, ...(actor === undefined ? {} : { actor }) },
    );
    return { runId, created: result.appended.length > 0, forkedFrom };
  }
}
