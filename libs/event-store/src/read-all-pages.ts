import type { EventStore, StoredEvent } from './event-store.port.js';

/**
 * Reads every event after `fromPosition` (of streams starting with `streamPrefix`, when given) in pages of
 * `pageSize` (default 1000), handing each to `apply` in position order: the catch-up of an in-memory projection.
 * @returns the position of the last event read (`fromPosition` when none): where the next catch-up starts.
 */
export async function readAllPages(
  store: EventStore,
  options: { readonly fromPosition: number; readonly streamPrefix?: string; readonly pageSize?: number },
  apply: (event: StoredEvent) => void,
): Promise<number> {
  const pageSize = options.pageSize ?? 1000;
  let position = options.fromPosition;
  for (;;) {
    const events = await store.readAll({
      fromPosition: position,
      maxCount: pageSize,
      ...(options.streamPrefix !== undefined ? { streamPrefix: options.streamPrefix } : {}),
    });
    for (const event of events) apply(event);
    if (events.length > 0) position = events[events.length - 1].position;
    if (events.length < pageSize) return position;
  }
}

/**
 * Every event of the streams whose id starts with `streamPrefix`, grouped by stream (each in revision order), in one
 * pass over the store's global order ({@link readAllPages}): what a list of small streams (accounts, subscriptions,
 * workflows) folds.
 */
export async function readStreamsWithPrefix(
  store: EventStore,
  streamPrefix: string,
): Promise<Map<string, StoredEvent[]>> {
  const streams = new Map<string, StoredEvent[]>();
  await readAllPages(store, { fromPosition: 0, streamPrefix }, (event) => {
    const events = streams.get(event.streamId);
    if (events) events.push(event);
    else streams.set(event.streamId, [event]);
  });
  return streams;
}
