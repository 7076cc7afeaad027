import type { ServerResponse } from 'node:http';
import { TERMINAL_RUN_EVENT_TYPES } from '@ledgerflow/contracts';
import type { RunStatus } from '@ledgerflow/domain';
import type { HubListener, StreamFilter, StreamHub } from './stream-hub.js';
import { matches } from './stream-hub.js';
import { sseComment, sseMessage, sseRetry } from './stream-sse.js';
import type { RunUpdate } from './stream-sse.js';
import type { RunFacts } from './stream-status.js';
import { TERMINAL_STATUSES } from './stream-status.js';

/** Live updates a connection may hold unsent; past it the client is too slow and is disconnected (it resumes). */
export const STREAM_QUEUE_LIMIT = 10_000;
/** The `retry:` sent first: how long a client waits before reconnecting, in milliseconds. */
export const STREAM_RETRY_MS = 1_000;

/** Event types that end a run (and its run stream once sent). */
const TERMINAL_TYPES: ReadonlySet<string> = new Set(TERMINAL_RUN_EVENT_TYPES);

export interface StreamPlan {
  readonly filter: StreamFilter;
  /** Send updates with a position strictly after this; `'now'`: only updates committed after the stream opened. */
  readonly after: number | 'now';
  readonly heartbeatMs: number;
}

/**
 * One open update stream over an HTTP response: registers with the hub (buffering live updates), sends the stored
 * updates after the resume position, then the buffered and live ones, skipping any position already sent. A
 * heartbeat comment every `heartbeatMs`. A run stream ends after its run's terminal event (or at once, when the run
 * ended at or before the resume position). Ends when the client goes away or the hub stops.
 */
export class UpdateStream implements HubListener {
  private lastSent = 0;
  private readonly buffer: RunUpdate[] = [];
  private live = false;
  private pumping = false;
  private ended = false;
  private heartbeat?: NodeJS.Timeout;

  constructor(
    private readonly hub: StreamHub,
    private readonly response: ServerResponse,
    private readonly plan: StreamPlan,
  ) {}

  /** Runs the stream until it ends; the response's headers must not be sent yet. @throws nothing: errors end it. */
  async serve(): Promise<void> {
    const response = this.response;
    response.on('close', () => this.end());
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      // nginx buffers responses unless told not to.
      'x-accel-buffering': 'no',
    });
    response.write(sseRetry(STREAM_RETRY_MS));
    this.heartbeat = setInterval(() => {
      if (!this.ended && this.writable()) response.write(sseComment('heartbeat'));
    }, this.plan.heartbeatMs);
    this.heartbeat.unref();
    try {
      const registeredAt = await this.hub.listen(this);
      // "From now" is the store's head at this moment, not the shared reader's position (it may lag by its poll interval).
      this.lastSent = this.plan.after === 'now' ? Math.max(registeredAt, await this.hub.headNow()) : this.plan.after;
      const runStream = this.plan.filter.runId !== undefined;
      // A run stream reads its whole run (sending only what is after the resume position), so it knows whether
      // the run ended at or before that position: then there is nothing more to send.
      let status: RunStatus = 'none';
      for await (const { update } of this.hub.history(this.plan.filter, runStream ? 0 : this.lastSent)) {
        if (this.ended) return;
        await this.send(update);
        status = update.status;
      }
      if (runStream && TERMINAL_STATUSES.has(status)) return this.end();
      this.live = true;
      await this.pump();
    } catch (error) {
      this.abort(`the event store could not be read: ${(error as Error).message}`);
    }
  }

  offer(update: RunUpdate, facts: RunFacts): void {
    if (this.ended || !matches(this.plan.filter, update, facts)) return;
    this.buffer.push(update);
    if (this.buffer.length > STREAM_QUEUE_LIMIT)
      return this.abort(`more than ${STREAM_QUEUE_LIMIT} updates unread; reconnect with Last-Event-ID`);
    if (this.live) void this.pump();
  }

  abort(reason: string): void {
    if (this.ended) return;
    if (this.writable()) this.response.write(sseComment(`closing: ${reason}`));
    this.end();
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (!this.ended && this.buffer.length > 0) await this.send(this.buffer.shift() as RunUpdate);
    } finally {
      this.pumping = false;
    }
  }

  private async send(update: RunUpdate): Promise<void> {
    if (this.ended || update.position <= this.lastSent) return;
    this.lastSent = update.position;
    if (!this.response.write(sseMessage(update))) await this.drained();
    if (this.plan.filter.runId !== undefined && TERMINAL_TYPES.has(update.type)) this.end();
  }

  private writable(): boolean {
    return !this.response.writableEnded && !this.response.destroyed;
  }

  private drained(): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.response.off('drain', done);
        this.response.off('close', done);
        resolve();
      };
      this.response.on('drain', done);
      this.response.on('close', done);
    });
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    clearInterval(this.heartbeat);
    this.hub.unlisten(this);
    this.hub.release();
    this.buffer.length = 0;
    if (this.writable()) this.response.end();
  }
}
