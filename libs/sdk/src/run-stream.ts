import { createParser } from 'eventsource-parser';
import type { EventSourceMessage } from 'eventsource-parser';

import type { RunUpdate } from '@ledgerflow/contracts';

export type { RunUpdate } from '@ledgerflow/contracts';
export { TERMINAL_RUN_EVENT_TYPES } from '@ledgerflow/contracts';

/**
 * The messages of a Server-Sent Events body, in order, parsed by `eventsource-parser` (comments such as heartbeats
 * and `retry:` fields are skipped). Ends when the body ends; rejects when it fails (a dropped connection) or
 * `signal` aborts (with the signal's reason).
 */
export async function* sseMessages(
  body: ReadableStream<Uint8Array>,
  signal?: AbortSignal,
): AsyncGenerator<EventSourceMessage> {
  const pending: EventSourceMessage[] = [];
  const parser = createParser({ onEvent: (message) => pending.push(message) });
  const decoder = new TextDecoder();
  const reader = body.getReader();
  const onAbort = (): void => void reader.cancel(signal?.reason).catch(() => undefined);
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      signal?.throwIfAborted();
      const { done, value } = await reader.read();
      signal?.throwIfAborted();
      if (done) {
        parser.feed(decoder.decode());
        yield* pending.splice(0);
        return;
      }
      parser.feed(decoder.decode(value, { stream: true }));
      yield* pending.splice(0);
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    // Also when the consumer stops early: cancelling closes the connection.
    await reader.cancel().catch(() => undefined);
  }
}

/**
 * The run update carried by an SSE message, or undefined when the message is not one (no JSON object with `type`
 * and a numeric `position` in its data).
 */
export function runUpdateOf(message: EventSourceMessage): RunUpdate | undefined {
  try {
    const update = JSON.parse(message.data) as Partial<RunUpdate> | null;
    return update && typeof update.type === 'string' && typeof update.position === 'number'
      ? (update as RunUpdate)
      : undefined;
  } catch {
    return undefined;
  }
}
