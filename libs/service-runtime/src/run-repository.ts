import { LRUCache } from 'lru-cache';
import { randomUUID } from 'node:crypto';
import { chainEvents, eventHash, GENESIS, recordedHash, verifyContinuation } from '@ledgerflow/audit';
import type { ChainBroken } from '@ledgerflow/audit';
import { LedgerflowError, RUN_EVENT_UPCASTERS, evolve, initialState } from '@ledgerflow/domain';
import type { RunEvent, RunState, Upcasters, VersionedEvent } from '@ledgerflow/domain';
import { runStreamId } from '@ledgerflow/contracts';
import type { Actor, EventMetadata } from '@ledgerflow/contracts';
import { ConcurrencyError } from '@ledgerflow/event-store';
import type { EventStore, NewEvent, StoredEvent } from '@ledgerflow/event-store';
import { traceparentOf } from '@ledgerflow/telemetry';
import type { IntegrityAlarm } from './integrity-alarm.js';

/** A run folded from its stream. `revision` is the stream's last revision, -1 when the stream does not exist. */
export interface LoadedRun {
  readonly state: RunState;
  readonly revision: number;
  /** Metadata of the run's first event (RunTriggered): its `traceparent` is the run's root span. */
  readonly root?: EventMetadata;
  /**
   * Audit chain head: `metadata.hash` of the stream's last event; undefined when the stream is empty or its
   * last event was appended before the audit trail existed (the next append then starts the chain at GENESIS).
   */
  readonly head?: string;
  /**
   * Set when the stream's hash chain does not verify (an event altered, removed, inserted or reordered in the
   * store): the first event that fails. Such a run is folded as stored (so it can be shown, flagged) but never
   * acted on: {@link RunRepository.execute} refuses it with `integrity_failed`.
   */
  readonly integrity?: ChainBroken;
  /**
   * The last event as this process verified (or wrote) it: type, data and metadata as JSON text, so that the next
   * load can tell it is unchanged in the store by comparing text instead of hashing it again.
   */
  readonly headPrint?: string;
}

/**
 * The run's hash chain is broken (docs/operations.md, "Integrity"): code `integrity_failed`, not retryable;
 * `details` names the run, the first event that fails, its revision and the reason (`@ledgerflow/audit`).
 */
export class IntegrityError extends LedgerflowError {
  constructor(runId: string, broken: ChainBroken) {
    super(
      'integrity_failed',
      `run ${runId} fails its audit chain at event #${broken.revision} (${broken.eventId}): ${broken.message}; nothing is appended to it`,
      false,
      {
        runId,
        eventId: broken.eventId,
        revision: broken.revision,
        reason: broken.reason,
      },
    );
  }
}

/** What caused a change: the message or event id, and on whose behalf it was taken. */
export interface Causation {
  readonly causationId: string;
  /**
   * The person or service account whose command this is, as the calling service verified them (a bearer JWT, or a
   * service account the gateway authenticated): recorded as `metadata.actor` with `via` = this repository's own
   * actor. Absent for what a service does on its own (a step started, a gate escalated): the repository's actor.
   * Only `kind` and `id` are kept (never roles, teams or scopes).
   */
  readonly actor?: Actor;
}

/**
 * Decides the events of one change from the current state, at `now` (ISO-8601); may return [] (nothing to do).
 * `run` carries the stream's revision and root metadata (e.g. when the run was triggered).
 */
export type Decision = (state: RunState, now: string, run: LoadedRun) => readonly RunEvent[];

export interface ExecuteResult {
  readonly state: RunState;
  readonly revision: number;
  readonly appended: readonly RunEvent[];
}

const MAX_CONFLICT_RETRIES = 8;

/**
 * Loads runs (fold of `run-<runId>`) and appends decided events with the expected revision they were
 * decided on. A conflict (another process appended first) re-reads and decides again, at most
 * 8 times, then throws the ConcurrencyError (docs/events.md, "Streams, revisions and positions").
 *
 * Keeps the folded state of recently used runs, so a reload reads only the events appended since.
 *
 * Every appended event is chained for the audit trail (`@ledgerflow/audit`): its metadata gets `prevHash`
 * (the hash of the stream's previous event, GENESIS for the first) and `hash` (SHA-256 over its stream,
 * revision, type, data, metadata and `prevHash`). Events of one commit chain among themselves. The expected
 * revision guarantees that `prevHash` is the hash of the real predecessor: a conflicting append re-reads.
 */
export class RunRepository {
  /** Folds by run id, least recently used evicted first (an evicted run is no longer current either). */
  private readonly cache: LRUCache<string, LoadedRun>;
  /** Runs whose cached fold is as current as this process knows (see {@link trustOwnAppends}). */
  private readonly current = new Set<string>();
  private trusting = false;
  private alarm?: IntegrityAlarm;
  private upcasters: Upcasters = RUN_EVENT_UPCASTERS;

  constructor(
    private readonly store: EventStore,
    private readonly actor: Actor,
    private readonly clock: () => Date = () => new Date(),
    cacheSize = 2000,
  ) {
    this.cache = new LRUCache<string, LoadedRun>({
      max: cacheSize,
      dispose: (_loaded, runId, reason) => {
        if (reason === 'evict') this.current.delete(runId);
      },
    });
  }

  /**
   * Raise `alarm` (log, metric, `RunIntegrityFailed` event) whenever {@link load} finds a broken chain; the
   * services' repositories do (`runService`).
   */
  reportIntegrityTo(alarm: IntegrityAlarm): this {
    this.alarm = alarm;
    return this;
  }

  /**
   * Read and write event shapes with `upcasters` instead of this release's registry (`RUN_EVENT_UPCASTERS`): a test of
   * a change of shape. Call it before the first load (a cached fold is not read again).
   */
  upcastWith(upcasters: Upcasters): this {
    this.upcasters = upcasters;
    return this;
  }

  /**
   * For a process that is told of every event another process appends to a run it works on (the executor: its
   * durable consumers carry each event type others may append, and each relayed event it has not folded calls
   * {@link invalidate}): after this process appended to a run, or read it, {@link load} answers from the cached fold
   * without reading the store until {@link invalidate}. A decision taken on a fold that missed an event appended
   * meanwhile still cannot be recorded: the append's expected revision conflicts, and {@link execute} reads, verifies
   * and decides again. Every event read is still verified. Saves the read (and the check of the last event's hash)
   * of each load on the hot path: three per step in the executor.
   */
  trustOwnAppends(): this {
    this.trusting = true;
    return this;
  }

  /** The next {@link load} of the run reads the store (another process appended to it, or may have). */
  invalidate(runId: string): void {
    this.current.delete(runId);
  }

  /**
   * The run folded from its stream, verifying the hash chain of every event it folds (from the start, or since the
   * last event this process verified). A cached fold is used only while the store still holds that last event
   * unchanged (same revision, same hash); otherwise (events removed or rewritten) the run is folded again from
   * revision 0. A broken chain is reported in `integrity` (and to the alarm, see {@link reportIntegrityTo}),
   * never thrown here.
   */
  async load(runId: string): Promise<LoadedRun> {
    const loaded = await this.loadChecked(runId);
    if (loaded.integrity) await this.alarm?.raise(runId, loaded.integrity);
    return loaded;
  }

  private async loadChecked(runId: string): Promise<LoadedRun> {
    const streamId = runStreamId(runId);
    const cached = this.cache.get(runId);
    if (cached && this.trusting && this.current.has(runId)) return cached;
    if (cached) {
      const [overlap, ...fresh] = await this.store.readStream(streamId, { fromRevision: cached.revision });
      if (overlap !== undefined && unchanged(overlap, cached)) {
        if (fresh.length === 0) {
          this.remember(runId, cached, true);
          return cached;
        }
        return this.fold(runId, cached, fresh);
      }
      // The store no longer holds the last event this process verified, as it was: fold again from the start, and
      // flag the run even when the rest verifies (events were removed or rewritten behind the chain's back).
      this.forget(runId);
      const refolded = this.fold(runId, undefined, await this.store.readStream(streamId));
      if (refolded.integrity) return refolded;
      this.forget(runId);
      const integrity: ChainBroken = {
        ok: false,
        index: cached.revision,
        eventId: String(overlap?.metadata.eventId ?? ''),
        revision: cached.revision,
        reason: 'head_mismatch',
        message: `event #${cached.revision} (hash ${cached.head ?? 'none'}) that this process verified is ${overlap ? 'altered' : 'gone'} in the store: events were removed or rewritten`,
      };
      return { ...refolded, integrity };
    }
    return this.fold(runId, undefined, await this.store.readStream(streamId));
  }

  /**
   * {@link load}, for a process about to act on the run (decide, grant, dispatch).
   * @throws IntegrityError `integrity_failed` when the run's hash chain does not verify.
   */
  async loadVerified(runId: string): Promise<LoadedRun> {
    const loaded = await this.load(runId);
    if (loaded.integrity) throw new IntegrityError(runId, loaded.integrity);
    return loaded;
  }

  private fold(runId: string, base: LoadedRun | undefined, events: readonly StoredEvent[]): LoadedRun {
    const verified = verifyContinuation(
      events,
      { revision: base?.revision ?? -1, ...(base?.head ? { head: base.head } : {}) },
      { streamId: runStreamId(runId) },
    );
    let state = base?.state ?? initialState();
    for (const event of events) state = evolve(state, this.upcast(event) as unknown as RunEvent);
    const revision = events.length > 0 ? events[events.length - 1].revision : (base?.revision ?? -1);
    const root = base?.root ?? (events[0]?.revision === 0 ? events[0].metadata : undefined);
    const last = events[events.length - 1];
    const head = last ? recordedHash(last) : base?.head;
    const headPrint = last ? printOf(last) : base?.headPrint;
    const loaded: LoadedRun = {
      state,
      revision,
      root,
      head,
      ...(headPrint === undefined ? {} : { headPrint }),
      ...(verified.ok ? {} : { integrity: verified }),
    };
    // A broken run is not cached: every load reads and verifies it again.
    if (revision >= 0 && verified.ok) this.remember(runId, loaded, true);
    return loaded;
  }

  /**
   * Decides and appends one change to a run.
   * @returns the new state and the events appended ([] when the decision returned none).
   * A conflicting append (another process appended since the fold) is decided again on the stored events after a
   * short random wait that doubles with each conflict (up to 0-64 ms), so replicas racing on one run spread out.
   * @throws DomainError from `decide` (not retried); ConcurrencyError after 8 conflicting attempts;
   *   IntegrityError `integrity_failed` when the run's hash chain does not verify (nothing is decided or appended).
   */
  async execute(runId: string, decision: Decision, causation: Causation): Promise<ExecuteResult> {
    for (let attempt = 1; ; attempt++) {
      const loaded = await this.loadVerified(runId);
      const now = this.clock().toISOString();
      const events = decision(loaded.state, now, loaded);
      if (events.length === 0) return { state: loaded.state, revision: loaded.revision, appended: [] };
      try {
        return await this.append(runId, loaded, events, causation, now);
      } catch (error) {
        if (!(error instanceof ConcurrencyError) || attempt >= MAX_CONFLICT_RETRIES) throw error;
        this.forget(runId);
        await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(64, 2 ** attempt)));
      }
    }
  }

  /** Every stored event of a run, in order, as stored (the audit chain covers this form). */
  async events(runId: string): Promise<StoredEvent[]> {
    return this.store.readStream(runStreamId(runId));
  }

  /**
   * Every event of a run, in order, with its data in the current shape (for views and folds of part of a run, e.g.
   * `foldUpTo`); `[]` when the run does not exist.
   * @throws EventVersionError `event_version_unsupported` for an event newer than this release reads.
   */
  async currentEvents(runId: string): Promise<StoredEvent[]> {
    return (await this.events(runId)).map((event) => this.upcast(event));
  }

  /**
   * A stored (or relayed) event with its data in its type's current shape, by this repository's upcasters.
   * @throws EventVersionError `event_version_unsupported` for an event newer than this release reads.
   */
  upcast<E extends VersionedEvent>(event: E): E {
    return this.upcasters.upcast(event);
  }

  /** The revision this process has folded the run up to, -1 when it holds no state for it. */
  cachedRevision(runId: string): number {
    return this.cache.get(runId)?.revision ?? -1;
  }

  /** Milliseconds from the run's `RunTriggered` to `now` (0 when unknown). */
  static runDurationMs(run: LoadedRun, now: string): number {
    const triggeredAt = run.root?.occurredAt;
    return triggeredAt ? Math.max(0, Date.parse(now) - Date.parse(triggeredAt)) : 0;
  }

  forget(runId: string): void {
    this.cache.delete(runId);
    this.current.delete(runId);
  }

  private async append(
    runId: string,
    loaded: LoadedRun,
    events: readonly RunEvent[],
    causation: Causation,
    now: string,
  ): Promise<ExecuteResult> {
    const trace = traceparentOf();
    const actor: Actor = causation.actor
      ? { kind: causation.actor.kind, id: causation.actor.id, via: this.actor.id }
      : this.actor;
    const unchained: NewEvent[] = events.map((event) => ({
      type: event.type,
      data: event.data,
      metadata: {
        eventId: randomUUID(),
        runId,
        causationId: causation.causationId,
        actor,
        occurredAt: now,
        ...(trace.traceparent ? { traceparent: trace.traceparent } : {}),
        ...(trace.tracestate ? { tracestate: trace.tracestate } : {}),
        schemaVersion: this.upcasters.currentVersion(event.type),
      },
    }));
    const chain = chainEvents(runStreamId(runId), loaded.revision + 1, unchained, loaded.head ?? GENESIS);
    const toStore: NewEvent[] = chain.events;
    const expectedRevision = loaded.revision < 0 ? 'no_stream' : loaded.revision;
    const result = await this.store.append(runStreamId(runId), toStore, { expectedRevision });
    let state = loaded.state;
    for (const event of events) state = evolve(state, event);
    const root = loaded.root ?? (loaded.revision < 0 ? toStore[0].metadata : undefined);
    const written = toStore[toStore.length - 1];
    const next: LoadedRun = {
      state,
      revision: result.nextExpectedRevision,
      root,
      head: chain.head,
      headPrint: printOf(written),
    };
    this.remember(runId, next, true);
    return { state, revision: next.revision, appended: events };
  }

  /** Caches a fold; `current`: it is as current as this process knows (just read or appended). */
  private remember(runId: string, loaded: LoadedRun, current = false): void {
    this.cache.set(runId, loaded);
    if (current) this.current.add(runId);
  }
}

/**
 * Whether `event` is still the last event a process verified: same revision, same recorded hash, and (for a hashed
 * event) content that still hashes to it, so a row edited in place is noticed too.
 */
function unchanged(event: StoredEvent, cached: LoadedRun): boolean {
  if (event.revision !== cached.revision || recordedHash(event) !== cached.head) return false;
  // The same text as verified: unchanged (the hash covers nothing else a row could change). Else hash it again:
  // a row rewritten with the same content (e.g. members in another order) still verifies.
  if (cached.headPrint !== undefined && printOf(event) === cached.headPrint) return true;
  const prevHash = (event.metadata as { prevHash?: unknown }).prevHash;
  return cached.head === undefined || (typeof prevHash === 'string' && eventHash(event, prevHash) === cached.head);
}

/** An event's type, data and metadata as JSON text (as the SQLite store keeps them): equal text, equal content. */
function printOf(event: { readonly type: string; readonly data?: unknown; readonly metadata: object }): string {
  return `${event.type}\n${JSON.stringify(event.data ?? null)}\n${JSON.stringify(event.metadata)}`;
}
