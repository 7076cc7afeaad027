/**
 * Trace context in NATS headers is owned by `@ledgerflow/telemetry` (propagation.ts); import it from there.
 * These re-exports remain only for the importers not moved yet (durable-consumer.ts, the approval controller).
 */
export { extractTraceContext, injectTraceContext } from '@ledgerflow/telemetry';
