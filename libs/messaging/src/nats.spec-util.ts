import { startNatsServer, type NatsServerHandle } from '@ledgerflow/testing';
import { randomUUID } from 'node:crypto';
import type { NatsConnection } from '@nats-io/nats-core';
import type { NewEvent } from '@ledgerflow/event-store';
import { connectNats } from './connect.js';

/** A private nats-server with JetStream and one connection to it, for one test suite. */
export interface NatsFixture {
  readonly server: NatsServerHandle;
  readonly nc: NatsConnection;
  /** Another connection (a second "process"); closed by `stop()`. */
  connect(name: string): Promise<NatsConnection>;
  stop(): Promise<void>;
}

export async function startNatsFixture(): Promise<NatsFixture> {
  const server = await startNatsServer({ jetstream: true });
  const extra: NatsConnection[] = [];
  const nc = await connectNats({ servers: server.url, name: 'test', extra: { maxReconnectAttempts: 0 } });
  return {
    server,
    nc,
    connect: async (name) => {
      const other = await connectNats({ servers: server.url, name, extra: { maxReconnectAttempts: 0 } });
      extra.push(other);
      return other;
    },
    stop: async () => {
      for (const c of [nc, ...extra]) if (!c.isClosed()) await c.close();
      await server.stop();
    },
  };
}

/** The test kit's polling helper; its predicate form is `eventually(what, holds, timeoutMs = 10_000)`. */
export { eventually } from '@ledgerflow/testing';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A store event for relay tests: `type` with `data`, a fresh event id (the relay's JetStream message id), run `runId`. */
export function testEvent(runId: string, data: Record<string, unknown>, type = 'StepSucceeded'): NewEvent {
  return {
    type,
    data,
    metadata: {
      eventId: randomUUID(),
      runId,
      causationId: 'test',
      actor: { kind: 'service', id: 'test' },
      occurredAt: new Date(0).toISOString(),
      schemaVersion: 1,
    },
  };
}
