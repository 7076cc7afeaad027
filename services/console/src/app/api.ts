/**
 * Calls to the gateway's API (docs/api.md), same origin, with the signed-in person's bearer token. Every refusal
 * becomes an {@link ApiError} carrying the API's `{error: {code, message}}`, so views show the API's own words.
 */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    /** HTTP status; 0 when the gateway could not be reached. */
    readonly status: number,
    /** The API's error code (`forbidden`, `run_reviewer_not_named`, ...), or `network_error` / `http_<status>`. */
    readonly code: string,
    message: string,
    /** The API's `error.details` (e.g. `field`, `rule`, `errors` of a 422 `input_invalid`), when it gave any. */
    readonly details?: Readonly<Record<string, unknown>>,
  ) {
    super(message);
  }
}

/** `{authorization: 'Bearer <token>'}`. */
export const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

/**
 * The JSON answer of `method path` (path under the gateway, e.g. `/v1/runs`), `body` sent as JSON.
 * @throws ApiError with the API's code and message for any status >= 400; code `network_error` when unreachable.
 */
export async function api<T>(
  token: string,
  path: string,
  init: { method?: string; body?: unknown; signal?: AbortSignal } = {},
): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      method: init.method ?? 'GET',
      headers: {
        ...bearer(token),
        accept: 'application/json',
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      ...(init.signal ? { signal: init.signal } : {}),
    });
  } catch (error) {
    if (init.signal?.aborted) throw error;
    throw new ApiError(0, 'network_error', `The gateway could not be reached (${(error as Error).message}).`);
  }
  if (!response.ok) throw await apiErrorOf(response);
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

/** The {@link ApiError} of a refused response, from its `{error: {code, message}}` body when it has one. */
export async function apiErrorOf(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown; details?: unknown } };
    if (body.error && typeof body.error.code === 'string') {
      const { details } = body.error;
      const message = typeof body.error.message === 'string' ? body.error.message : body.error.code;
      return new ApiError(
        response.status,
        body.error.code,
        message,
        typeof details === 'object' && details !== null ? (details as Record<string, unknown>) : undefined,
      );
    }
  } catch {
    // not JSON: described below
  }
  return new ApiError(
    response.status,
    `http_${response.status}`,
    `The gateway answered HTTP ${response.status}${text ? `: ${text.slice(0, 200)}` : ''}.`,
  );
}

/** A sentence for any error a view shows: the API's code and message, or the error's own message. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError)
    return `${error.message} (${error.code}${error.status ? `, HTTP ${error.status}` : ''})`;
  return error instanceof Error ? error.message : String(error);
}
