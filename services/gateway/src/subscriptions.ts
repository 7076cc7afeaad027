import { randomBytes, randomUUID } from 'node:crypto';
import { actorOf } from '@ledgerflow/contracts';
import type { Principal } from '@ledgerflow/contracts';
import { LedgerflowError } from '@ledgerflow/domain';
import { readAllPages } from '@ledgerflow/event-store';
import type { EventStore, StoredEvent } from '@ledgerflow/event-store';

/** Stream of one webhook subscription: `subscription-<subscriptionId>` (16 hex characters). */
export const subscriptionStreamId = (subscriptionId: string): string => `subscription-${subscriptionId}`;
const STREAM_PREFIX = 'subscription-';
/** A subscription's id: 16 lower-case hex characters. */
export const SUBSCRIPTION_ID = /^[0-9a-f]{16}$/;
/** Every run event type (`eventTypes: ['*']`). */
export const ALL_EVENT_TYPES = '*';

/**
 * `SubscriptionCreated`: deliver the run events of `eventTypes` (or `['*']`) of `workflowId` (or every workflow)
 * committed after it to `url`, signed with `secret` (Standard Webhooks, `whsec_<base64>`). The secret must be
 * kept to sign, so it is stored as given (the event store is the system of record; docs/operations.md,
 * "Outbound webhooks").
 */
export interface SubscriptionCreated {
  readonly subscriptionId: string;
  readonly url: string;
  readonly eventTypes: readonly string[];
  readonly workflowId?: string;
  readonly secret: string;
  readonly createdBy: string;
}

/** `SubscriptionDeleted`: nothing more is delivered; deliveries already scheduled are dropped. */
export interface SubscriptionDeleted {
  readonly subscriptionId: string;
  readonly deletedBy: string;
}

/** A subscription as listed (never its secret). Times are ISO-8601 UTC. */
export interface SubscriptionView {
  readonly id: string;
  readonly url: string;
  readonly eventTypes: readonly string[];
  readonly workflowId?: string;
  readonly createdAt: string;
  readonly createdBy: string;
}

/** A live subscription as the dispatcher sees it: its secret, and the store position it was created at. */
export interface ActiveSubscription extends SubscriptionView {
  readonly secret: string;
  /** Global position of `SubscriptionCreated`: only events after it are delivered. */
  readonly createdPosition: number;
}

/**
 * Webhook subscriptions, as events (`subscription-<id>` streams), folded into memory and caught up from the
 * store's global position before each read, so every gateway replica sees a subscription as soon as it is
 * stored.
 */
export class Subscriptions {
  private readonly active = new Map<string, ActiveSubscription>();
  private readonly deleted = new Set<string>();
  private readonly listeners = new Set<() => void>();
  private position = 0;
  /** The catch-up passes, one after the other. */
  private passes: Promise<void> = Promise.resolve();
  /** The next pass, shared by every caller until it starts. */
  private next?: Promise<void>;
  /** Event types some live subscription wants (`*` included), and whether one filters by workflow. */
  private types = new Set<string>();
  private byWorkflow = false;

  constructor(
    private readonly store: EventStore,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /**
   * Stores a subscription; `secret` defaults to a fresh `whsec_` + 32 random bytes (base64).
   * @returns its view and its secret (the only time the secret is answered).
   */
  async create(
    input: { url: string; eventTypes: readonly string[]; workflowId?: string; secret?: string },
    who: Principal,
  ): Promise<SubscriptionView & { secret: string }> {
    const subscriptionId = randomBytes(8).toString('hex');
    const secret = input.secret ?? `whsec_${randomBytes(32).toString('base64')}`;
    const eventTypes = input.eventTypes.includes(ALL_EVENT_TYPES) ? [ALL_EVENT_TYPES] : [...new Set(input.eventTypes)];
    const data: SubscriptionCreated = {
      subscriptionId,
      url: input.url,
      eventTypes,
      ...(input.workflowId ? { workflowId: input.workflowId } : {}),
      secret,
      createdBy: who.id,
    };
    await this.store.append(
      subscriptionStreamId(subscriptionId),
      [{ type: 'SubscriptionCreated', data, metadata: this.metadataOf(subscriptionId, who) }],
      { expectedRevision: 'no_stream' },
    );
    await this.catchUp();
    return { ...this.view(subscriptionId), secret };
  }

  /** Live subscriptions, oldest first. */
  async list(): Promise<SubscriptionView[]> {
    await this.catchUp();
    return [...this.active.keys()].map((id) => this.view(id));
  }

  /** @throws LedgerflowError `subscription_not_found` (404) for an unknown or deleted id. */
  async get(subscriptionId: string): Promise<SubscriptionView> {
    await this.catchUp();
    return this.view(subscriptionId);
  }

  /** @throws LedgerflowError `subscription_not_found` (404) for an id never created (a deleted one passes). */
  async assertKnown(subscriptionId: string): Promise<void> {
    await this.catchUp();
    if (!this.deleted.has(subscriptionId)) this.view(subscriptionId);
  }

  /**
   * Deletes a subscription (idempotent: deleting a deleted one appends nothing).
   * @throws LedgerflowError `subscription_not_found` (404) for an id never created.
   */
  async delete(subscriptionId: string, who: Principal): Promise<void> {
    await this.catchUp();
    if (this.deleted.has(subscriptionId)) return;
    this.view(subscriptionId);
    const data: SubscriptionDeleted = { subscriptionId, deletedBy: who.id };
    await this.store.append(
      subscriptionStreamId(subscriptionId),
      [{ type: 'SubscriptionDeleted', data, metadata: this.metadataOf(subscriptionId, who) }],
      { expectedRevision: 0 },
    );
    await this.catchUp();
  }

  /**
   * Live subscriptions, as of the last catch-up, that want an event of `eventType` of a run of `workflowId`,
   * committed at `position` (`undefined`: not known yet, any position after none is taken as matching). Call
   * {@link catchUp} first for subscriptions stored since.
   */
  matching(eventType: string, workflowId: string | undefined, position?: number): ActiveSubscription[] {
    if (!this.wants(eventType)) return [];
    return [...this.active.values()].filter(
      (s) =>
        (position === undefined || position > s.createdPosition) &&
        (s.eventTypes.includes(ALL_EVENT_TYPES) || s.eventTypes.includes(eventType)) &&
        (s.workflowId === undefined || s.workflowId === workflowId),
    );
  }

  /** Whether a live subscription (as of the last catch-up) wants events of `eventType`, of some workflow: no store read. */
  wants(eventType: string): boolean {
    return this.types.has(eventType) || this.types.has(ALL_EVENT_TYPES);
  }

  /**
   * Calls `listener` after a catch-up that created or deleted a subscription (here or on another replica).
   * @returns a function removing the listener.
   */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A live subscription with its secret, or undefined once deleted (or never created). */
  async find(subscriptionId: string): Promise<ActiveSubscription | undefined> {
    await this.catchUp();
    return this.active.get(subscriptionId);
  }

  /** Whether any live subscription filters by workflow (the dispatcher then needs each run's workflow). */
  get anyByWorkflow(): boolean {
    return this.byWorkflow;
  }

  /** Whether any subscription is live. */
  get any(): boolean {
    return this.active.size > 0;
  }

  /**
   * Applies every subscription event committed before this call: one store read (an index seek when nothing is
   * new) that starts after the call, shared by every caller of the same event-loop turn, so a burst of callers
   * costs one read. Passes never overlap.
   * @throws StoreUnavailableError when the store cannot be read.
   */
  catchUp(): Promise<void> {
    this.next ??= new Promise<void>((resolve, reject) => {
      setImmediate(() => {
        this.next = undefined;
        this.passes = this.passes.catch(() => undefined).then(() => this.readNew());
        this.passes.then(resolve, reject);
      });
    });
    return this.next;
  }

  private async readNew(): Promise<void> {
    let changed = false;
    this.position = await readAllPages(
      this.store,
      { fromPosition: this.position, streamPrefix: STREAM_PREFIX },
      (event) => {
        changed = this.apply(event) || changed;
      },
    );
    if (!changed) return;
    const live = [...this.active.values()];
    this.types = new Set(live.flatMap((s) => s.eventTypes));
    this.byWorkflow = live.some((s) => s.workflowId !== undefined);
    for (const listener of this.listeners) {
      try {
        listener();
      } catch {
        /* a listener's failure is its own */
      }
    }
  }

  /** @returns whether the set of live subscriptions changed. */
  private apply(event: StoredEvent): boolean {
    if (event.type === 'SubscriptionCreated') {
      const data = event.data as SubscriptionCreated;
      this.active.set(data.subscriptionId, {
        id: data.subscriptionId,
        url: data.url,
        eventTypes: data.eventTypes,
        ...(data.workflowId ? { workflowId: data.workflowId } : {}),
        createdAt: event.metadata.occurredAt,
        createdBy: data.createdBy,
        secret: data.secret,
        createdPosition: event.position,
      });
      return true;
    }
    if (event.type === 'SubscriptionDeleted') {
      const id = (event.data as SubscriptionDeleted).subscriptionId;
      this.deleted.add(id);
      return this.active.delete(id);
    }
    return false;
  }

  private metadataOf(subscriptionId: string, who: Principal) {
    const actor = actorOf(who, 'gateway');
    return {
      eventId: randomUUID(),
      runId: '',
      causationId: `subscription:${subscriptionId}`,
      actor,
      occurredAt: this.clock().toISOString(),
      schemaVersion: 1,
    };
  }

  private view(subscriptionId: string): SubscriptionView {
    const found = this.active.get(subscriptionId);
    if (!found)
      throw new LedgerflowError('subscription_not_found', `subscription ${subscriptionId} does not exist`, false, {
        subscriptionId,
      });
    const { secret: _secret, createdPosition: _position, ...view } = found;
    return view;
  }
}
