import type { SqliteEventStore, StoredEvent } from '@ledgerflow/event-store';

/** Every run stream of the store at one moment. */
export interface Snapshot {
  /** Trigger idempotency key (the JetStream message id) -> run id, from `RunTriggered`. */
  readonly runOfKey: ReadonlyMap<string, string>;
  /** Run id -> its events in revision order. */
  readonly events: ReadonlyMap<string, readonly StoredEvent[]>;
}

/** Run types after which the chaos test stops waiting for a run (`RunPaused` included: it needs an operator). */
export const SETTLED = new Set(['RunCompleted', 'RunFailed', 'RunCancelled', 'RunPaused']);

export async function snapshot(store: SqliteEventStore): Promise<Snapshot> {
  const runOfKey = new Map<string, string>();
  const events = new Map<string, StoredEvent[]>();
  for (const event of await store.readAll({ streamPrefix: 'run-', maxCount: 1_000_000 })) {
    const runId = event.streamId.slice('run-'.length);
    const list = events.get(runId) ?? [];
    list.push(event);
    events.set(runId, list);
    if (event.type === 'RunTriggered')
      runOfKey.set(String((event.data as { trigger: { idempotencyKey: string } }).trigger.idempotencyKey), runId);
  }
  for (const list of events.values()) list.sort((a, b) => a.revision - b.revision);
  return { runOfKey, events };
}

/** The type of the last event of the run triggered with `key`; `'none'` before the run exists. */
export function lastType(snap: Snapshot, key: string): string {
  const runId = snap.runOfKey.get(key);
  return (runId && snap.events.get(runId)?.at(-1)?.type) || 'none';
}

/** Steps started and not yet recorded as succeeded or failed, over every run. */
export function runningSteps(snap: Snapshot): number {
  let running = 0;
  for (const events of snap.events.values()) {
    const stepId = (e: StoredEvent) => (e.data as { stepId: string }).stepId;
    const done = new Set(events.filter((e) => e.type === 'StepSucceeded' || e.type === 'StepFailed').map(stepId));
    running += events.filter((e) => e.type === 'StepStarted' && !done.has(stepId(e))).length;
  }
  return running;
}

/** Gates opened (gate id -> the run's trigger key) and gates decided, over every run. */
export function gates(snap: Snapshot): { open: Map<string, string>; decided: Set<string> } {
  const open = new Map<string, string>();
  const decided = new Set<string>();
  for (const [key, runId] of snap.runOfKey) {
    for (const event of snap.events.get(runId) ?? []) {
      const gateId = String((event.data as { gateId?: string }).gateId);
      if (event.type === 'GateOpened') open.set(gateId, key);
      if (event.type === 'GateDecided') decided.add(gateId);
    }
  }
  return { open, decided };
}

/** The three runs that took longest from publish (`published`: key -> epoch ms) to their last event, in ms. */
export function slowest(snap: Snapshot, published: ReadonlyMap<string, number>): string {
  const rows = [...published].map(([key, at]) => {
    const events = snap.events.get(snap.runOfKey.get(key) ?? '') ?? [];
    const after = (event: StoredEvent | undefined) =>
      event ? Date.parse(event.recordedAt) - at : Number.POSITIVE_INFINITY;
    return { key, triggered: after(events.find((e) => e.type === 'RunTriggered')), ended: after(events.at(-1)) };
  });
  return rows
    .sort((a, b) => b.ended - a.ended)
    .slice(0, 3)
    .map((r) => `${r.key} triggered +${r.triggered} ms, last event +${r.ended} ms`)
    .join('; ');
}
