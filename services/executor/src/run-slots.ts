import { randomUUID } from 'node:crypto';
import {
  currentDataOf,
  decide,
  decideRunSlots,
  foldRunSlots,
  initialRunSlots,
  nextRunSlotGrant,
  RUN_SLOT_EVENT_TYPES,
} from '@ledgerflow/domain';
import type { RunSlotCommand, RunSlotEvent, RunSlotsState, RunState } from '@ledgerflow/domain';
import { runIdOfStream } from '@ledgerflow/contracts';
import type { Actor } from '@ledgerflow/contracts';
import { ConcurrencyError, readAllPages } from '@ledgerflow/event-store';
import type { EventStore, StoredEvent } from '@ledgerflow/event-store';
import type { LoadedRun, RunRepository } from '@ledgerflow/service-runtime';
import type { Logger } from '@ledgerflow/telemetry';

/** Prefix of the slot streams: `runslots-<workflowId>`, one per workflow id (docs/events.md, "Run slots"). */
export const RUN_SLOTS_STREAM_PREFIX = 'runslots-';
export const runSlotsStreamId = (workflowId: string): string => `${RUN_SLOTS_STREAM_PREFIX}${workflowId}`;

const MAX_CONFLICT_RETRIES = 8;
const ENDED: ReadonlySet<string> = new Set(['completed', 'failed', 'cancelled']);

export interface RunSlotsOptions {
  readonly store: EventStore;
  readonly runs: RunRepository;
  readonly logger: Logger;
  /** Recorded as the actor of every slot event (the executor's service actor). */
  readonly actor: Actor;
  readonly clock?: () => Date;
  /** Called for each run this process dequeued for another run's sake (a freed slot): reconcile it. */
  readonly onDequeued: (runId: string) => void;
}

interface Folded {
  readonly state: RunSlotsState;
  readonly revision: number;
}

/**
 * The executor's side of `maxConcurrentRuns`: keeps the semaphore stream `runslots-<workflowId>` (the pure rules are
 * `decideRunSlots` in libs/domain/src/run-slots.ts) and dequeues the runs it grants. One pass, for a workflow:
 * 1. every `RunQueued` of the workflow after the stream's horizon (a scan of `run-*` events from that position)
 *    is requested, so the queue is in trigger (store position) order whichever run's event an executor saw first;
 * 2. while the head of the queue finds a free slot: acquired, or released when its run has ended meanwhile;
 * 3. those events are appended at the revision they were decided on (a conflict with another replica re-reads and
 *    re-decides, at most 8 times), and only then is `RunDequeued` appended to each granted run.
 * A crash between 3's two appends leaves a holder still queued: its next reconcile (at the latest, startup recovery)
 * dequeues it. Passes for one workflow are serialized in this process; across processes the revision decides.
 * Cost: each pass reads the slot events appended since the last pass, and the run events since the workflow's latest
 * queued run; the folded streams are kept in memory, one per workflow.
 */
export class RunSlots {
  private readonly folded = new Map<string, Folded>();
  private readonly lanes = new Map<string, Promise<unknown>>();
  private readonly clock: () => Date;

  constructor(private readonly options: RunSlotsOptions) {
    this.clock = options.clock ?? (() => new Date());
  }

  /**
   * For a queued run (`state.status === 'queued'`, a plan with `maxConcurrentRuns`): a pass over its workflow, then
   * `RunDequeued` for this run when it holds a slot. @returns true when this call dequeued the run.
   * @throws the store's errors, ConcurrencyError after 8 conflicting passes (the caller retries later).
   */
  admit(runId: string, state: RunState): Promise<boolean> {
    const workflowId = limitedWorkflowOf(state);
    if (workflowId === undefined || state.status !== 'queued') return Promise.resolve(false);
    return this.serial(workflowId, async () => {
      const { state: slots, dequeued } = await this.pass(workflowId, runId, []);
      // Granted in this pass, or earlier by a process that died before appending `RunDequeued`.
      return dequeued.includes(runId) || (slots.holders.includes(runId) && (await this.dequeue(runId)));
    });
  }

  /** For an ended run of a limited workflow: gives its slot (or its place in the queue) back, then a pass. Idempotent. */
  async release(runId: string, state: RunState): Promise<void> {
    const workflowId = limitedWorkflowOf(state);
    if (workflowId === undefined || !ENDED.has(state.status)) return;
    await this.serial(workflowId, () => this.pass(workflowId, runId, [{ type: 'ReleaseRunSlot', data: { runId } }]));
  }

  /**
   * Startup recovery: for every slot stream, releases the slots of runs that ended (their release was lost with a
   * killed process), grants what is free, and dequeues holders still queued. Idempotent; reads every slot event once.
   */
  async recover(): Promise<void> {
    const workflows = new Set<string>();
    await readAllPages(this.options.store, { fromPosition: 0, streamPrefix: RUN_SLOTS_STREAM_PREFIX }, (event) => {
      workflows.add(event.streamId.slice(RUN_SLOTS_STREAM_PREFIX.length));
    });
    for (const workflowId of workflows) {
      await this.serial(workflowId, async () => {
        const { state } = await this.load(workflowId);
        const ended: RunSlotCommand[] = [];
        for (const holder of state.holders) {
          if (!isWaiting(await this.options.runs.load(holder)))
            ended.push({ type: 'ReleaseRunSlot', data: { runId: holder } });
        }
        const after = await this.pass(workflowId, 'recovery', ended);
        for (const holder of after.state.holders) if (await this.dequeue(holder)) this.options.onDequeued(holder);
      });
    }
  }

  /**
   * Decides and appends one pass (see the class comment); runs granted by it are dequeued in the order they acquired
   * their slots, and reported to `onDequeued` (all but `cause`, whose reconcile goes on by itself).
   */
  private async pass(
    workflowId: string,
    cause: string,
    first: readonly RunSlotCommand[],
  ): Promise<{ state: RunSlotsState; dequeued: string[] }> {
    for (let attempt = 1; ; attempt++) {
      const { state, revision } = await this.load(workflowId);
      const events = await this.decidePass(workflowId, state, first);
      if (events.length === 0) return { state, dequeued: [] };
      try {
        await this.append(workflowId, revision, events, cause);
      } catch (error) {
        if (!(error instanceof ConcurrencyError) || attempt >= MAX_CONFLICT_RETRIES) throw error;
        this.options.logger.debug('run slots: another executor appended first, deciding again', {
          workflowId,
          attempt,
        });
        continue;
      }
      const after = await this.load(workflowId);
      const dequeued: string[] = [];
      for (const event of events) {
        if (event.type !== 'RunSlotAcquired' || !(await this.dequeue(event.data.runId))) continue;
        dequeued.push(event.data.runId);
        if (event.data.runId !== cause) this.options.onDequeued(event.data.runId);
      }
      return { state: after.state, dequeued };
    }
  }

  private async decidePass(
    workflowId: string,
    from: RunSlotsState,
    first: readonly RunSlotCommand[],
  ): Promise<RunSlotEvent[]> {
    const events: RunSlotEvent[] = [];
    let state = from;
    const apply = (command: RunSlotCommand): void => {
      const decided = decideRunSlots(command, state);
      events.push(...decided);
      state = foldRunSlots(decided, state);
    };
    first.forEach(apply);
    (await this.unrequested(workflowId, state.horizon)).forEach(apply);
    for (let head = nextRunSlotGrant(state); head !== undefined; head = nextRunSlotGrant(state)) {
      const run = await this.options.runs.load(head.runId);
      if (run.integrity)
        this.options.logger.error('run slots: a queued run fails its audit chain and leaves the queue', {
          workflowId,
          runId: head.runId,
        });
      apply(
        isWaiting(run)
          ? { type: 'AcquireRunSlot', data: { runId: head.runId } }
          : { type: 'ReleaseRunSlot', data: { runId: head.runId } },
      );
    }
    return events;
  }

  /**
   * Requests for the workflow's `RunQueued` events after `horizon` (a store position), in position order, each read in
   * its current shape (`RunRepository.upcast`; docs/events.md, "Versions and upcasting").
   * @throws EventVersionError `event_version_unsupported` (retryable) at a `RunQueued` newer than this release reads,
   *   of any workflow (it cannot tell which): no slot is granted on a queue it cannot read; the reconcile that asked
   *   is retried, as for any run event it refuses, until a newer replica (or this one, upgraded) grants it.
   */
  private async unrequested(workflowId: string, horizon: number): Promise<RunSlotCommand[]> {
    const requests: RunSlotCommand[] = [];
    await readAllPages(this.options.store, { fromPosition: horizon, streamPrefix: 'run-' }, (event) => {
      const data = currentDataOf(event, 'RunQueued', this.options.runs);
      const runId = runIdOfStream(event.streamId);
      if (data?.workflowId !== workflowId || runId === undefined || typeof data.maxConcurrentRuns !== 'number') return;
      requests.push({
        type: 'RequestRunSlot',
        data: { runId, position: event.position, limit: data.maxConcurrentRuns },
      });
    });
    return requests;
  }

  /** Appends `RunDequeued` to a run still queued. @returns true when this call appended it. */
  private async dequeue(runId: string): Promise<boolean> {
    const result = await this.options.runs.execute(
      runId,
      (current, now) => (current.status === 'queued' ? decide({ type: 'DequeueRun', data: {} }, current, { now }) : []),
      { causationId: `run-slot:${runId}` },
    );
    if (result.appended.length > 0)
      this.options.logger.info('run dequeued: it holds a slot of its workflow', { runId });
    return result.appended.length > 0;
  }

  /** The slot stream folded, reading only the events appended since this process last folded it. */
  private async load(workflowId: string): Promise<Folded> {
    const known = this.folded.get(workflowId) ?? { state: initialRunSlots(), revision: -1 };
    const fresh = await this.options.store.readStream(runSlotsStreamId(workflowId), {
      fromRevision: known.revision + 1,
    });
    if (fresh.length === 0) return known;
    const next: Folded = {
      state: foldRunSlots(fresh.filter(isSlotEvent), known.state),
      revision: fresh[fresh.length - 1].revision,
    };
    this.folded.set(workflowId, next);
    return next;
  }

  private async append(
    workflowId: string,
    revision: number,
    events: readonly RunSlotEvent[],
    cause: string,
  ): Promise<void> {
    const occurredAt = this.clock().toISOString();
    const stored = events.map((event) => ({
      type: event.type,
      data: event.data,
      metadata: {
        eventId: randomUUID(),
        runId: event.data.runId,
        causationId: `run-slots:${cause}`,
        actor: this.options.actor,
        occurredAt,
        schemaVersion: 1,
      },
    }));
    await this.options.store.append(runSlotsStreamId(workflowId), stored, {
      expectedRevision: revision < 0 ? 'no_stream' : revision,
    });
  }

  /** Runs `work` after every earlier pass of the same workflow in this process. */
  private serial<T>(workflowId: string, work: () => Promise<T>): Promise<T> {
    const result = (this.lanes.get(workflowId) ?? Promise.resolve()).then(work);
    const tail = result.catch(() => undefined);
    this.lanes.set(workflowId, tail);
    void tail.then(() => {
      if (this.lanes.get(workflowId) === tail) this.lanes.delete(workflowId);
    });
    return result;
  }
}

/** The workflow id of a run whose plan declares `maxConcurrentRuns`, else undefined (the run takes no slot). */
function limitedWorkflowOf(state: RunState): string | undefined {
  return state.plan?.maxConcurrentRuns === undefined ? undefined : state.workflowId;
}

/** Still entitled to a slot: not ended, and its history verifies (a broken run is never acted on). */
function isWaiting(run: LoadedRun): boolean {
  return !ENDED.has(run.state.status) && run.integrity === undefined;
}

function isSlotEvent(event: StoredEvent): event is StoredEvent & RunSlotEvent {
  return RUN_SLOT_EVENT_TYPES.has(event.type);
}
