import { ROOT_CONTEXT, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { headers as natsHeaders, type Msg, type NatsConnection, type Subscription } from '@nats-io/nats-core';
import { LedgerflowError } from '@ledgerflow/domain';
import { SpanAttr, traceparentOf } from '@ledgerflow/telemetry';
import { withRequestSpan } from '@ledgerflow/messaging';
import {
  headers,
  subjects,
  toolQueueGroup,
  type GrantClaims,
  type ToolReply,
  type ToolRequest,
} from '@ledgerflow/contracts';
import { resolveGrantCheck, type GrantCheck, type GrantsOption } from './grant-config.js';
import { MemoryIdempotencyStore, type IdempotencyStore } from './idempotency-store.js';
import { unverifiedCalls } from './unverified-calls.js';
import { CompiledTool, failure, parseToolRequest } from './tool-call.js';
import { announceToolCatalog, catalogEntriesOf } from './tool-announcement.js';
import type { ToolDefinition, ToolLogger } from './tool.types.js';

export type { GrantedRequest } from './tool.types.js';

export interface ToolWorkerOptions {
  readonly nc: NatsConnection;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- handlers of any input/output types
  readonly tools: readonly ToolDefinition<any, any>[];
  /** Replies remembered by idempotency key; default an in-memory LRU of 10,000 keys. */
  readonly dedupe?: IdempotencyStore;
  /** Worker name in logs and spans (`ledgerflow.tool.worker`). */
  readonly name?: string;
  readonly logger?: ToolLogger;
  /**
   * Step-scoped grants (the `lf-grant` header, signed by the policy service): `{ publicKey }` verifies
   * them with {@link grantVerifier}; `'disabled'` turns verification off (a warning at every start, every
   * call counted in `ledgerflow.tool.unverified_calls`). When omitted, from the environment:
   * `LEDGERFLOW_GRANT_VERIFY_KEY` is required unless `LEDGERFLOW_GRANT_VERIFY=off` (fail closed).
   */
  readonly grants?: GrantsOption;
  /**
   * Custom grant check instead of `grants`: called before anything else with the header value
   * (undefined when absent); resolve (to the verified claims, handed to the handler as `ctx.grant`) or
   * throw to refuse (a LedgerflowError keeps its code, anything else replies `grant_invalid`).
   */
  readonly verifyGrant?: GrantCheck;
  /**
   * Announce the tools in the tool catalog (KV bucket `LF_TOOLS`, docs/planning.md) at start; default true. The
   * entries name the worker `name` (default `tool-worker`).
   */
  readonly announce?: boolean;
}

export interface ToolWorker {
  /** Stops taking requests, finishes the ones in progress (their replies are sent), then resolves. */
  stop(): Promise<void>;
  /**
   * Settles once the start's catalog announcement is done: true when every entry was put, false when it failed
   * (logged; the worker serves anyway) or `announce` is false. Never rejects.
   */
  readonly announced: Promise<boolean>;
  /** Subjects (`lf.tool.<tool>.<action>`) whose subscription is closed: none while it serves, all once stopped. */
  closedSubjects(): string[];
}

const tracer = trace.getTracer('@ledgerflow/sdk');

/**
 * Serves each tool action on `lf.tool.<tool>.<action>` in queue group `tool.<tool>.<action>`, so
 * workers started anywhere share the requests (one handler run per request).
 * Per request: parse (`message_malformed`), verify the grant (`grant_invalid`, not retryable: a refused
 * request never reaches the handler nor the dedupe store; a grant binds the idempotency key and the input
 * digest, so a replay under a new key or with a new input is refused with `details.reason` `key_mismatch`
 * or `input_mismatch`), dedupe by idempotency key before the handler (a repeated key gets the first
 * reply; a concurrent duplicate waits for the in-flight one), validate
 * input (`tool_input_invalid`), run the handler in CONSUMER span `process lf.tool.<tool>.<action>`
 * (`withRequestSpan` of @ledgerflow/messaging; child of the trace context in the message headers: the executor's
 * `request lf.tool.<tool>.<action>` span of the step; attributes `ledgerflow.run.id`, `.step.id`, `.step.attempt`,
 * `.tool.*`, `.grant.id` and `messaging.*`), validate output (`tool_output_invalid`). Error replies carry the
 * `lf-error-code` header; a success reply has no headers. At start it announces its tools in the tool catalog (one
 * `ToolCatalogEntry` per tool action under `<tool>.<action>` of KV bucket `LF_TOOLS`, last writer wins; unless
 * `announce: false`): a failed announcement is logged and the worker serves anyway ({@link ToolWorker.announced}).
 * @throws LedgerflowError `config_invalid` at start when no grant verify key is configured
 *   (`LEDGERFLOW_GRANT_VERIFY_KEY`) and verification is not switched off explicitly (`grants: 'disabled'`
 *   or `LEDGERFLOW_GRANT_VERIFY=off`); `grant_key_invalid` for a bad `grants.publicKey`.
 * @example const worker = startToolWorker({ nc, tools: [extractTool], dedupe: new FileIdempotencyStore('.data/extract.jsonl') });
 */
export function startToolWorker(options: ToolWorkerOptions): ToolWorker {
  const verifyGrant = resolveGrantCheck(options);
  const store: IdempotencyStore = options.dedupe ?? new MemoryIdempotencyStore();
  const inFlight = new Map<string, Promise<ToolReply>>();
  const pending = new Set<Promise<void>>();
  const subscriptions: Subscription[] = options.tools.map((definition) => {
    const tool = new CompiledTool(definition);
    const { tool: name, action } = definition;
    return options.nc.subscribe(subjects.tool(name, action), {
      queue: toolQueueGroup(name, action),
      callback: (error, msg) => {
        if (error !== null) {
          options.logger?.error('tool subscription failed', { tool: tool.label, error: error.message });
          return;
        }
        const job = serve(tool, msg).catch((err: unknown) => {
          options.logger?.error('tool reply failed', { tool: tool.label, error: String(err) });
        });
        pending.add(job);
        void job.finally(() => pending.delete(job));
      },
    });
  });

  const announced =
    options.announce === false
      ? Promise.resolve(false)
      : announceToolCatalog(
          options.nc,
          catalogEntriesOf(options.tools, options.name ?? 'tool-worker', new Date()),
          options.logger,
        );

  async function serve(tool: CompiledTool, msg: Msg): Promise<void> {
    const reply = await answer(tool, msg);
    if (msg.reply === undefined || msg.reply === '') return;
    if (reply.ok) {
      msg.respond(JSON.stringify(reply));
      return;
    }
    const replyHeaders = natsHeaders();
    replyHeaders.set(headers.errorCode, reply.error.code);
    msg.respond(JSON.stringify(reply), { headers: replyHeaders });
  }

  async function answer(tool: CompiledTool, msg: Msg): Promise<ToolReply> {
    const parsed = parseToolRequest(msg.data);
    if ('ok' in parsed) return parsed;
    const request = parsed;
    const attributes = () => ({
      [SpanAttr.tool]: tool.definition.tool,
      [SpanAttr.action]: tool.definition.action,
      [SpanAttr.runId]: request.runId,
      [SpanAttr.stepId]: request.stepId,
      [SpanAttr.attempt]: request.attempt,
      [SpanAttr.idempotencyKey]: request.idempotencyKey,
      ...(options.name === undefined ? {} : { [SpanAttr.toolWorker]: options.name }),
    });
    const consumerGroup = toolQueueGroup(tool.definition.tool, tool.definition.action);
    return withRequestSpan(msg, { consumerGroup, attributes, tracer }, async (span) => {
      const reply = await verifyThenDedupe(
        tool,
        msg,
        request,
        span,
        traceparentOf(trace.setSpan(ROOT_CONTEXT, span)).traceparent,
      );
      if (!reply.ok) {
        span.setAttribute(SpanAttr.errorCode, reply.error.code);
        span.setStatus({ code: SpanStatusCode.ERROR, message: reply.error.message });
      }
      return reply;
    });
  }

  async function verifyThenDedupe(
    tool: CompiledTool,
    msg: Msg,
    request: ToolRequest,
    span: Span,
    traceparent: string | undefined,
  ): Promise<ToolReply> {
    let claims: GrantClaims | undefined;
    if (verifyGrant === undefined) {
      unverifiedCalls().add(1, { tool: tool.definition.tool, action: tool.definition.action });
    } else {
      const grant = msg.headers?.get(headers.grant) || undefined;
      const keyHeader = msg.headers?.get(headers.idempotencyKey) || undefined;
      const granted = {
        ...request,
        tool: tool.definition.tool,
        action: tool.definition.action,
        ...(keyHeader === undefined ? {} : { idempotencyKeyHeader: keyHeader }),
      };
      try {
        claims = (await verifyGrant(grant, granted)) ?? undefined;
      } catch (error) {
        const refused =
          error instanceof LedgerflowError
            ? error
            : new LedgerflowError(
                'grant_invalid',
                `grant refused for ${tool.label}: ${error instanceof Error ? error.message : String(error)}`,
                false,
              );
        options.logger?.warn('grant refused', {
          tool: tool.label,
          runId: request.runId,
          stepId: request.stepId,
          attempt: request.attempt,
          code: refused.code,
          reason: refused.message,
        });
        return failure(refused.code, refused.message, false, refused.details);
      }
      if (claims !== undefined) span.setAttribute(SpanAttr.grantId, claims.jti);
    }
    const key = `${tool.label}/${request.idempotencyKey}`;
    const running = inFlight.get(key);
    if (running !== undefined) {
      span.setAttribute(SpanAttr.deduplicated, true);
      return running;
    }
    const call = (async (): Promise<ToolReply> => {
      const stored = store.begin ? await store.begin(key) : await store.get(key);
      if (stored !== undefined) {
        span.setAttribute(SpanAttr.deduplicated, true);
        return stored;
      }
      span.setAttribute(SpanAttr.deduplicated, false);
      const reply = await tool.call(request.input, {
        runId: request.runId,
        stepId: request.stepId,
        attempt: request.attempt,
        idempotencyKey: request.idempotencyKey,
        effectKey: `${request.runId}/${request.stepId}`,
        ...(traceparent === undefined ? {} : { traceparent }),
        ...(options.logger === undefined ? {} : { logger: options.logger }),
        ...(claims === undefined ? {} : { grant: claims }),
        secrets: secretsOf(msg),
      });
      try {
        await store.set(key, reply);
      } catch (error) {
        options.logger?.error('idempotency store write failed', { key, error: String(error) });
      }
      return reply;
    })();
    inFlight.set(key, call);
    try {
      return await call;
    } finally {
      inFlight.delete(key);
    }
  }

  return {
    announced,
    closedSubjects: () => subscriptions.filter((sub) => sub.isClosed()).map((sub) => sub.getSubject()),
    async stop() {
      await Promise.all(subscriptions.map((sub) => (sub.isClosed() ? Promise.resolve() : sub.drain())));
      await Promise.all([...pending]);
      await announced;
    },
  };
}

/** The `lf-secrets` header decoded (base64url JSON name -> value); a malformed one gives no secrets, never its value in an error. */
function secretsOf(msg: Msg): Readonly<Record<string, string>> {
  const header = msg.headers?.get(headers.secrets);
  if (!header) return Object.freeze({});
  try {
    const parsed: unknown = JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return Object.freeze({});
    return Object.freeze(
      Object.fromEntries(
        Object.entries(parsed).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
      ),
    );
  } catch {
    return Object.freeze({});
  }
}
