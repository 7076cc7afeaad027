import type { Principal } from './auth.js';

/**
 * Who caused an event or a command. `kind` says which sort of principal; `id` names it.
 * - `via`: on a stored event, the service that appended it on the actor's behalf (e.g. `approval` for a
 *   reviewer's `GateDecided`); absent when the actor is that service itself, and on events stored before it existed.
 */
export interface Actor {
  readonly kind: 'service' | 'human' | 'agent' | 'system';
  readonly id: string;
  readonly via?: string;
}

/**
 * The actor of a verified principal (a person's JWT, or a service account's key or client-credentials token),
 * recorded by `via` when given. Roles, teams and scopes are not part of an actor.
 * @example actorOf({ kind: 'human', id: 'ana', scopes: [] }, 'approval') // { kind: 'human', id: 'ana', via: 'approval' }
 */
export function actorOf(principal: Pick<Principal, 'kind' | 'id'>, via?: string): Actor {
  return {
    kind: principal.kind === 'human' ? 'human' : 'service',
    id: principal.id,
    ...(via === undefined ? {} : { via }),
  };
}

/**
 * The `metadata.actor` of an event that `service` appends for `by` (the person or service account whose command it
 * records): `by` with `via` = the service's id; the service's own actor when `by` is that service (e.g. a definition
 * or pack read from its directory at start-up).
 * @example recordedActor({ kind: 'human', id: 'ana' }, { kind: 'service', id: 'policy' }) // { kind: 'human', id: 'ana', via: 'policy' }
 */
export function recordedActor(by: Actor, service: Actor): Actor {
  return by.kind === service.kind && by.id === service.id ? service : { kind: by.kind, id: by.id, via: service.id };
}

/**
 * Who a command forwarded by the gateway is taken for (`lf.planner.start-run`, `lf.planner.fork-run`), as the
 * gateway authenticated the HTTP caller. Only the gateway may publish those subjects (`SERVICE_PUBLISHES`).
 * - `token`: the caller's own bearer JWT; the receiving service verifies it and takes the actor from it.
 * - `serviceAccount`: the principal id (`svc:<name>:<accountId>`) of a service account the gateway authenticated
 *   by its API key (which only the gateway can check); recorded as a `service` actor, never as a person.
 * Neither: the command has no caller (a webhook delivery, a NATS trigger); the service records itself.
 */
export interface ForwardedCaller {
  readonly token?: string;
  readonly serviceAccount?: string;
}

/**
 * Metadata carried by every stored event (docs/events.md, "Metadata").
 * - `eventId`: unique id of this event (UUID), also the JetStream message id when relayed.
 * - `runId`: correlation id: the run this event belongs to.
 * - `causationId`: the event id or command/message id that caused this event.
 * - `actor`: on whose behalf the event was appended: the person or service account whose command it records (as
 *   the service verified them, with `via` = that service), else the appending service itself (docs/events.md).
 * - `occurredAt`: ISO-8601 UTC time at which the deciding service produced the event.
 * - `traceparent`/`tracestate`: W3C trace context of the span that appended the event.
 * - `schemaVersion`: version of the event's `data` shape (1 for every type today); read-side
 *   upcasters turn old shapes into the current one (docs/events.md, "Versions and upcasting").
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

const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/;

/**
 * The trace id (32 lowercase hex digits) of a W3C `traceparent` (`<version>-<trace-id>-<parent-id>-<flags>`), as
 * events carry it in `metadata.traceparent`: what Jaeger and Grafana search by.
 * @returns null when `traceparent` is absent or not of that form, or its trace id is all zeros (invalid).
 * Source: https://www.w3.org/TR/trace-context/#traceparent-header
 * @example traceIdOf('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01') // '4bf92f3577b34da6a3ce929d0e0e4736'
 */
export function traceIdOf(traceparent: string | undefined): string | null {
  const traceId = traceparent === undefined ? undefined : TRACEPARENT.exec(traceparent)?.[1];
  return traceId === undefined || /^0+$/.test(traceId) ? null : traceId;
}
