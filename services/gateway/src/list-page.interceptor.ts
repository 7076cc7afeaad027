import { UseInterceptors, applyDecorators } from '@nestjs/common';
import type { CallHandler, ExecutionContext, NestInterceptor, Type } from '@nestjs/common';
import { ApiOkResponse, ApiQuery } from '@nestjs/swagger';
import { map } from 'rxjs';
import type { Observable } from 'rxjs';
import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT } from '@ledgerflow/contracts';
import { cursorOf, encodeCursor, nextLink, pageLimitOf, pageOf } from './list-page.js';
import type { ListOrder } from './list-page.js';

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

/**
 * Answers one page of the array a list handler returns ({@link pageOf}), sets the `Link: rel="next"` header when
 * more follow, and refuses a bad `limit` or `cursor` (400 `request_invalid` naming it) before the handler runs.
 */
export class ListPageInterceptor<T> implements NestInterceptor {
  constructor(
    private readonly list: string,
    private readonly order: ListOrder<T>,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const http = context.switchToHttp();
    const request = http.getRequest<{ query?: Record<string, unknown>; originalUrl: string }>();
    const response = http.getResponse<{ setHeader(name: string, value: string): unknown }>();
    const limit = pageLimitOf(request.query?.['limit']);
    const after = cursorOf(this.list, this.order.parts, request.query?.['cursor']);
    return next.handle().pipe(
      map((items: readonly T[]) => {
        const page = pageOf(items, this.order, { limit, ...(after ? { after } : {}) });
        if (page.next)
          response.setHeader('Link', nextLink(request.originalUrl, limit, encodeCursor(this.list, page.next)));
        return page.items;
      }),
    );
  }
}

/**
 * A list endpoint paged by cursor: `?limit=` and `?cursor=`, the `Link` header, and a 200 answer of `type[]` in the
 * OpenAPI document. `list` names the list inside its cursors; `order` is the list's order (a unique key per item).
 */
export function ListPage<T>(list: string, order: ListOrder<T>, type: Type<unknown>): MethodDecorator {
  return applyDecorators(
    ApiListQuery(list),
    ApiOkResponse({ type: [type], headers: LINK_HEADER }),
    UseInterceptors(new ListPageInterceptor(list, order)),
  );
}
