import { RUN_EVENT_UPCASTERS } from '@ledgerflow/domain';
import type { RunEventData, RunStatus, Upcasters } from '@ledgerflow/domain';
import type { EventStore, StoredEvent } from '@ledgerflow/event-store';
import { LRUCache } from 'lru-cache';

/** Prefix of run streams (`run-<runId>`, docs/architecture.md). */
export const RUN_STREAM_PREFIX = 'run-';

/** What the live streams need to know of a run at one revision: its status and workflow. */
export interface RunFacts {
  readonly revision: number;
  readonly status: RunStatus;
  readonly workflowId?: string;
}

const BEFORE_ANY_EVENT: RunFacts = { revision: -1, status: 'none' };

/**
 * The run status after an event of type `type`, `status` before it. Only the run-level events change it; this is
 * the part of the fold (`evolve` in libs/domain/src/evolve.ts) that the live streams need, checked against the
 * fold over the recorded corpus in stream-status.unit.spec.ts.
 */
export function runStatusAfter(status: RunStatus, type: string): RunStatus {
  switch (type) {
    case 'RunTriggered':
    case 'RunResumed':
    case 'RunDequeued':
      return 'running';
    case 'RunQueued':
      return 'queued';
    case 'RunPaused':
      return 'paused';
    case 'RunCompleted':
      return 'completed';
    case 'RunFailed':
      return 'failed';
    case 'RunCancelled':
      return 'cancelled';
    default:
      return status;
  }
}

/**
 * The facts after `event`, given those before it. `event` is in its type's current shape (the hub and
 * {@link RunFactsCache} upcast each stored event before it comes here).
 */
export function factsAfter(before: RunFacts, event: StoredEvent): RunFacts {
  const workflowId =
    event.type === 'RunTriggered' ? (event.data as Partial<RunEventData<'RunTriggered'>>).workflowId : undefined;
  return {
    revision: event.revision,
    status: runStatusAfter(before.status, event.type),
    ...(typeof workflowId === 'string'
      ? { workflowId }
      : before.workflowId === undefined
        ? {}
        : { workflowId: before.workflowId }),
  };
}

/** Terminal run statuses: the run stream ends after the event that reaches one. */
export const TERMINAL_STATUSES: ReadonlySet<RunStatus> = new Set(['completed', 'failed', 'cancelled']);

/**
 * Run facts by run id, kept as events are read in position order (each run's revisions in order). A run not
 * known at the revision before an event (first seen mid-stream, or evicted) is folded from its stream's start, each
 * event read in its type's current shape by `upcasters` (docs/events.md, "Versions and upcasting").
 * At most `capacity` runs are kept (least recently used dropped first); a run is dropped once terminal.
 */
export class RunFactsCache {
  private readonly runs: LRUCache<string, RunFacts>;

  constructor(
    private readonly store: EventStore,
    capacity = 10_000,
    private readonly upcasters: Upcasters = RUN_EVENT_UPCASTERS,
  ) {
    this.runs = new LRUCache({ max: capacity });
  }

  /**
   * The facts of `runId` after `event` (an event of `run-<runId>`, in its type's current shape).
   * @throws the store's read errors; EventVersionError `event_version_unsupported` when an event read to fold the run
   *   from its start is newer than this release reads.
   */
  async after(runId: string, event: StoredEvent): Promise<RunFacts> {
    const known = this.runs.get(runId);
    let facts: RunFacts;
    if (known?.revision === event.revision) facts = known;
    else if (known?.revision === event.revision - 1) facts = factsAfter(known, event);
    else if (event.revision === 0) facts = factsAfter(BEFORE_ANY_EVENT, event);
    else facts = await this.foldUpTo(event);
    this.remember(runId, facts);
    return facts;
  }

  private async foldUpTo(event: StoredEvent): Promise<RunFacts> {
    const events = await this.store.readStream(event.streamId, { fromRevision: 0, maxCount: event.revision + 1 });
    return events.reduce((facts, stored) => factsAfter(facts, this.upcasters.upcast(stored)), BEFORE_ANY_EVENT);
  }

  private remember(runId: string, facts: RunFacts): void {
    if (TERMINAL_STATUSES.has(facts.status)) this.runs.delete(runId);
    else this.runs.set(runId, facts);
  }
}
