import { ValidationError } from '@ledgerflow/domain';

/**
 * Paging of `GET /v1/runs` (docs/api.md): `limit` (1..1000, default 100) and `before`, an opaque cursor naming the
 * last run of the previous page. The cursor is a keyset position (creation time, then run id), not an offset, so
 * pages stay stable while runs are added: a new run sorts before every cursor already handed out.
 */

/** Where a page starts: the runs strictly older than this (by `createdAt`, then `runId`). */
export interface RunCursor {
  readonly createdAt: string;
  readonly runId: string;
}

export const DEFAULT_RUNS_LIMIT = 100;
export const MAX_RUNS_LIMIT = 1000;

const LIMIT = /^[0-9]{1,4}$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

function invalid(field: string, rule: string, value: unknown): ValidationError {
  const shown = JSON.stringify(String(value).slice(0, 100));
  return new ValidationError('request_invalid', `query parameter ${field} must be ${rule}; got ${shown}`, {
    field,
    in: 'query',
    rule,
  });
}

/**
 * `?limit=`: how many runs a page holds.
 * @throws ValidationError `request_invalid` (400) naming `limit` unless it is an integer from 1 to 1000.
 */
export function runsLimitOf(query: unknown): number {
  if (query === undefined) return DEFAULT_RUNS_LIMIT;
  const limit = typeof query === 'string' && LIMIT.test(query) ? Number(query) : NaN;
  if (!(limit >= 1 && limit <= MAX_RUNS_LIMIT)) throw invalid('limit', `an integer from 1 to ${MAX_RUNS_LIMIT}`, query);
  return limit;
}

/**
 * `?createdAfter=` / `?createdBefore=`: a time bound on runs' creation, ISO-8601 with a zone (`2026-05-01T10:00:00Z`,
 * `...+02:00`), answered normalized to UTC; undefined when not given.
 * @throws ValidationError `request_invalid` (400) naming the field when it is not such a time.
 */
export function runTimeBoundOf(field: 'createdAfter' | 'createdBefore', query: unknown): string | undefined {
  if (query === undefined) return undefined;
  const ok =
    typeof query === 'string' &&
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/.test(query) &&
    !Number.isNaN(Date.parse(query));
  if (!ok) throw invalid(field, 'an ISO-8601 time with a zone, e.g. 2026-05-01T10:00:00Z', query);
  return new Date(Date.parse(query)).toISOString();
}

/** The opaque text of a cursor: base64url of `<createdAt>|<runId>`. */
export const encodeRunCursor = (cursor: RunCursor): string =>
  Buffer.from(`${cursor.createdAt}|${cursor.runId}`, 'utf8').toString('base64url');

/**
 * `?before=`: the cursor of a `Link: <...>; rel="next"` header, undefined when not given.
 * @throws ValidationError `request_invalid` (400) naming `before` when it is not a cursor this API handed out.
 */
export function runCursorOf(query: unknown): RunCursor | undefined {
  if (query === undefined) return undefined;
  const text =
    typeof query === 'string' && /^[A-Za-z0-9_-]{1,400}$/.test(query)
      ? Buffer.from(query, 'base64url').toString('utf8')
      : '';
  const split = text.indexOf('|');
  const cursor = { createdAt: text.slice(0, split), runId: text.slice(split + 1) };
  if (split < 0 || !ISO_TIME.test(cursor.createdAt) || !cursor.runId)
    throw invalid('before', 'the cursor of a Link rel="next" header of GET /v1/runs', query);
  return cursor;
}

/** Orders runs oldest first: by creation time, then run id (so runs created in the same millisecond have an order). */
export const compareRunKeys = (a: RunCursor, b: RunCursor): number =>
  a.createdAt === b.createdAt
    ? a.runId < b.runId
      ? -1
      : a.runId > b.runId
        ? 1
        : 0
    : a.createdAt < b.createdAt
      ? -1
      : 1;
