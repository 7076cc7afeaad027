import { runStreamId } from '@ledgerflow/contracts';
import { eventually } from './eventually.js';

/** What {@link runEventsWhen} reads: an event store (`readStream` of a run's stream). */
export interface RunStreamReader<E> {
  readStream(streamId: string): Promise<E[]>;
}

/**
 * The stored events of run `runId` once `done` holds for them: reads the run's stream every `intervalMs`
 * (default 50) until then.
 * @throws Error naming `what`, the run and the event types last read, after `timeoutMs` (default 30,000) ms.
 * @example
 * const events = await runEventsWhen(store, runId, (all) => all.some((e) => e.type === 'RunCompleted'), 'the run to complete');
 */
export async function runEventsWhen<E extends { readonly type: string }>(
  store: RunStreamReader<E>,
  runId: string,
  done: (events: E[]) => boolean,
  what: string,
  timeoutMs = 30_000,
  intervalMs = 50,
): Promise<E[]> {
  let last: E[] = [];
  try {
    return await eventually(
      async () => {
        last = await store.readStream(runStreamId(runId));
        return done(last) ? last : undefined;
      },
      timeoutMs,
      `${what} (run ${runId})`,
      intervalMs,
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}; events: ${last.map((e) => e.type).join(', ')}`);
  }
}
