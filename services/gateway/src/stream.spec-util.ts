import { createParser } from 'eventsource-parser';

/** One SSE message as received: its fields, and the data parsed as JSON. */
export interface ReceivedMessage {
  readonly id?: string;
  readonly event?: string;
  readonly data: Record<string, unknown>;
}

/**
 * An open Server-Sent Events response, read in the background by `eventsource-parser` (the parser the SDK uses):
 * what arrived so far (`messages`, `comments`), `ended` (resolves when the server closed the stream, with whether
 * it did so cleanly) and `close()` (the client goes away).
 */
export interface OpenStream {
  readonly status: number;
  readonly headers: Headers;
  readonly messages: ReceivedMessage[];
  readonly comments: string[];
  readonly ended: Promise<'closed-by-server' | 'closed-by-client'>;
  /** Resolves once `count` messages arrived. @throws after `timeoutMs`, naming what arrived. */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedMessage[]>;
  close(): void;
}

/** Opens `url` as an SSE stream with `headers`; a non-200 answer is returned with no messages (body in `text`). */
export async function openStream(
  url: string,
  headers: Record<string, string>,
): Promise<OpenStream & { text?: string }> {
  const abort = new AbortController();
  const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
  const messages: ReceivedMessage[] = [];
  const comments: string[] = [];
  const waiters = new Set<() => void>();
  const wake = () => [...waiters].forEach((waiter) => waiter());
  let closedByClient = false;
  const base = {
    status: response.status,
    headers: response.headers,
    messages,
    comments,
    close() {
      closedByClient = true;
      abort.abort();
    },
  };
  if (response.status !== 200 || !response.body) {
    return {
      ...base,
      text: await response.text(),
      ended: Promise.resolve('closed-by-server'),
      waitFor: () => Promise.reject(new Error(`answered ${response.status}`)),
    };
  }
  const parser = createParser({
    onEvent: (message) => {
      messages.push({
        id: message.id,
        event: message.event,
        data: JSON.parse(message.data) as Record<string, unknown>,
      });
      wake();
    },
    onComment: (comment) => {
      comments.push(comment.trim());
      wake();
    },
  });
  const body = response.body;
  let done = false;
  const ended = (async () => {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of body) parser.feed(decoder.decode(chunk, { stream: true }));
    } catch (error) {
      if (!closedByClient) throw error;
    } finally {
      done = true;
      wake();
    }
    return closedByClient ? ('closed-by-client' as const) : ('closed-by-server' as const);
  })();
  ended.catch(() => undefined);
  return {
    ...base,
    ended,
    waitFor(count, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (messages.length >= count) return finish(() => resolve(messages.slice(0, count)));
          if (done)
            return finish(() =>
              reject(
                new Error(
                  `the stream ended after ${messages.length} of ${count} messages: ${messages.map((m) => m.event).join(', ')}`,
                ),
              ),
            );
        };
        const timer = setTimeout(
          () =>
            finish(() =>
              reject(
                new Error(
                  `${messages.length} of ${count} messages after ${timeoutMs} ms: ${messages.map((m) => m.event).join(', ')}`,
                ),
              ),
            ),
          timeoutMs,
        );
        const finish = (then: () => void) => {
          clearTimeout(timer);
          waiters.delete(check);
          then();
        };
        waiters.add(check);
        check();
      });
    },
  };
}
