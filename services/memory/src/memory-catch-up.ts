import type { EventStore } from '@ledgerflow/event-store';
import type { MemoryProjection } from './memory.projection.js';
import type { ProjectedEvent } from './projected-event.js';

/** Events read from the store per catch-up page (one transaction each). */
export const CATCH_UP_PAGE_SIZE = 500;

/**
 * What a catch-up did: whether it read any event (a rebuild, or events this file missed), how many, the position read
 * through, and the workflows whose figures changed.
 */
export interface CatchUpResult {
  readonly ran: boolean;
  readonly events: number;
  readonly position: number;
  readonly touched: ReadonlySet<string>;
}

/**
 * Brings a projection up to the store's head: every run event (streams `run-`) after the position the file applied
 * through (`catchUpState`: 0 for a new, deleted or emptied file; where an interrupted rebuild stopped; else the
 * highest position the consumer applied), in pages of {@link CATCH_UP_PAGE_SIZE} applied one transaction each, the
 * position saved with each page. The JetStream consumer `memory` has acked what it delivered before, to this replica
 * or to another that held the lease meanwhile, so without this a lost file would stay empty and a replica taking the
 * lease back would miss the runs the other applied. Events applied before are not applied twice (per-run revision
 * high-water mark).
 * @param progress called after each page (e.g. to log).
 */
export async function catchUpFromStore(
  store: EventStore,
  projection: MemoryProjection,
  progress: (result: CatchUpResult) => void = () => undefined,
): Promise<CatchUpResult> {
  const state = projection.catchUpState();
  let position = state.position;
  let read = 0;
  const touched = new Set<string>();
  for (;;) {
    const page = await store.readAll({ fromPosition: position, maxCount: CATCH_UP_PAGE_SIZE, streamPrefix: 'run-' });
    if (page.length > 0) {
      position = page[page.length - 1].position;
      read += page.length;
      for (const workflowId of projection.apply(page as unknown as ProjectedEvent[], position)) touched.add(workflowId);
      progress({ ran: true, events: read, position, touched });
    }
    if (page.length < CATCH_UP_PAGE_SIZE) break;
  }
  if (!state.done) projection.markCaughtUp();
  return { ran: !state.done || read > 0, events: read, position, touched };
}
