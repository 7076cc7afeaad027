import type { LabelledExample, MemoryLabelsPage, MemoryLabelsRequest } from '@ledgerflow/contracts';
import { cursorOf, encodeCursor, invalidQuery, nextLink, pageLimitOf } from './list-page.js';

/**
 * Paging of `GET /v1/workflows/{workflowId}/labels` (docs/api.md, "Lists"): the same `?limit=` and `?cursor=` as every
 * list, but the body is JSON lines (`application/x-ndjson`, one `LabelledExample` per line) rather than an array.
 * Memory pages the labels itself (`lf.memory.labels`, its own opaque `next`); the gateway hands that out wrapped in a
 * cursor of list `labels`, so a garbled or forged cursor is refused here with 400, as on every list.
 */

/** The list name inside labels' cursors. */
export const LABELS_LIST = 'labels';
/** The media type of the labels' body: newline-delimited JSON. */
export const NDJSON_MEDIA_TYPE = 'application/x-ndjson';
/** Step ids as definitions declare them (libs/definitions). */
const STEP_ID = /^[a-z][a-z0-9_-]{0,62}$/;

/**
 * The memory request of one page, from the query parameters as received.
 * @throws ValidationError `request_invalid` (400) naming `stepId` (not a step id), `limit` (not 1..1000) or `cursor`
 *   (not one a `Link` of this list handed out).
 */
export function labelsRequestOf(
  workflowId: string,
  query: { readonly stepId?: unknown; readonly limit?: unknown; readonly cursor?: unknown },
): MemoryLabelsRequest & { readonly limit: number } {
  const { stepId } = query;
  if (stepId !== undefined && (typeof stepId !== 'string' || !STEP_ID.test(stepId)))
    throw invalidQuery('stepId', 'a step id matching ^[a-z][a-z0-9_-]{0,62}$', stepId);
  const limit = pageLimitOf(query.limit);
  const after = cursorOf(LABELS_LIST, 1, query.cursor)?.[0];
  return {
    workflowId,
    limit,
    ...(stepId === undefined ? {} : { stepId }),
    ...(after === undefined ? {} : { after }),
  };
}

/** The body of a page: each example as one line of JSON, each line ending in `\n` (empty for no examples). */
export function ndjsonOf(labels: readonly LabelledExample[]): string {
  return labels.map((label) => `${JSON.stringify(label)}\n`).join('');
}

/**
 * The `Link` header of a page, or undefined on the last one: the request's path and query with `limit` and a
 * `cursor` wrapping memory's `next`. `url`: the request's path and query as received.
 */
export function labelsLinkOf(url: string, limit: number, page: MemoryLabelsPage): string | undefined {
  if (page.next === undefined || page.labels.length === 0) return undefined;
  return nextLink(url, limit, encodeCursor(LABELS_LIST, [page.next]));
}
