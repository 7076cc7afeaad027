import { runIdOfStream } from '@ledgerflow/contracts';
import type { EventStore } from '@ledgerflow/event-store';

const ENDED = new Set(['RunCompleted', 'RunFailed', 'RunCancelled']);
const PAGE = 1000;

/**
 * Ids of the runs that have not ended (no RunCompleted, RunFailed or RunCancelled), in the order they
 * started: a scan of every `run-*` event, 1,000 at a time. Services call it at start to rebuild what they
 * derive from events (the executor's in-flight steps and retry timers, approval's SLA timers). Linear in
 * the number of stored run events; a projection of active runs is the next step when that matters.
 */
export async function activeRunIds(store: EventStore): Promise<string[]> {
  const active = new Set<string>();
  for (let position = 0; ; ) {
    const events = await store.readAll({ fromPosition: position, maxCount: PAGE, streamPrefix: 'run-' });
    for (const event of events) {
      const runId = runIdOfStream(event.streamId);
      if (!runId) continue;
      if (event.revision === 0) active.add(runId);
      if (ENDED.has(event.type)) active.delete(runId);
    }
    if (events.length < PAGE) return [...active];
    position = events[events.length - 1].position;
  }
}
