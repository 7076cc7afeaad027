import { connect, headers as natsHeaders, type NatsConnection } from '@nats-io/transport-node';
import { headers, subjects, type ToolReply, type ToolRequest } from '@ledgerflow/contracts';
import { stepIdempotencyKey } from '@ledgerflow/domain';
import { startToolWorker, type IdempotencyStore, type ToolWorker } from '@ledgerflow/sdk';
import { startNatsServer, type NatsServerHandle } from '@ledgerflow/testing';

type Tools = Parameters<typeof startToolWorker>[0]['tools'];

/** A store that remembers nothing: every request reaches the handler, as after a worker restart. */
export const forgetfulStore: IdempotencyStore = { get: () => undefined, set: () => undefined };

/** A private nats-server, a client connection and a tool worker serving `tools`, for one test file. */
export interface ToolHarness {
  /** Sends a ToolRequest on `lf.tool.<tool>.<action>` and returns the decoded reply; a fresh run id unless given. */
  call(tool: string, action: string, request: Partial<ToolRequest> & { input: unknown }): Promise<ToolReply>;
  stop(): Promise<void>;
}

export async function startToolHarness(
  tools: Tools,
  options: { dedupe?: IdempotencyStore } = {},
): Promise<ToolHarness> {
  const server: NatsServerHandle = await startNatsServer({ jetstream: false });
  let nc: NatsConnection | undefined;
  let worker: ToolWorker | undefined;
  try {
    nc = await connect({ servers: server.url });
    const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
    // The handlers are under test, not grants nor the catalog (no JetStream here): both off explicitly.
    worker = startToolWorker({
      nc,
      tools,
      name: 'goal-triage-test',
      grants: 'disabled',
      announce: false,
      logger: quiet,
      ...(options.dedupe ? { dedupe: options.dedupe } : {}),
    });
    await nc.flush();
  } catch (error) {
    await nc?.close();
    await server.stop();
    throw error;
  }
  const client = nc;
  let calls = 0;
  return {
    async call(tool, action, partial) {
      const runId = partial.runId ?? `run-test-${++calls}`;
      const stepId = partial.stepId ?? 'step';
      const attempt = partial.attempt ?? 1;
      const request: ToolRequest = {
        runId,
        stepId,
        attempt,
        idempotencyKey: partial.idempotencyKey ?? stepIdempotencyKey(runId, stepId, attempt),
        input: partial.input,
      };
      const h = natsHeaders();
      h.set(headers.runId, request.runId);
      h.set(headers.idempotencyKey, request.idempotencyKey);
      const reply = await client.request(subjects.tool(tool, action), JSON.stringify(request), {
        timeout: 10_000,
        headers: h,
      });
      return reply.json<ToolReply>();
    },
    async stop() {
      await worker?.stop();
      await client.close();
      await server.stop();
    },
  };
}

/** The value of an ok reply; fails the test with the error otherwise. */
export function valueOf(reply: ToolReply): { output: unknown; confidence?: number; lineage?: unknown } {
  if (!reply.ok) throw new Error(`expected an ok reply, got ${JSON.stringify(reply.error)}`);
  return reply.value;
}
