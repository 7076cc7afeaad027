import { cursorOf, invalidQuery } from './list-page.js';

/**
 * Paging of `GET /v1/runs` (docs/api.md, "Lists"; list-page.ts): `limit` and `cursor`, an opaque cursor naming the
 * last run of the previous page. The cursor is a keyset position (creation time, then run id), not an offset, so
 * pages stay stable while runs are added: a new run sorts before every cursor already handed out.
 */

/** Where a page starts: the runs strictly older than this (by `createdAt`, then `runId`). */
export interface RunCursor {
  readonly createdAt: string;
  readonly runId: string;
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

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
  if (!ok) throw invalidQuery(field, 'an ISO-8601 time with a zone, e.g. 2026-05-01T10:00:00Z', query);
  return new Date(Date.parse(query)).toISOString();
}

/**
 * `?cursor=`: the cursor of a `Link: <...>; rel="next"` header of `GET /v1/runs` ({@link cursorOf} of list `runs`,
 * key `[createdAt, runId]`), undefined when not given.
 * @throws ValidationError `request_invalid` (400) naming `cursor` when it is not a cursor this API handed out.
 */
export function runCursorOf(query: unknown): RunCursor | undefined {
  const key = cursorOf('runs', 2, query);
  if (key === undefined) return undefined;
  const [createdAt, runId] = key as [string, string];
  if (!ISO_TIME.test(createdAt) || !runId)
    throw invalidQuery('cursor', 'the cursor of a Link rel="next" header of this list (runs)', query);
  return { createdAt, runId };
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
