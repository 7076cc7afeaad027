import { LedgerflowError } from './errors.js';
import { RUN_EVENT_TYPES } from './events.js';
import type { RunEvent } from './events.js';

/** The stored metadata an upcaster may read (as written: `occurredAt`, `actor`, `schemaVersion`, ...). */
export type UpcastMetadata = Readonly<Record<string, unknown>>;

/**
 * Turns the `data` of one event type from version N into version N + 1. Pure (no clock, I/O or randomness): a field
 * the new shape has and the old one lacks is derived from `data` and `metadata` (e.g. `metadata.occurredAt`) or is
 * a documented default.
 */
export type Upcaster = (data: unknown, metadata: UpcastMetadata) => unknown;

/** One step of an event type's history: `upcast` takes `type`'s data from `fromVersion` to `fromVersion + 1`. */
export interface UpcasterRegistration {
  readonly type: string;
  readonly fromVersion: number;
  readonly upcast: Upcaster;
}

/** An event as read from the store: `metadata.schemaVersion` is the version of its `data` (absent: 1). */
export interface VersionedEvent {
  readonly type: string;
  readonly data?: unknown;
  readonly metadata?: object;
}

/**
 * A stored event's `schemaVersion` is newer than this code knows for its type (written by a newer release), or is
 * not a version at all: it is refused rather than read in a shape it does not have. Code `event_version_unsupported`,
 * retryable (a newer replica, or this one once upgraded, reads it); `details`: `{type, schemaVersion, currentVersion}`.
 */
export class EventVersionError extends LedgerflowError {
  constructor(type: string, schemaVersion: unknown, currentVersion: number) {
    super(
      'event_version_unsupported',
      `a stored ${type} event has schemaVersion ${JSON.stringify(schemaVersion)}; this release reads ${type} up to version ${currentVersion}: upgrade it to read events written by a newer one`,
      true,
      { type, schemaVersion, currentVersion },
    );
  }
}

/**
 * The upcaster registry (docs/events.md, "Versions and upcasting"): per event type, the chain of upcasters from
 * version 1 to the current version (`currentVersion` = the number of upcasters + 1). Reading applies the chain from
 * the stored event's `schemaVersion`; writing records `currentVersion`. Types it knows: the Run aggregate's catalog
 * and every type with an upcaster; an event of any other type passes through unchanged. Immutable: {@link with}
 * returns a new registry.
 * @throws Error at construction when a type's upcasters do not start at version 1 or leave a gap (a programming error).
 * @example new Upcasters([{ type: 'StepSucceeded', fromVersion: 1, upcast: (data) => ({ ...(data as object), cost: 0 }) }])
 */
export class Upcasters {
  private readonly chains = new Map<string, Upcaster[]>();
  private readonly known: ReadonlySet<string>;

  constructor(
    private readonly registrations: readonly UpcasterRegistration[] = [],
    private readonly knownTypes: readonly string[] = RUN_EVENT_TYPES,
  ) {
    const sorted = [...registrations].sort((a, b) => a.fromVersion - b.fromVersion);
    for (const { type, fromVersion, upcast } of sorted) {
      const chain = this.chains.get(type) ?? [];
      if (fromVersion !== chain.length + 1) {
        throw new Error(
          `upcaster of ${type} from version ${fromVersion}: expected version ${chain.length + 1} (a type's upcasters start at 1, one per version, no gap)`,
        );
      }
      chain.push(upcast);
      this.chains.set(type, chain);
    }
    this.known = new Set([...knownTypes, ...this.chains.keys()]);
  }

  /** This registry and `more` (e.g. a test's change of a type's shape). */
  with(...more: readonly UpcasterRegistration[]): Upcasters {
    return new Upcasters([...this.registrations, ...more], this.knownTypes);
  }

  /** The version of `type`'s data this code writes and folds: 1 + its upcasters. */
  currentVersion(type: string): number {
    return (this.chains.get(type)?.length ?? 0) + 1;
  }

  /**
   * `event` with its data in the current shape and `metadata.schemaVersion` the current version; the same object when
   * it is current already, or of a type this registry does not know.
   * @throws EventVersionError `event_version_unsupported` for a `schemaVersion` above the current one, or not a positive integer.
   */
  upcast<E extends VersionedEvent>(event: E): E {
    if (!this.known.has(event.type)) return event;
    const metadata = (event.metadata ?? {}) as UpcastMetadata;
    const stored = metadata['schemaVersion'] ?? 1;
    const current = this.currentVersion(event.type);
    if (typeof stored !== 'number' || !Number.isInteger(stored) || stored < 1 || stored > current) {
      throw new EventVersionError(event.type, stored, current);
    }
    if (stored === current) return event;
    const chain = this.chains.get(event.type) ?? [];
    let data = event.data;
    for (let version = stored; version < current; version++) data = chain[version - 1](data, metadata);
    return { ...event, data, metadata: { ...metadata, schemaVersion: current } };
  }
}

/** The registry of this release: every Run event type is at version 1 (no upcaster yet). */
export const RUN_EVENT_UPCASTERS = new Upcasters();

/** What reads an event in its current shape: an {@link Upcasters} registry, or a run repository (its `upcast`). */
export interface EventUpcast {
  upcast<E extends VersionedEvent>(event: E): E;
}

/** The data of the Run event type `T` as this release folds it (`RunEventData<'RunQueued'>`: `{workflowId, maxConcurrentRuns}`). */
export type RunEventData<T extends RunEvent['type']> = Extract<RunEvent, { type: T }>['data'];

/**
 * For a reader that needs a few fields of a stored (or relayed) Run event without folding it: its `data` in its
 * type's current shape (`upcasters.upcast`; docs/events.md, "Versions and upcasting"), typed as the domain's event;
 * `undefined` when `event` is not of type `type`. Fields are typed optional: stored data is not validated here, so a
 * reader still checks what it uses.
 * @throws EventVersionError `event_version_unsupported` (retryable) when `event` is of type `type` and its
 *   `schemaVersion` is newer than `upcasters` read, or not a positive integer.
 * @example currentDataOf(stored, 'RunTriggered')?.workflowId // string | undefined
 */
export function currentDataOf<T extends RunEvent['type']>(
  event: VersionedEvent,
  type: T,
  upcasters: EventUpcast = RUN_EVENT_UPCASTERS,
): Partial<RunEventData<T>> | undefined {
  if (event.type !== type) return undefined;
  const { data } = upcasters.upcast(event);
  return typeof data === 'object' && data !== null ? (data as Partial<RunEventData<T>>) : {};
}
