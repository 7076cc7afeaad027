import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT } from '@ledgerflow/contracts';
import { ValidationError } from '@ledgerflow/domain';

/**
 * Cursor pagination of every list of the API (docs/api.md, "Lists"): `?limit=` (1..{@link MAX_PAGE_LIMIT}, default
 * {@link DEFAULT_PAGE_LIMIT}) items per page, and `?cursor=`, the opaque position after the previous page's last item.
 * The body stays the array of the page's items; the next page is named by a `Link: <...>; rel="next"` header
 * (RFC 8288), absent on the last page. A cursor is a keyset position (the sort key of the last item), not an offset,
 * so pages stay stable while items are added or removed: each item present throughout is listed exactly once.
 */

/** A sort key: compared part by part, as strings (ISO-8601 UTC times and ids sort correctly so). */
export type SortKey = readonly string[];

/** Longest cursor accepted, in characters (a key of two ids and a time is under 200). */
const MAX_CURSOR_LENGTH = 1000;

/** A refusal of query parameter `field` naming the rule and what was sent (at most 100 characters of it). */
export function invalidQuery(field: string, rule: string, value: unknown): ValidationError {
  const shown = JSON.stringify(String(value).slice(0, 100));
  return new ValidationError('request_invalid', `query parameter ${field} must be ${rule}; got ${shown}`, {
    field,
    in: 'query',
    rule,
  });
}

/**
 * `?limit=`: how many items a page holds.
 * @throws ValidationError `request_invalid` (400) naming `limit` unless it is an integer from 1 to 1000.
 */
export function pageLimitOf(query: unknown): number {
  if (query === undefined) return DEFAULT_PAGE_LIMIT;
  const limit = typeof query === 'string' && /^[0-9]{1,4}$/.test(query) ? Number(query) : NaN;
  if (!(limit >= 1 && limit <= MAX_PAGE_LIMIT))
    throw invalidQuery('limit', `an integer from 1 to ${MAX_PAGE_LIMIT}`, query);
  return limit;
}

/** The opaque text of a cursor of list `list`: base64url of the JSON array `[list, ...key]`. */
export const encodeCursor = (list: string, key: SortKey): string =>
  Buffer.from(JSON.stringify([list, ...key]), 'utf8').toString('base64url');

/**
 * `?cursor=`: the sort key of the last item of the previous page of `list`, undefined when not given.
 * @throws ValidationError `request_invalid` (400) naming `cursor` unless it is a cursor of this list with a key of
 *   `parts` strings, as a `Link: rel="next"` of the same list hands out (a cursor of another list is refused too).
 */
export function cursorOf(list: string, parts: number, query: unknown): SortKey | undefined {
  if (query === undefined) return undefined;
  let decoded: unknown;
  if (typeof query === 'string' && query.length <= MAX_CURSOR_LENGTH && /^[A-Za-z0-9_-]+$/.test(query)) {
    try {
      decoded = JSON.parse(Buffer.from(query, 'base64url').toString('utf8'));
    } catch {
      decoded = undefined;
    }
  }
  const ok =
    Array.isArray(decoded) &&
    decoded.length === parts + 1 &&
    decoded[0] === list &&
    decoded.every((part) => typeof part === 'string');
  if (!ok) throw invalidQuery('cursor', `the cursor of a Link rel="next" header of this list (${list})`, query);
  return (decoded as string[]).slice(1);
}

/** Orders two sort keys part by part (by UTF-16 code units, as `<` on strings does). */
export function compareKeys(a: SortKey, b: SortKey): number {
  for (let i = 0; i < Math.max(a.length, b.length); i += 1) {
    const x = a[i] ?? '';
    const y = b[i] ?? '';
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** How a list is ordered: by `keyOf` (unique per item, `parts` strings), ascending or descending. */
export interface ListOrder<T> {
  readonly keyOf: (item: T) => SortKey;
  readonly parts: number;
  readonly direction: 'asc' | 'desc';
}

/**
 * The versions of one workflow or policy pack, as `GET /v1/workflows/{id}` and `GET /v1/policy-packs/{name}` page
 * them: newest registration first, the version (unique in its stream) breaking a tie of registration times.
 */
export const VERSIONS_NEWEST_FIRST: ListOrder<{ readonly registeredAt: string; readonly version: string }> = {
  keyOf: (v) => [v.registeredAt, v.version],
  parts: 2,
  direction: 'desc',
};

/**
 * One page of `items`: sorted by `order`, those strictly after `after` (when given), at most `limit`; `next` is the
 * key of the page's last item when more items follow (undefined on the last page).
 */
export function pageOf<T>(
  items: readonly T[],
  order: ListOrder<T>,
  page: { readonly limit: number; readonly after?: SortKey },
): { items: T[]; next?: SortKey } {
  const sign = order.direction === 'asc' ? 1 : -1;
  const keyed = items.map((item) => ({ item, key: order.keyOf(item) }));
  keyed.sort((a, b) => sign * compareKeys(a.key, b.key));
  const after = page.after;
  const rest = after === undefined ? keyed : keyed.filter(({ key }) => sign * compareKeys(key, after) > 0);
  const taken = rest.slice(0, page.limit);
  const last = taken[taken.length - 1];
  return { items: taken.map(({ item }) => item), ...(rest.length > taken.length && last ? { next: last.key } : {}) };
}

/**
 * The `Link` header naming the next page: the request's path and query with `cursor` (and `limit`) set. `url` is the
 * request's path and query as received (`/v1/gates?status=open`).
 */
export function nextLink(url: string, limit: number, cursor: string): string {
  const parsed = new URL(url, 'http://gateway.invalid');
  parsed.searchParams.set('limit', String(limit));
  parsed.searchParams.set('cursor', cursor);
  return `<${parsed.pathname}${parsed.search}>; rel="next"`;
}
