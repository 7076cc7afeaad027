import type { Context } from '@opentelemetry/api';
import { extractTraceContext, traceHeaderGetter, traceparentOf as traceContextOf } from '@ledgerflow/telemetry';

/**
 * Trace context is owned by `@ledgerflow/telemetry` (propagation.ts): these are its helpers under the names
 * tool-worker.ts and the SDK's index still import, kept until those import the owner directly.
 */
export { extractTraceContext as contextFromHeaders, traceHeaderGetter as natsHeaderGetter };

/** The `traceparent` of the span in `ctx` (`traceparentOf(ctx).traceparent` of the owner), or undefined. */
export function traceparentOf(ctx: Context): string | undefined {
  return traceContextOf(ctx).traceparent;
}
