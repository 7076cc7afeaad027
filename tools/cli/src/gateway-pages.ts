import type { CliIo } from './command.js';
import { callGateway, gatewayUrlOf } from './gateway-call.js';

/**
 * Lists of the gateway, page by page (docs/api.md, "Lists"): every list answers one page (`?limit=`, 1..1000), and
 * names the next one in a `Link: <...>; rel="next"` header (the body is then the array of items), or, for a body
 * that is an object, in a `next` field beside the items (`{ "items" | "data": [...], "next": "<url or cursor>" }`;
 * a bare cursor is sent as `?cursor=`). A gateway that does not page answers every item at once.
 */

/** The largest page a list accepts (`?limit=`, docs/api.md). */
export const MAX_PAGE = 1000;

/** One page of an answer: its items and where the next page is (a path under the gateway), if anywhere. */
export function pageOf(
  value: unknown,
  headers: Headers,
  base: string,
  path: string,
): { items: unknown[]; next?: string } {
  const body = value as Record<string, unknown> | unknown[] | undefined;
  const items = Array.isArray(body) ? body : (body?.items ?? body?.data);
  if (!Array.isArray(items)) throw new Error(`the gateway answered GET ${path.split('?')[0]} without a list`);
  const fromBody = Array.isArray(body) ? undefined : body?.next;
  const link = /<([^>]*)>\s*;\s*rel="?next"?/i.exec(headers.get('link') ?? '')?.[1];
  const next = typeof fromBody === 'string' && fromBody !== '' ? fromBody : link;
  return { items, ...(next === undefined ? {} : { next: nextPath(next, base, path) }) };
}

/** A next-page reference as a path of the gateway at `base`: a URL of another origin is refused (it would get the token). */
function nextPath(next: string, base: string, path: string): string {
  if (!next.startsWith('/') && !/^https?:/i.test(next)) {
    const url = new URL(path, base);
    url.searchParams.set('cursor', next);
    return `${url.pathname}${url.search}`;
  }
  const url = new URL(next, base);
  if (url.origin !== new URL(base).origin) throw new Error(`the next page is on another origin (${url.origin})`);
  return `${url.pathname}${url.search}`;
}

/**
 * The items of a list from `path` on, following next pages until `max` items (default all) or the last page.
 * Never throws: a refusal, an unreachable gateway, an answer without a list, a next page on another origin or named
 * twice is written to `io.err` and gives `undefined` (exit 1 for the command).
 * @returns the items (at most `max`) and whether more remain.
 */
export async function listAll<T>(
  io: CliIo,
  path: string,
  options: { max?: number; token?: string } = {},
): Promise<{ items: T[]; more: boolean } | undefined> {
  const max = options.max ?? Infinity;
  const base = gatewayUrlOf(io.env);
  const items: unknown[] = [];
  const fetched = new Set<string>();
  let next: string | undefined = path;
  while (next !== undefined && items.length < max) {
    if (fetched.has(next)) {
      io.err(`error: the gateway named ${next} as the next page again\n`);
      return undefined;
    }
    fetched.add(next);
    const result = await callGateway(io, 'GET', next, undefined, options.token);
    if (!result.ok) return undefined;
    try {
      const page = pageOf(result.value, result.headers, base, next);
      items.push(...page.items);
      next = page.items.length === 0 ? undefined : page.next;
    } catch (error) {
      io.err(`error: ${(error as Error).message}\n`);
      return undefined;
    }
  }
  return { items: items.slice(0, max) as T[], more: items.length > max || next !== undefined };
}
