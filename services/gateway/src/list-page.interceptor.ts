import { UseInterceptors, applyDecorators, createParamDecorator } from '@nestjs/common';
import type { CallHandler, ExecutionContext, NestInterceptor, Type } from '@nestjs/common';
import { ApiOkResponse, ApiQuery } from '@nestjs/swagger';
import { map } from 'rxjs';
import type { Observable } from 'rxjs';
import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT } from '@ledgerflow/contracts';
import { cursorOf, encodeCursor, nextLink, pageLimitOf, pageOf } from './list-page.js';
import type { ListOrder, SortKey } from './list-page.js';

/** The `Link` response header of a list, as the OpenAPI document describes it. */
export const LINK_HEADER = {
  Link: {
    description:
      'The next page: `</v1/...?limit=<n>&cursor=<cursor>>; rel="next"` (RFC 8288); absent on the last page (docs/api.md, "Lists")',
    schema: { type: 'string' },
  },
} as const;

/** The `limit` and `cursor` query parameters of a list, as the OpenAPI document describes them. */
export function ApiListQuery(list: string): MethodDecorator {
  return applyDecorators(
    ApiQuery({
      name: 'limit',
      required: false,
      schema: { type: 'integer', minimum: 1, maximum: MAX_PAGE_LIMIT, default: DEFAULT_PAGE_LIMIT },
      description: `Items per page, 1..${MAX_PAGE_LIMIT} (default ${DEFAULT_PAGE_LIMIT}); 400 request_invalid naming limit otherwise`,
    }),
    ApiQuery({
      name: 'cursor',
      required: false,
      schema: { type: 'string' },
      description: `The opaque cursor of a Link rel="next" header of this list (${list}); 400 request_invalid naming cursor otherwise`,
    }),
  );
}

/** The page a request asks for: `limit` items strictly after the sort key `after` (from the first without it). */
export interface PageRequest {
  readonly limit: number;
  readonly after?: SortKey;
}

/** One page a handler read itself (a keyset read of its source): its items, and the key of the last when more follow. */
export interface KeysetPage<T> {
  readonly items: T[];
  readonly next?: SortKey;
}

/** Where the interceptor leaves the parsed {@link PageRequest} on the request, for {@link RequestedPage}. */
const PAGE_REQUEST = Symbol('ledgerflow.pageRequest');

type PagedRequest = { query?: Record<string, unknown>; originalUrl: string; [PAGE_REQUEST]?: PageRequest };

/** How a list is paged: the whole list sorted and sliced here, or read one page at a time by its handler. */
type Paging<T> =
  | { readonly kind: 'in-memory'; readonly order: ListOrder<T>; readonly field?: string }
  | { readonly kind: 'keyset'; readonly parts: number };

/**
 * Answers one page of a list, sets the `Link: rel="next"` header when more follow, and refuses a bad `limit` or
 * `cursor` (400 `request_invalid` naming it) before the handler runs. In memory, the handler returns the whole list
 * (or an object with it in `field`) and {@link pageOf} takes the page; keyset, the handler reads only the page
 * ({@link RequestedPage} gives it `limit` and the cursor's key) and returns a {@link KeysetPage}.
 */
export class ListPageInterceptor<T> implements NestInterceptor {
  constructor(
    private readonly list: string,
    private readonly paging: Paging<T>,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const request = http.getRequest<PagedRequest>();
    const response = http.getResponse<{ setHeader(name: string, value: string): unknown }>();
    const limit = pageLimitOf(request.query?.['limit']);
    const parts = this.paging.kind === 'keyset' ? this.paging.parts : this.paging.order.parts;
    const after = cursorOf(this.list, parts, request.query?.['cursor']);
    request[PAGE_REQUEST] = { limit, ...(after ? { after } : {}) };
    const link = (key: SortKey | undefined): void => {
      if (key) response.setHeader('Link', nextLink(request.originalUrl, limit, encodeCursor(this.list, key)));
    };
    const paging = this.paging;
    if (paging.kind === 'keyset')
      return next.handle().pipe(
        map((page: KeysetPage<T>) => {
          link(page.next);
          return page.items;
        }),
      );
    const { field } = paging;
    return next.handle().pipe(
      map((answer: readonly T[] | Record<string, unknown>) => {
        const items = (field === undefined ? answer : (answer as Record<string, unknown>)[field]) as readonly T[];
        const page = pageOf(items, paging.order, { limit, ...(after ? { after } : {}) });
        link(page.next);
        return field === undefined ? page.items : { ...answer, [field]: page.items };
      }),
    );
  }
}

/**
 * The {@link PageRequest} of a keyset list's request (a handler parameter), as {@link KeysetListPage}'s interceptor
 * parsed it from `?limit=` and `?cursor=`.
 */
export const RequestedPage = createParamDecorator(
  (_data: unknown, context: ExecutionContext): PageRequest =>
    context.switchToHttp().getRequest<PagedRequest>()[PAGE_REQUEST] ?? { limit: DEFAULT_PAGE_LIMIT },
);

/**
 * A list endpoint paged by cursor: `?limit=` and `?cursor=`, the `Link` header, and a 200 answer of `type[]` in the
 * OpenAPI document. `list` names the list inside its cursors; `order` is the list's order (a unique key per item).
 * With `field`, the handler answers an object (`type` in the OpenAPI document) whose array `field` is the list: the
 * page replaces it and the object's other fields stay.
 */
export function ListPage<T>(
  list: string,
  order: ListOrder<T>,
  type: Type<unknown>,
  options: { readonly field?: string } = {},
): MethodDecorator {
  const paging = {
    kind: 'in-memory',
    order,
    ...(options.field === undefined ? {} : { field: options.field }),
  } as const;
  return applyDecorators(
    ApiListQuery(list),
    ApiOkResponse({ type: options.field === undefined ? [type] : type, headers: LINK_HEADER }),
    UseInterceptors(new ListPageInterceptor(list, paging)),
  );
}

/**
 * A list endpoint paged by cursor whose handler reads only the page from its source (no whole list in memory): it
 * takes the {@link PageRequest} with {@link RequestedPage} and returns a {@link KeysetPage} whose `next` is a key of
 * `parts` strings. Query parameters, header and OpenAPI document as {@link ListPage}.
 */
export function KeysetListPage(list: string, parts: number, type: Type<unknown>): MethodDecorator {
  return applyDecorators(
    ApiListQuery(list),
    ApiOkResponse({ type: [type], headers: LINK_HEADER }),
    UseInterceptors(new ListPageInterceptor(list, { kind: 'keyset', parts })),
  );
}
