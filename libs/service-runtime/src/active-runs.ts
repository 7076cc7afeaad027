import { TERMINAL_RUN_EVENT_TYPES, runIdOfStream } from '@ledgerflow/contracts';
import { readAllPages } from '@ledgerflow/event-store';
import type { EventStore } from '@ledgerflow/event-store';

const ENDED: ReadonlySet<string> = new Set(TERMINAL_RUN_EVENT_TYPES);

/**
 * Ids of the runs that have not ended (no RunCompleted, RunFailed or RunCancelled), in the order they
 * started: a scan of every `run-*` event, 1,000 at a time (`readAllPages`). Services call it at start to rebuild what they
 * derive from events (the executor's in-flight steps and retry timers, approval's SLA timers). Linear in
 * the number of stored run events; a projection of active runs is the next step when that matters.
 */
export async function activeRunIds(store: EventStore): Promise<string[]> {
  const active = new Set<string>();
  await readAllPages(store, { fromPosition: 0, streamPrefix: 'run-' }, (event) => {
    const runId = runIdOfStream(event.streamId);
    if (!runId) return;
    if (event.revision === 0) active.add(runId);
    if (ENDED.has(event.type)) active.delete(runId);
  });
  return [...active];
}
