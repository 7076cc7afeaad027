import { nextPageOf } from '@ledgerflow/contracts/pages';
import { CONSOLE_PAGE_LIMIT, everyPage } from '../model/list-pages.js';
import type { ReadPage } from '../model/list-pages.js';
import { ApiError, apiErrorOf, bearer } from './api.js';

/** One page of a paged list of the API: its items, and the path of the next page (absent on the last). */
export interface ApiPage<T> {
  readonly items: T[];
  readonly next?: string;
}

/**
 * `GET path` of a list the API answers a page at a time (`GET /v1/runs`): the body, an array, and the next page's
 * path from the `Link: <...>; rel="next"` header (docs/api.md).
 * @throws ApiError as {@link api} does.
 */
export async function apiPage<T>(token: string, path: string, signal?: AbortSignal): Promise<ApiPage<T>> {
  let response: Response;
  try {
    response = await fetch(path, {
      headers: { ...bearer(token), accept: 'application/json' },
      ...(signal ? { signal } : {}),
    });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new ApiError(0, 'network_error', `The gateway could not be reached (${(error as Error).message}).`);
  }
  if (!response.ok) throw await apiErrorOf(response);
  const next = nextPageOf(response.headers.get('link'));
  return { items: (await response.json()) as T[], ...(next ? { next } : {}) };
}

/**
 * Every item of the list at `path` (an array answer, e.g. `GET /v1/gates?status=open`), reading
 * {@link CONSOLE_PAGE_LIMIT} a page and following each `Link: rel="next"` to the last page, so a long list is never
 * cut at its first page.
 * @throws ApiError as {@link api} does; Error when a page names one already read as next.
 */
export async function apiAll<T>(token: string, path: string, signal?: AbortSignal): Promise<T[]> {
  const first = `${path}${path.includes('?') ? '&' : '?'}limit=${CONSOLE_PAGE_LIMIT}`;
  return (await everyPage((page) => apiPage<T>(token, page, signal), first)).flat();
}

/**
 * A resource whose array `field` the API pages inside it (`GET /v1/workflows/{id}` and its `versions`): the object
 * of the last page with `field` holding the items of every page, in order.
 * @throws as {@link apiAll}.
 */
export async function apiAllIn<R extends object>(
  token: string,
  path: string,
  field: keyof R & string,
  signal?: AbortSignal,
): Promise<R> {
  const read = (page: string) => apiPage(token, page, signal) as unknown as Promise<ReadPage<R>>;
  const pages = await everyPage(read, `${path}${path.includes('?') ? '&' : '?'}limit=${CONSOLE_PAGE_LIMIT}`);
  const items = pages.flatMap((page) => (page as Record<string, unknown>)[field] as unknown[]);
  return { ...pages[pages.length - 1], [field]: items } as R;
}
