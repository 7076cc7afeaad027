import type { Attributes, Context, Link, Span, SpanKind, Tracer } from '@opentelemetry/api';
import { SpanStatusCode, context, trace } from '@opentelemetry/api';

/** Instrumentation scope name of every Ledgerflow span and metric. */
export const INSTRUMENTATION_SCOPE = '@ledgerflow/telemetry';

/** Span attribute keys used across services (one vocabulary, so traces can be searched by run, step, ...). */
export const SpanAttr = {
  runId: 'ledgerflow.run.id',
  workflowId: 'ledgerflow.workflow.id',
  workflowVersion: 'ledgerflow.workflow.version',
  stepId: 'ledgerflow.step.id',
  attempt: 'ledgerflow.step.attempt',
  gateId: 'ledgerflow.gate.id',
  tool: 'ledgerflow.tool',
  action: 'ledgerflow.tool.action',
  policyOutcome: 'ledgerflow.policy.outcome',
  eventType: 'ledgerflow.event.type',
  streamId: 'ledgerflow.stream.id',
  errorCode: 'ledgerflow.error.code',
} as const;

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
  const span = getTracer().startSpan(
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
