import { nextPageOf } from '@ledgerflow/contracts';
import type { CliIo } from './command.js';
import { callGateway, gatewayUrlOf } from './gateway-call.js';

/**
 * Lists of the gateway, page by page (docs/api.md, "Lists"): every list answers one page (`?limit=`, 1..1000) as an
 * array, and names the next one in a `Link: <...>; rel="next"` header (`nextPageOf`).
 */

/**
 * One page of an answer: its items (the body, or its array `field`) and where the next page is (a path under the
 * gateway), if anywhere.
 */
function pageOf(
  value: unknown,
  headers: Headers,
  base: string,
  path: string,
  field: string | undefined,
): { items: unknown[]; next?: string } {
  const items = field === undefined ? value : (value as Record<string, unknown> | null)?.[field];
  if (!Array.isArray(items)) throw new Error(`the gateway answered GET ${path.split('?')[0]} without a list`);
  const next = nextPageOf(headers.get('link'));
  return { items, ...(next === undefined ? {} : { next: nextPath(next, base) }) };
}

/** A next-page link as a path of the gateway at `base`: a URL of another origin is refused (it would get the token). */
function nextPath(next: string, base: string): string {
  const url = new URL(next, base);
  if (url.origin !== new URL(base).origin) throw new Error(`the next page is on another origin (${url.origin})`);
  return `${url.pathname}${url.search}`;
}

/**
 * The items of a list from `path` on, following next pages until `max` items (default all) or the last page. With
 * `field`, each page is an object whose array `field` holds the page's items (`GET /v1/runs/{id}/checkpoints`).
 * Never throws: a refusal, an unreachable gateway, an answer without a list, a next page on another origin or named
 * twice is written to `io.err` and gives `undefined` (exit 1 for the command).
 * @returns the items (at most `max`), whether more remain, and the last page's body as answered.
 */
export async function listAll<T>(
  io: CliIo,
  path: string,
  options: { max?: number; token?: string; field?: string } = {},
): Promise<{ items: T[]; more: boolean; last: unknown } | undefined> {
  const max = options.max ?? Infinity;
  const base = gatewayUrlOf(io.env);
  const items: unknown[] = [];
  const fetched = new Set<string>();
  let next: string | undefined = path;
  let last: unknown;
  while (next !== undefined && items.length < max) {
    if (fetched.has(next)) {
      io.err(`error: the gateway named ${next} as the next page again\n`);
      return undefined;
    }
    fetched.add(next);
    const result = await callGateway(io, 'GET', next, undefined, options.token);
    if (!result.ok) return undefined;
    try {
      const page = pageOf(result.value, result.headers, base, next, options.field);
      items.push(...page.items);
      last = result.value;
      next = page.items.length === 0 ? undefined : page.next;
    } catch (error) {
      io.err(`error: ${(error as Error).message}\n`);
      return undefined;
    }
  }
  return { items: items.slice(0, max) as T[], more: items.length > max || next !== undefined, last };
}
