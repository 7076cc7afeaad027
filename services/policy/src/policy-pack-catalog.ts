import { randomUUID } from 'node:crypto';
import {
  POLICY_PACK_STREAM_PREFIX,
  POLICY_PACK_VERSION_REGISTERED,
  evolvePolicyPackVersions,
  initialPolicyPackVersions,
  policyPackStreamId,
  recordedActor,
} from '@ledgerflow/contracts';
import type {
  Actor,
  PolicyPackVersionRegistered,
  PolicyPackVersions,
  RegisterPolicyPackResult,
} from '@ledgerflow/contracts';
import { ConcurrencyError, readAllPages } from '@ledgerflow/event-store';
import type { EventStore, StoredEvent } from '@ledgerflow/event-store';
import { compilePolicyPacks, corePack, decidePackRegistration, readPackVersion } from '@ledgerflow/policy-engine';
import type { PolicyPack, PolicyPackSet } from '@ledgerflow/policy-engine';
import type { Logger } from '@ledgerflow/telemetry';
import { traceparentOf } from '@ledgerflow/telemetry';

/** Appends tried per registration when another replica appends to the same pack stream meanwhile. */
const MAX_ATTEMPTS = 5;

/**
 * The policy packs decisions use, following the event store (docs/policies.md, "Applying packs"): every
 * `PolicyPackVersionRegistered` of every `policypack-<name>` stream, whoever appended it, is folded; the active set is
 * the built-in `ledgerflow-core@1.0.0` plus the highest version (semver) of every pack, compiled once per change.
 *
 * Cost on the decision path: none while nothing moved. `forDecision()` returns the compiled set, and waits only
 * for a catch-up already under way (started by `notify`, i.e. a relayed pack event, or by the ~1 s timer of the host).
 * A catch-up reads each known pack stream past its folded revision (one indexed read per pack, empty when nothing
 * changed) and recompiles only when an active version changed.
 *
 * A stored version that no longer reads (a rule got stricter since) is logged and left out; the next lower one applies.
 */
export class PolicyPackCatalog {
  private readonly states = new Map<string, PolicyPackVersions>();
  private readonly parsed = new Map<string, PolicyPack | null>();
  private position = 0;
  private active: PolicyPackSet = compilePolicyPacks([corePack()]);
  private activeKey = '';
  private pending: Promise<void> | undefined;
  private readonly dirty = new Set<string>();
  private polling = false;

  constructor(
    private readonly store: EventStore,
    private readonly actor: Actor,
    private readonly logger?: Logger,
  ) {}

  /** The packs for a decision made now: the compiled set, after a catch-up under way (if any) finished. */
  forDecision(): PolicyPackSet | Promise<PolicyPackSet> {
    return this.pending === undefined ? this.active : this.pending.then(() => this.active);
  }

  /** The active set as compiled now. */
  get packs(): PolicyPackSet {
    return this.active;
  }

  /** Folds every pack stream from the start of the store (once, at start: one scan of the `policypack-` prefix). */
  async catchUpAll(): Promise<void> {
    this.position = await readAllPages(
      this.store,
      { fromPosition: this.position, streamPrefix: POLICY_PACK_STREAM_PREFIX },
      (event) => {
        this.apply(event.streamId.slice(POLICY_PACK_STREAM_PREFIX.length), [event]);
      },
    );
    this.activate();
  }

  /**
   * Marks pack streams as moved (`streamIds`: `policypack-<name>`, e.g. from a relayed event's subject; none: every
   * known pack) and catches up now; decisions wait for it. Errors are logged and the set stays as it was.
   */
  notify(...streamIds: string[]): Promise<void> {
    const packs =
      streamIds.length === 0
        ? [...this.states.keys()]
        : streamIds
            .filter((s) => s.startsWith(POLICY_PACK_STREAM_PREFIX))
            .map((s) => s.slice(POLICY_PACK_STREAM_PREFIX.length));
    for (const pack of packs) this.dirty.add(pack);
    this.pending ??= this.drain().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  /**
   * Catches every known pack stream up in the background (decisions do not wait): the host's timer. Skipped while a
   * catch-up is under way.
   */
  async poll(): Promise<void> {
    if (this.pending !== undefined || this.polling) return;
    this.polling = true;
    try {
      for (const pack of [...this.states.keys()]) await this.refresh(pack);
      this.activate();
    } catch (error) {
      this.logger?.error('policy packs not caught up; decisions keep the active set', {
        reason: (error as Error).message,
      });
    } finally {
      this.polling = false;
    }
  }

  /**
   * Registers a version (idempotent for the same digest) and activates it here before answering, so a decision
   * this replica makes after the reply uses it.
   * @throws PolicyPackVersionExistsError `policy_pack_version_exists` (409).
   * @throws ConcurrencyError (retryable) when 5 appends in a row lost a race; StoreUnavailableError, EventTooLargeError.
   */
  async register(candidate: PolicyPackVersionRegistered): Promise<RegisterPolicyPackResult> {
    const { pack, version, digest } = candidate;
    for (let attempt = 1; ; attempt += 1) {
      const state = await this.refresh(pack);
      const events = decidePackRegistration(state, candidate);
      if (events.length > 0) {
        try {
          await this.store.append(
            policyPackStreamId(pack),
            events.map((data) => this.newEvent(data)),
            { expectedRevision: state.revision === -1 ? 'no_stream' : state.revision },
          );
        } catch (error) {
          if (error instanceof ConcurrencyError && attempt < MAX_ATTEMPTS) continue;
          throw error;
        }
        await this.refresh(pack);
        this.logger?.info('policy pack version registered', {
          pack,
          version,
          digest,
          source: candidate.source,
          by: candidate.registeredBy.id,
        });
      }
      this.activate();
      return {
        pack,
        version,
        digest,
        created: events.length > 0,
        activeVersion: this.activeVersionOf(pack) ?? version,
      };
    }
  }

  /** The version of `pack` decisions use now, if any. */
  activeVersionOf(pack: string): string | undefined {
    return this.active.packs.find((p) => p.id === pack)?.version;
  }

  private async drain(): Promise<void> {
    try {
      while (this.dirty.size > 0) {
        const packs = [...this.dirty];
        this.dirty.clear();
        for (const pack of packs) await this.refresh(pack);
      }
      this.activate();
    } catch (error) {
      this.logger?.error('policy packs not caught up; decisions keep the active set', {
        reason: (error as Error).message,
      });
    }
  }

  private async refresh(pack: string): Promise<PolicyPackVersions> {
    const state = this.states.get(pack) ?? initialPolicyPackVersions(pack);
    return this.apply(
      pack,
      await this.store.readStream(policyPackStreamId(pack), { fromRevision: state.revision + 1 }),
    );
  }

  /** Folds events not folded yet (a scan and a stream read may return the same event). */
  private apply(pack: string, events: readonly StoredEvent[]): PolicyPackVersions {
    let state = this.states.get(pack) ?? initialPolicyPackVersions(pack);
    for (const event of events) if (event.revision > state.revision) state = evolvePolicyPackVersions(state, event);
    this.states.set(pack, state);
    return state;
  }

  /** Recompiles the active set when the highest readable version of some pack changed. */
  private activate(): void {
    const packs = [...this.states.values()]
      .map((state) => this.highestReadable(state))
      .filter((p): p is PolicyPack => p !== undefined);
    const key = packs
      .map((p) => `${p.id}@${p.version}#${p.digest}`)
      .sort()
      .join('\n');
    if (key === this.activeKey) return;
    this.active = compilePolicyPacks([corePack(), ...packs]);
    this.activeKey = key;
    this.logger?.info('policy packs active', {
      packs: this.active.packs.map((p) => `${p.id}@${p.version} (${p.kind})`),
    });
  }

  private highestReadable(state: PolicyPackVersions): PolicyPack | undefined {
    for (const version of state.versions) {
      const key = `${state.pack}@${version.version}#${version.digest}`;
      if (!this.parsed.has(key)) {
        try {
          this.parsed.set(key, readPackVersion(version).pack);
        } catch (error) {
          this.logger?.error('a stored policy pack version does not load; it is left out', {
            pack: state.pack,
            version: version.version,
            reason: (error as Error).message,
          });
          this.parsed.set(key, null);
        }
      }
      const pack = this.parsed.get(key);
      if (pack) return pack;
    }
    return undefined;
  }

  private newEvent(data: PolicyPackVersionRegistered) {
    const trace = traceparentOf();
    return {
      type: POLICY_PACK_VERSION_REGISTERED,
      data,
      metadata: {
        eventId: randomUUID(),
        runId: '',
        causationId: `policypack:${data.pack}@${data.version}`,
        actor: recordedActor(data.registeredBy, this.actor),
        occurredAt: new Date().toISOString(),
        schemaVersion: 1,
        ...(trace.traceparent ? { traceparent: trace.traceparent } : {}),
      },
    };
  }
}
