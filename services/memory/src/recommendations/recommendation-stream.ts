import { memoryStreamId, nameBasedUuid } from '@ledgerflow/contracts';
import type {
  Actor,
  MemoryEventType,
  RecommendationApplied,
  RecommendationDecided,
  RecommendationImpactMeasured,
  RecommendationProposed,
  RecommendationView,
} from '@ledgerflow/contracts';
import { ConcurrencyError, DuplicateEventError } from '@ledgerflow/event-store';
import type { EventStore, StoredEvent } from '@ledgerflow/event-store';

/** A recommendation event as memory appends it: one of the recommendation types of the memory stream, with its data. */
export type RecommendationEvent =
  | { readonly type: 'RecommendationProposed'; readonly data: RecommendationProposed }
  | { readonly type: 'RecommendationAccepted' | 'RecommendationRejected'; readonly data: RecommendationDecided }
  | { readonly type: 'RecommendationApplied'; readonly data: RecommendationApplied }
  | { readonly type: 'RecommendationImpactMeasured'; readonly data: RecommendationImpactMeasured };

/**
 * The recommendations of one workflow folded from `memory-<workflowId>`: by id, in the order proposed; `revision`
 * the stream's last revision (-1: no stream), the expected revision of the next append. Other memory events
 * (`DriftDetected`, `EvaluationRecorded`) only advance the revision.
 */
export interface RecommendationsState {
  readonly revision: number;
  readonly recommendations: ReadonlyMap<string, RecommendationView>;
}

export const initialRecommendations = (): RecommendationsState => ({ revision: -1, recommendations: new Map() });

/** Folds one stored event of a memory stream (an unknown type, or a decision on an unknown id, only advances the revision). */
export function evolveRecommendations(
  state: RecommendationsState,
  event: Pick<StoredEvent, 'type' | 'data' | 'revision'>,
): RecommendationsState {
  const next = new Map(state.recommendations);
  const folded = event as RecommendationEvent;
  const current = next.get((folded.data as { recommendationId?: string })?.recommendationId ?? '');
  switch (folded.type) {
    case 'RecommendationProposed':
      if (current === undefined) next.set(folded.data.recommendationId, { ...folded.data, status: 'proposed' });
      break;
    case 'RecommendationAccepted':
    case 'RecommendationRejected':
      if (current !== undefined) {
        const { decidedBy, decidedAt, comment } = folded.data;
        next.set(current.recommendationId, {
          ...current,
          status: folded.type === 'RecommendationAccepted' ? 'accepted' : 'rejected',
          decidedBy,
          decidedAt,
          ...(comment === undefined ? {} : { comment }),
        });
      }
      break;
    case 'RecommendationApplied':
      if (current !== undefined)
        next.set(current.recommendationId, { ...current, status: 'applied', applied: folded.data });
      break;
    case 'RecommendationImpactMeasured':
      if (current !== undefined) next.set(current.recommendationId, { ...current, impact: folded.data });
      break;
    default:
      break;
  }
  return { revision: event.revision, recommendations: next };
}

export const foldRecommendations = (events: Iterable<Pick<StoredEvent, 'type' | 'data' | 'revision'>>) => {
  let state = initialRecommendations();
  for (const event of events) state = evolveRecommendations(state, event);
  return state;
};

/** Most attempts of one `RecommendationStream.update` (each re-reads the stream after a conflict). */
export const MAX_APPEND_ATTEMPTS = 5;

/**
 * Reads and appends the recommendation events of `memory-<workflowId>` (docs/memory.md). Appends are optimistic:
 * with the expected revision of the state the change was decided on; on a conflict (another replica, or another
 * writer of the stream such as drift detection, appended first) the stream is read again and the change decided
 * again, up to {@link MAX_APPEND_ATTEMPTS} times. Event ids are name-based (recommendation id and type), so one
 * recommendation holds at most one event of each type even when two replicas race.
 */
export class RecommendationStream {
  constructor(
    private readonly store: EventStore,
    /** The appending service's own actor (`{ kind: 'service', id: 'memory' }`). */
    readonly service: Actor,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async read(workflowId: string): Promise<RecommendationsState> {
    return foldRecommendations(await this.store.readStream(memoryStreamId(workflowId)));
  }

  /**
   * Decides events on the current state and appends them (none: nothing written); returns the state after.
   * `actor`: the event's `metadata.actor` (default the service); `causationId` the command or batch behind it.
   * @throws ConcurrencyError `store_concurrency` (retryable) after {@link MAX_APPEND_ATTEMPTS} conflicts; whatever
   *   `decide` throws (nothing is appended then); the store's errors.
   */
  async update(
    workflowId: string,
    decide: (state: RecommendationsState) => readonly RecommendationEvent[],
    options: { readonly causationId: string; readonly actor?: Actor },
  ): Promise<RecommendationsState> {
    for (let attempt = 1; ; attempt += 1) {
      const state = await this.read(workflowId);
      const events = decide(state);
      if (events.length === 0) return state;
      try {
        await this.store.append(
          memoryStreamId(workflowId),
          events.map((event) => ({
            type: event.type satisfies MemoryEventType,
            data: event.data,
            metadata: {
              eventId: nameBasedUuid(`${event.data.recommendationId}\n${event.type}`),
              runId: '',
              causationId: options.causationId,
              actor: options.actor ?? this.service,
              occurredAt: this.clock().toISOString(),
              schemaVersion: 1,
            },
          })),
          { expectedRevision: state.revision < 0 ? 'no_stream' : state.revision },
        );
      } catch (error) {
        const raced = error instanceof ConcurrencyError || error instanceof DuplicateEventError;
        if (!raced || attempt >= MAX_APPEND_ATTEMPTS) throw error;
        await new Promise((resolve) => setTimeout(resolve, 5 * 2 ** attempt));
        continue;
      }
      return foldRecommendations([...(await this.store.readStream(memoryStreamId(workflowId), { fromRevision: 0 }))]);
    }
  }
}
