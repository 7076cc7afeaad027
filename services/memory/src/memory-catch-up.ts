import type { EventStore } from '@ledgerflow/event-store';
import type { MemoryProjection } from './memory.projection.js';
import type { ProjectedEvent } from './projected-event.js';

/** Events read from the store per catch-up page (one transaction each). */
export const CATCH_UP_PAGE_SIZE = 500;

/** What a catch-up did: events read, the position read through, and whether it ran at all. */
export interface CatchUpResult {
  readonly ran: boolean;
  readonly events: number;
  readonly position: number;
}

/**
 * Fills a projection that has not caught up yet (a new, deleted or emptied file: `memory_meta.catch_up_done` unset)
 * from the event store: every run event (streams `run-`) from position 0, or from where an interrupted catch-up
 * stopped, in pages of {@link CATCH_UP_PAGE_SIZE} applied one transaction each, the position saved with each page. The
 * JetStream consumer `memory` has acked what it delivered before, so without this a lost file would stay empty.
 * Events the consumer applies meanwhile are not applied twice (per-run revision high-water mark).
 * @param progress called after each page (e.g. to log).
 */
export async function catchUpFromStore(
  store: EventStore,
  projection: MemoryProjection,
  progress: (result: CatchUpResult) => void = () => undefined,
): Promise<CatchUpResult> {
  const state = projection.catchUpState();
  if (state.done) return { ran: false, events: 0, position: state.position };
  let position = state.position;
  let read = 0;
  for (;;) {
    const page = await store.readAll({ fromPosition: position, maxCount: CATCH_UP_PAGE_SIZE, streamPrefix: 'run-' });
    if (page.length > 0) {
      position = page[page.length - 1].position;
      read += page.length;
      projection.apply(page as unknown as ProjectedEvent[], position);
      progress({ ran: true, events: read, position });
    }
    if (page.length < CATCH_UP_PAGE_SIZE) break;
  }
  projection.markCaughtUp();
  return { ran: true, events: read, position };
}
