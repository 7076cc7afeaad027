import { createParser } from 'eventsource-parser';
import type { RunUpdate } from '@ledgerflow/contracts';
import { apiErrorOf, bearer } from './api.js';
import type { ApiError } from './api.js';

/** Where a followed stream is: connecting, receiving, waiting to reconnect, ended by the server, or refused. */
export type StreamState =
  | { readonly kind: 'connecting' | 'live' | 'ended' }
  | { readonly kind: 'reconnecting'; readonly reason: string }
  | { readonly kind: 'refused'; readonly error: ApiError };

export interface FollowOptions {
  /** A stream path with its query (`/v1/stream?workflowId=...`, `/v1/runs/<id>/stream`). */
  readonly path: string;
  readonly token: string;
  /** Resume after this position (`Last-Event-ID`): updates at or before it are not sent again. */
  readonly lastEventId?: number;
  readonly onUpdate: (update: RunUpdate) => void;
  readonly onState?: (state: StreamState) => void;
  /** True for a run stream, which the gateway ends after the run's terminal event: then it is not reopened. */
  readonly endsWithRun?: boolean;
  readonly signal: AbortSignal;
}

/** Longest wait before reopening a dropped stream, in ms (the server's `retry:` is the first wait). */
const MAX_RETRY_MS = 15_000;

/**
 * Follows a Server-Sent Events stream of the gateway (docs/api.md, "Live updates") over `fetch`, because an
 * `EventSource` cannot send the Authorization header. Messages are parsed by `eventsource-parser`; a dropped
 * connection is reopened with `Last-Event-ID` (the last `id` received), so nothing is lost or repeated, after the
 * server's `retry` delay, doubling up to 15 s while it keeps failing. A refusal (401, 403, 404, 400) ends it.
 * Resolves when `signal` aborts, a refusal arrives, or (with `endsWithRun`) the run's stream ends.
 */
export async function followStream(options: FollowOptions): Promise<void> {
  let lastEventId = options.lastEventId;
  let retryMs = 1000;
  let failures = 0;
  while (!options.signal.aborted) {
    options.onState?.({ kind: 'connecting' });
    let reason: string;
    try {
      const response = await fetch(options.path, {
        headers: {
          ...bearer(options.token),
          accept: 'text/event-stream',
          ...(lastEventId === undefined ? {} : { 'last-event-id': String(lastEventId) }),
        },
        signal: options.signal,
      });
      if (!response.ok || !response.body) {
        const error = await apiErrorOf(response);
        // 503 stream_limit_reached is retryable; everything else is an answer that will not change on its own.
        if (response.status !== 503) return options.onState?.({ kind: 'refused', error });
        reason = error.message;
      } else {
        options.onState?.({ kind: 'live' });
        failures = 0;
        const parser = createParser({
          onEvent: (message) => {
            const update = updateOf(message.data);
            if (!update) return;
            lastEventId = update.position;
            options.onUpdate(update);
          },
          onRetry: (ms) => (retryMs = ms),
        });
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          parser.feed(value);
        }
        if (options.endsWithRun) return options.onState?.({ kind: 'ended' });
        reason = 'the gateway closed the stream';
      }
    } catch (error) {
      if (options.signal.aborted) return;
      reason = (error as Error).message;
    }
    failures += 1;
    options.onState?.({ kind: 'reconnecting', reason });
    await delay(Math.min(retryMs * 2 ** (failures - 1), MAX_RETRY_MS), options.signal);
  }
}

/** The run update in an SSE message's data (JSON with `type`, `runId` and a numeric `position`), else undefined. */
export function updateOf(data: string): RunUpdate | undefined {
  try {
    const update = JSON.parse(data) as Partial<RunUpdate> | null;
    return update &&
      typeof update.type === 'string' &&
      typeof update.runId === 'string' &&
      typeof update.position === 'number'
      ? (update as RunUpdate)
      : undefined;
  } catch {
    return undefined;
  }
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });
}
