import { nextPageOf } from '@ledgerflow/contracts/pages';
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
