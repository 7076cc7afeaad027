import { RUN_EVENT_TYPES, ValidationError, isRunEventType } from '@ledgerflow/domain';
import { PATH_PARAMETER_FORMATS } from './input-shape.js';

/**
 * Parsing of the query parameters and headers of the live streams and of `GET /v1/runs/{id}/events`. Each
 * refusal is a ValidationError `request_invalid` (400) whose details name `field`, where it was (`in`) and the
 * `rule`.
 */

/** A value as a message may quote it: JSON-escaped and at most 100 characters. */
const quoted = (value: string) => JSON.stringify(value.length > 100 ? `${value.slice(0, 100)}...` : value);

const POSITION = /^[0-9]{1,15}$/;
const POSITION_RULE = 'a global position: an integer >= 0 (the id: of an update already received)';

function invalid(field: string, where: 'query' | 'header', rule: string, value: string): ValidationError {
  const name = where === 'header' ? `header ${field}` : `query parameter ${field}`;
  return new ValidationError('request_invalid', `${name} must be ${rule}; got ${quoted(value)}`, {
    field,
    in: where,
    rule,
  });
}

/**
 * Where a stream resumes: the `Last-Event-ID` header (what an EventSource sends on reconnect) or else the
 * `lastEventId` query parameter; undefined when neither is given. Updates with a position strictly greater are sent.
 * @throws ValidationError `request_invalid` naming `Last-Event-ID` or `lastEventId` when it is not an integer >= 0.
 */
export function resumePositionOf(header: string | undefined, query: unknown): number | undefined {
  if (header !== undefined && header !== '') {
    if (!POSITION.test(header.trim())) throw invalid('Last-Event-ID', 'header', POSITION_RULE, header);
    return Number(header.trim());
  }
  if (query === undefined) return undefined;
  if (typeof query !== 'string' || !POSITION.test(query))
    throw invalid('lastEventId', 'query', POSITION_RULE, String(query));
  return Number(query);
}

const TYPES_RULE = `a comma-separated list of run event types (${RUN_EVENT_TYPES.join(', ')})`;

/**
 * The `types` filter of `GET /v1/stream`: comma-separated run event types (spaces around them ignored);
 * undefined when not given.
 * @throws ValidationError `request_invalid` naming `types` for an empty list or a type that is not a run event type.
 */
export function eventTypesOf(query: unknown): ReadonlySet<string> | undefined {
  if (query === undefined) return undefined;
  const raw = String(query);
  const types = raw.split(',').map((type) => type.trim());
  const wrong = types.find((type) => !isRunEventType(type));
  if (wrong !== undefined) {
    const what = wrong === '' ? 'an empty type' : `unknown type ${quoted(wrong)}`;
    throw new ValidationError('request_invalid', `query parameter types has ${what}: it must be ${TYPES_RULE}`, {
      field: 'types',
      in: 'query',
      rule: TYPES_RULE,
    });
  }
  return new Set(types);
}

/**
 * The `workflowId` filter of `GET /v1/stream`; undefined when not given.
 * @throws ValidationError `request_invalid` naming `workflowId` when it is not a workflow id.
 */
export function workflowIdOf(query: unknown): string | undefined {
  if (query === undefined) return undefined;
  const format = PATH_PARAMETER_FORMATS.workflowId!;
  if (typeof query !== 'string' || !format.test(query))
    throw invalid('workflowId', 'query', format.rule, String(query));
  return query;
}

const AFTER_RULE = 'a revision: an integer >= -1 (events with a greater revision are returned; -1 returns all)';

/**
 * The `after` parameter of `GET /v1/runs/{id}/events`: a stream revision; only events with a greater revision are
 * returned. Undefined when not given (all events).
 * @throws ValidationError `request_invalid` naming `after` when it is not an integer >= -1.
 */
export function afterRevisionOf(query: unknown): number | undefined {
  if (query === undefined) return undefined;
  if (typeof query !== 'string' || !/^(-1|[0-9]{1,15})$/.test(query))
    throw invalid('after', 'query', AFTER_RULE, String(query));
  return Number(query);
}
