import type { Attributes, Context, Link, Span, SpanKind, Tracer } from '@opentelemetry/api';
import { SpanStatusCode, context, trace } from '@opentelemetry/api';

/** Instrumentation scope name of every Ledgerflow span and metric. */
export const INSTRUMENTATION_SCOPE = '@ledgerflow/telemetry';

/**
 * The span attribute keys of Ledgerflow's own concepts: the one vocabulary every service and the SDK use, so that
 * traces can be searched by run, step, gate, tool, ... (Jaeger: `ledgerflow.run.id=<id>`). Names follow the
 * OpenTelemetry attribute naming rules (https://opentelemetry.io/docs/specs/semconv/general/naming/): dotted
 * namespaces, snake_case words, no name that is also a namespace. Ids belong here, never in span names (span names
 * stay low-cardinality: `planner.start-run`, `process lf.evt.run.*.StepSucceeded`). Everything else on a span comes
 * from the OpenTelemetry semantic conventions (`messaging.*`, `http.*`, `url.*`, `error.type`).
 */
export const SpanAttr = {
  /** Run id (string). */
  runId: 'ledgerflow.run.id',
  /** Id of the run a fork was made from (string). */
  runForkedFrom: 'ledgerflow.run.forked_from',
  /** Operator command on a run: `retry`, `skip`, `revise`, `cancel`, ... (string). */
  runCommand: 'ledgerflow.run.command',
  /** Workflow id (string). */
  workflowId: 'ledgerflow.workflow.id',
  /** Workflow version, semver (string). */
  workflowVersion: 'ledgerflow.workflow.version',
  /** Step id within its plan (string). */
  stepId: 'ledgerflow.step.id',
  /** Attempt number of a step, from 1 (int). */
  attempt: 'ledgerflow.step.attempt',
  /** Gate id (string). */
  gateId: 'ledgerflow.gate.id',
  /** Tool name, e.g. `documents` (string). */
  tool: 'ledgerflow.tool.name',
  /** Tool action, e.g. `extract` (string). */
  action: 'ledgerflow.tool.action',
  /** A tool call's idempotency key `<runId>/<stepId>/<attempt>` (string). */
  idempotencyKey: 'ledgerflow.tool.idempotency_key',
  /** Name of the tool worker that served a call (string). */
  toolWorker: 'ledgerflow.tool.worker',
  /** Whether a tool call was answered from the idempotency store instead of running its handler (boolean). */
  deduplicated: 'ledgerflow.tool.deduplicated',
  /** Id (`jti`) of the step-scoped grant a tool call carried (string). */
  grantId: 'ledgerflow.grant.id',
  /** Policy decision: `allow`, `deny`, `require_approval` (string). */
  policyOutcome: 'ledgerflow.policy.outcome',
  /** Audit id of a policy decision (string). */
  policyAuditId: 'ledgerflow.policy.audit_id',
  /** Grant of a policy decision: `issued` or `withheld:<code>` (string). */
  policyGrant: 'ledgerflow.policy.grant',
  /** Policy pack name (string). */
  policyPack: 'ledgerflow.policy.pack.name',
  /** Policy pack version, semver (string). */
  policyPackVersion: 'ledgerflow.policy.pack.version',
  /** Whether a request created its record (false: an idempotent repeat of an earlier one) (boolean). */
  created: 'ledgerflow.created',
  /** Store event type, e.g. `StepSucceeded` (string). */
  eventType: 'ledgerflow.event.type',
  /** Store stream id, e.g. `run-<runId>` (string). */
  streamId: 'ledgerflow.stream.id',
  /** Stable code of the error a span ended with, e.g. `nats_timeout` (string). */
  errorCode: 'ledgerflow.error.code',
  /** On a span event: how many times a handler has run for one delivery (int). */
  handlerRun: 'ledgerflow.handler.run',
} as const;

/** Every key of {@link SpanAttr}. */
export const SPAN_ATTRIBUTE_KEYS: ReadonlySet<string> = new Set(Object.values(SpanAttr));

/** The Ledgerflow tracer from the global tracer provider (a no-op tracer until {@link startTelemetry}). */
export function getTracer(): Tracer {
  return trace.getTracer(INSTRUMENTATION_SCOPE);
}

/** Options of {@link withSpan}. */
export interface WithSpanOptions {
  readonly attributes?: Attributes;
  /** Parent context (e.g. from {@link contextFromTraceparent}); default: the active context. */
  readonly parent?: Context;
  readonly links?: Link[];
  /** Default `SpanKind.INTERNAL`. */
  readonly kind?: SpanKind;
  /** The tracer (its instrumentation scope); default {@link getTracer}. */
  readonly tracer?: Tracer;
}

/**
 * Runs `fn` inside a new active span named `name`, and ends the span when `fn` settles.
 * When `fn` throws or rejects, the span records the exception, gets status ERROR (message = the error's
 * message; attribute `ledgerflow.error.code` when the error has a string `code`) and the error is rethrown.
 * @example await withSpan('step.execute', { attributes: { [SpanAttr.stepId]: 'fetch' } }, async (span) => run());
 */
export function withSpan<T>(name: string, fn: (span: Span) => T | Promise<T>): Promise<T>;
export function withSpan<T>(name: string, options: WithSpanOptions, fn: (span: Span) => T | Promise<T>): Promise<T>;
export async function withSpan<T>(
  name: string,
  optionsOrFn: WithSpanOptions | ((span: Span) => T | Promise<T>),
  maybeFn?: (span: Span) => T | Promise<T>,
): Promise<T> {
  const options = typeof optionsOrFn === 'function' ? {} : optionsOrFn;
  const fn = typeof optionsOrFn === 'function' ? optionsOrFn : maybeFn;
  if (fn === undefined) throw new TypeError('withSpan: fn is required');
  const parent = options.parent ?? context.active();
  const span = (options.tracer ?? getTracer()).startSpan(
    name,
    {
      ...(options.attributes !== undefined ? { attributes: options.attributes } : {}),
      ...(options.links !== undefined ? { links: options.links } : {}),
      ...(options.kind !== undefined ? { kind: options.kind } : {}),
    },
    parent,
  );
  try {
    return await context.with(trace.setSpan(parent, span), () => fn(span));
  } catch (error) {
    recordError(span, error);
    throw error;
  } finally {
    span.end();
  }
}

/** Records `error` on `span` as an exception event and sets status ERROR (no rethrow, no end). */
export function recordError(span: Span, error: unknown): void {
  const err = error instanceof Error ? error : new Error(String(error));
  span.recordException(err);
  span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') span.setAttribute(SpanAttr.errorCode, code);
}
