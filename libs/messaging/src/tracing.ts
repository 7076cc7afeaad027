import { trace, type Tracer } from '@opentelemetry/api';

/** The tracer every messaging span comes from; a no-op until libs/telemetry registers a provider. */
export const messagingTracer = (): Tracer => trace.getTracer('@ledgerflow/messaging');

/** Span attributes of a NATS operation on `subject` (OpenTelemetry messaging semantic conventions). */
export const natsAttributes = (subject: string): Record<string, string> => ({
  'messaging.system': 'nats',
  'messaging.destination.name': subject,
});
