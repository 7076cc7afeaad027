import { trace, type Attributes, type Tracer } from '@opentelemetry/api';
import { subjects } from '@ledgerflow/contracts';

/** The tracer every messaging span comes from; a no-op until libs/telemetry registers a provider. */
export const messagingTracer = (): Tracer => trace.getTracer('@ledgerflow/messaging');

/** JetStream's message id header (`msgID` of a publish): the event id on `LF_EVENTS`, the idempotency key on triggers. */
export const NATS_MSG_ID_HEADER = 'Nats-Msg-Id';

/**
 * `messaging.operation.type` of the OpenTelemetry messaging semantic conventions (semconv 1.45, "Messaging spans",
 * https://opentelemetry.io/docs/specs/semconv/messaging/messaging-spans/): `send` for a publish or a request,
 * `receive` for a pull, `process` for handling a delivered message, `settle` for an ack or nak.
 */
export type MessagingOperationType = 'send' | 'receive' | 'process' | 'settle' | 'create';

/** What {@link natsAttributes} adds besides system, operation and destination; each only when known. */
export interface NatsSpanDetails {
  /** `messaging.message.id`: the JetStream message id (`Nats-Msg-Id`: event id, idempotency key). */
  readonly messageId?: string;
  /** `messaging.consumer.group.name`: the durable consumer or queue group. */
  readonly consumerGroup?: string;
  /** `messaging.message.body.size`, in bytes. */
  readonly bodySize?: number;
}

/** In {@link ID_PATTERNS}: a token kept as it is (a category, an event type). */
const NAME = '{name}';
/** In {@link ID_PATTERNS}: a token that is an id, and in a template the NATS wildcard for one token. */
const ID = '*';
/** The subjects that carry ids, built by the contract's own subject builders, split into tokens. */
const ID_PATTERNS: readonly (readonly string[])[] = [
  subjects.event(NAME, ID, NAME),
  subjects.anchor(NAME, ID),
  subjects.trigger(ID),
  subjects.triggerRejected(ID),
  subjects.executorPresence(ID),
].map((pattern) => pattern.split('.'));

/**
 * The low-cardinality form of a subject (`messaging.destination.template`): the ids Ledgerflow puts in subjects
 * (docs/subjects.md) become `*`, the NATS wildcard for one token, so one operation has one span name whatever the run.
 * The subjects with ids are those the `subjects` builders of @ledgerflow/contracts make, for a subject of as many tokens:
 * - `lf.evt.<category>.<streamId>.<EventType>` -> `lf.evt.<category>.*.<EventType>`
 * - `lf.anchor.<category>.<streamId>` -> `lf.anchor.<category>.*`
 * - `lf.trigger.<workflowId>`, `lf.trigger-rejected.<workflowId>` -> `lf.trigger.*`, `lf.trigger-rejected.*`
 * - `lf.executor.presence.<instanceId>` -> `lf.executor.presence.*`
 * - any other subject (`lf.policy.evaluate`, `lf.tool.<tool>.<action>`, `lf.dlq.<durable>`, ...) as it is: its
 *   tokens are names fixed by code or configuration, not ids.
 * @example subjectTemplate('lf.evt.run.run-42.StepSucceeded') // 'lf.evt.run.*.StepSucceeded'
 */
export function subjectTemplate(subject: string): string {
  const tokens = subject.split('.');
  const pattern = ID_PATTERNS.find(
    (each) =>
      each.length === tokens.length && each.every((token, i) => token === NAME || token === ID || token === tokens[i]),
  );
  return pattern === undefined ? subject : pattern.map((token, i) => (token === ID ? ID : tokens[i])).join('.');
}

/**
 * The span name of a messaging operation: `{operation} {destination template}` (messaging conventions, "Span
 * name"), never a concrete subject carrying an id.
 * @example messagingSpanName('process', 'lf.evt.run.run-42.StepSucceeded') // 'process lf.evt.run.*.StepSucceeded'
 */
export const messagingSpanName = (operation: string, subject: string): string =>
  `${operation} ${subjectTemplate(subject)}`;

/**
 * Span attributes of a NATS operation on `subject` (OpenTelemetry messaging semantic conventions):
 * `messaging.system` `nats`, `messaging.operation.type` and `.name`, `messaging.destination.name` (the concrete
 * subject), `messaging.destination.template` (when ids were replaced, see {@link subjectTemplate}), and the details
 * given.
 * @example natsAttributes('lf.policy.evaluate', 'send', 'request')
 */
export function natsAttributes(
  subject: string,
  operationType: MessagingOperationType,
  operationName: string = operationType,
  details: NatsSpanDetails = {},
): Attributes {
  const template = subjectTemplate(subject);
  return {
    'messaging.system': 'nats',
    'messaging.operation.type': operationType,
    'messaging.operation.name': operationName,
    'messaging.destination.name': subject,
    ...(template !== subject ? { 'messaging.destination.template': template } : {}),
    ...(details.messageId ? { 'messaging.message.id': details.messageId } : {}),
    ...(details.consumerGroup ? { 'messaging.consumer.group.name': details.consumerGroup } : {}),
    ...(details.bodySize !== undefined ? { 'messaging.message.body.size': details.bodySize } : {}),
  };
}
