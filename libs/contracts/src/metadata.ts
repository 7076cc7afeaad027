/** Who caused an event or a command. `kind` says which sort of principal; `id` names it. */
export interface Actor {
  readonly kind: 'service' | 'human' | 'agent' | 'system';
  readonly id: string;
}

/**
 * Metadata carried by every stored event (design brief, "Event store").
 * - `eventId`: unique id of this event (UUID), also the JetStream message id when relayed.
 * - `runId`: correlation id: the run this event belongs to.
 * - `causationId`: the event id or command/message id that caused this event.
 * - `occurredAt`: ISO-8601 UTC time at which the deciding service produced the event.
 * - `traceparent`/`tracestate`: W3C trace context of the span that appended the event.
 * - `schemaVersion`: version of the event's `data` shape (1 for every type today); read-side
 *   upcasters turn old shapes into the current one.
 * - `prevHash`/`hash`: the run's audit hash chain (SHA-256 hex, `@ledgerflow/audit`); absent on events
 *   appended before the audit trail existed.
 */
export interface EventMetadata {
  readonly eventId: string;
  readonly runId: string;
  readonly causationId: string;
  readonly actor: Actor;
  readonly occurredAt: string;
  readonly traceparent?: string;
  readonly tracestate?: string;
  readonly schemaVersion: number;
  readonly prevHash?: string;
  readonly hash?: string;
}
