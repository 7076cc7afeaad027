import { LedgerflowError } from '@ledgerflow/domain';
import type { GrantClaims, Lineage, ToolCostHint, ToolRequest, ToolResult } from '@ledgerflow/contracts';

/** Structured log sink handed to handlers (e.g. a pino or console adapter). */
export interface ToolLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/**
 * The request as a grant verifier sees it: the tool request (its `input` as parsed from the body), the
 * tool action being served, and the `lf-idempotency-key` header when the message carried one.
 */
export type GrantedRequest = ToolRequest & {
  readonly tool: string;
  readonly action: string;
  readonly idempotencyKeyHeader?: string;
};

/**
 * What a handler knows about the call. `attempt` is 1-based; `idempotencyKey` is `<runId>/<stepId>/<attempt>`
 * (the same across re-dispatches of one attempt); `effectKey` is `<runId>/<stepId>`, the same for every attempt of the
 * step: dedupe a side effect on it (or on a business key of the input), not on `idempotencyKey`, so that an attempt
 * retried after a timeout whose call had in fact applied does not apply twice. Pass one of them on to the
 * enterprise system when it dedupes too.
 * `traceparent` is the W3C trace context of the tool span, for calls the handler makes.
 * `grant` holds the verified claims of the call's step-scoped grant (`jti` is the policy decision's audit
 * id, `sub` the agent); absent when the worker does not verify grants.
 */
export interface ToolContext {
  readonly runId: string;
  readonly stepId: string;
  readonly attempt: number;
  readonly idempotencyKey: string;
  readonly effectKey: string;
  readonly traceparent?: string;
  readonly logger?: ToolLogger;
  readonly grant?: GrantClaims;
  /**
   * The secrets the workflow declares (`requiredSecrets`), by name, as the executor resolved them for this call
   * (header `lf-secrets`); empty when it declares none. Never log them or put them in the output (outputs are stored).
   */
  readonly secrets: Readonly<Record<string, string>>;
}

const RESULT = Symbol.for('ledgerflow.sdk.toolResult');

/** A handler's output with its confidence and lineage; build it with {@link result}. */
export interface ToolOutcome<O = unknown> extends ToolResult {
  readonly output: O;
  readonly [RESULT]: true;
}

/**
 * Wraps an output with its confidence (0..1), lineage (`source`, `fresh`) and, for a reviewer when a
 * confidence gate holds the result, the tool's `reasoning` and suggested `alternatives`; `usage`: the tokens and cost
 * the call used (`inputTokens`, `outputTokens`, `costUsd` in US dollars; each optional, finite, >= 0), recorded as
 * `StepSucceeded.usage` and summed by memory and the run's trace.
 * @example return result({ total: 120 }, { confidence: 0.92, lineage: { source: 'billing-db', fresh: true } });
 * @example return result(summary, { confidence: 0.8, usage: { inputTokens: 1850, outputTokens: 210, costUsd: 0.0041 } });
 */
export function result<O>(
  output: O,
  meta: {
    confidence?: number;
    lineage?: Lineage;
    reasoning?: string;
    alternatives?: readonly unknown[];
    addSteps?: ToolResult['addSteps'];
    usage?: ToolResult['usage'];
  } = {},
): ToolOutcome<O> {
  return {
    output,
    ...(meta.confidence === undefined ? {} : { confidence: meta.confidence }),
    ...(meta.lineage === undefined ? {} : { lineage: meta.lineage }),
    ...(meta.reasoning === undefined ? {} : { reasoning: meta.reasoning }),
    ...(meta.alternatives === undefined ? {} : { alternatives: meta.alternatives }),
    ...(meta.addSteps === undefined ? {} : { addSteps: meta.addSteps }),
    ...(meta.usage === undefined ? {} : { usage: meta.usage }),
    [RESULT]: true,
  };
}

/** True for a value built by {@link result}. */
export function isToolOutcome(value: unknown): value is ToolOutcome {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[RESULT] === true;
}

/**
 * An error a handler throws on purpose: the reply carries `code` and `retryable` as given
 * (default not retryable). Any other exception replies `tool_failed`, retryable.
 * @example throw new ToolError('claim_not_found', `claim ${id} does not exist`, { retryable: false });
 */
export class ToolError extends LedgerflowError {
  constructor(code: string, message: string, options: { retryable?: boolean; details?: Record<string, unknown> } = {}) {
    super(code, message, options.retryable ?? false, options.details ?? {});
  }
}

/** A handler: plain output, or `result(output, { confidence, lineage })`. */
export type ToolHandler<I = unknown, O = unknown> = (
  input: I,
  ctx: ToolContext,
) => Promise<O | ToolOutcome<O>> | O | ToolOutcome<O>;

/**
 * One tool action a worker serves on `lf.tool.<tool>.<action>`. Schemas are JSON Schema (draft-07, or 2020-12 by
 * `$schema`). `description`, the schemas and `cost` are also what the worker announces in the tool catalog (KV bucket
 * `LF_TOOLS`, docs/planning.md) for plan generators: `cost.usd` per call in US dollars, `cost.latencyMs` a typical
 * call's duration in milliseconds (hints only).
 */
export interface ToolDefinition<I = unknown, O = unknown> {
  readonly tool: string;
  readonly action: string;
  readonly description?: string;
  readonly inputSchema?: Record<string, unknown> | boolean;
  readonly outputSchema?: Record<string, unknown> | boolean;
  readonly cost?: ToolCostHint;
  readonly handler: ToolHandler<I, O>;
}

const TOKEN = /^[A-Za-z0-9_-]+$/;

/**
 * Declares a tool action. `tool` and `action` become NATS subject tokens, so they must match `[A-Za-z0-9_-]+`.
 * @throws ToolError `tool_definition_invalid` on a bad name, or a `cost` hint that is not a finite number >= 0.
 */
export function defineTool<I = unknown, O = unknown>(definition: ToolDefinition<I, O>): ToolDefinition<I, O> {
  for (const field of ['tool', 'action'] as const) {
    if (!TOKEN.test(definition[field])) {
      throw new ToolError(
        'tool_definition_invalid',
        `${field} ${JSON.stringify(definition[field])} must match [A-Za-z0-9_-]+ (a NATS subject token)`,
      );
    }
  }
  for (const field of ['usd', 'latencyMs'] as const) {
    const value = definition.cost?.[field];
    if (value !== undefined && !(typeof value === 'number' && Number.isFinite(value) && value >= 0)) {
      throw new ToolError(
        'tool_definition_invalid',
        `cost.${field} of ${definition.tool}.${definition.action} must be a finite number >= 0, got ${String(value)}`,
      );
    }
  }
  return definition;
}
