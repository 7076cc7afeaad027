import fc from 'fast-check';
import { LedgerflowError } from '@ledgerflow/domain';
import { compareKeys, cursorOf, encodeCursor, nextLink, pageLimitOf, pageOf } from './list-page.js';
import type { ListOrder, SortKey } from './list-page.js';

interface Item {
  readonly at: string;
  readonly id: string;
}

const byAtThenId = (direction: 'asc' | 'desc'): ListOrder<Item> => ({
  keyOf: (item) => [item.at, item.id],
  parts: 2,
  direction,
});

/** Items with unique ids; times drawn from a few values so that ties on the first key part are common. */
const items = fc.uniqueArray(
  fc.record({ at: fc.constantFrom('2026-01-01T00:00:00.000Z', '2026-01-02T00:00:00.000Z', ''), id: fc.string() }),
  { selector: (item) => item.id, maxLength: 60 },
);

/** Every page of `all` in turn, each cursor passed through its text form as a client would. */
function walk(all: readonly Item[], order: ListOrder<Item>, limit: number): { pages: Item[][]; items: Item[] } {
  const pages: Item[][] = [];
  let after: SortKey | undefined;
  for (;;) {
    const page = pageOf(all, order, { limit, ...(after ? { after } : {}) });
    pages.push(page.items);
    if (!page.next) break;
    after = cursorOf('things', 2, encodeCursor('things', page.next));
  }
  return { pages, items: pages.flat() };
}

describe('cursor pagination of a list', () => {
  it('paging through any list with any limit yields every item exactly once, in the list order', () => {
    fc.assert(
      fc.property(items, fc.integer({ min: 1, max: 70 }), fc.constantFrom('asc', 'desc'), (all, limit, direction) => {
        const order = byAtThenId(direction as 'asc' | 'desc');
        const { pages, items: seen } = walk(all, order, limit);
        const sign = direction === 'asc' ? 1 : -1;
        const expected = [...all].sort((a, b) => sign * compareKeys(order.keyOf(a), order.keyOf(b)));
        expect(seen).toEqual(expected);
        // Every page but the last is full; the last is empty only for an empty list.
        pages.slice(0, -1).forEach((page) => expect(page).toHaveLength(limit));
        expect(pages.at(-1)!.length > 0 || all.length === 0).toBe(true);
      }),
    );
  });

  it('while items are added and removed between pages, each item present throughout is listed exactly once', () => {
    const change = fc.record({
      add: fc.option(fc.record({ at: fc.constantFrom('', '2026-01-01T00:00:00.000Z'), id: fc.string() })),
      remove: fc.nat(),
    });
    fc.assert(
      fc.property(
        items,
        fc.integer({ min: 1, max: 10 }),
        fc.array(change, { maxLength: 30 }),
        (initial, limit, changes) => {
          const order = byAtThenId('asc');
          const current = [...initial];
          const everPresent = new Set(current.map((item) => item.id));
          const removed = new Set<string>();
          const seen: string[] = [];
          let after: SortKey | undefined;
          for (let step = 0; ; step += 1) {
            const page = pageOf(current, order, { limit, ...(after ? { after } : {}) });
            seen.push(...page.items.map((item) => item.id));
            if (!page.next) break;
            after = page.next;
            const { add, remove } = changes[step] ?? { add: null, remove: 0 };
            if (current.length > 0 && changes[step]) {
              const gone = current.splice(remove % current.length, 1)[0]!;
              removed.add(gone.id);
            }
            if (add && !everPresent.has(add.id)) {
              current.push(add);
              everPresent.add(add.id);
            }
          }
          expect(new Set(seen).size).toBe(seen.length);
          for (const item of initial) if (!removed.has(item.id)) expect(seen).toContain(item.id);
        },
      ),
    );
  });

  it('any limit other than an integer from 1 to 1000 and any text that is not a cursor of this list is a 400 naming it', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.integer().map(String), fc.array(fc.string())), (query) => {
        fc.pre(!(typeof query === 'string' && /^[0-9]{1,4}$/.test(query) && +query >= 1 && +query <= 1000));
        expect(() => pageLimitOf(query)).toThrow(
          expect.objectContaining({ code: 'request_invalid', details: expect.objectContaining({ field: 'limit' }) }),
        );
      }),
    );
    const hostileCursor = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary' }),
      fc.base64String(),
      fc.jsonValue().map((value) => Buffer.from(JSON.stringify(value)).toString('base64url')),
      fc.array(fc.string(), { maxLength: 4 }).map((key) => encodeCursor('other-list', key)),
      fc.array(fc.string(), { maxLength: 4 }).map((key) => encodeCursor('things', key)),
    );
    fc.assert(
      fc.property(hostileCursor, (query) => {
        try {
          const key = cursorOf('things', 2, query);
          // Accepted only when it is a cursor of this list with a key of two strings.
          expect(query).toBe(encodeCursor('things', key!));
        } catch (error) {
          expect(error).toBeInstanceOf(LedgerflowError);
          expect(error).toMatchObject({ code: 'request_invalid', details: { field: 'cursor', in: 'query' } });
        }
      }),
    );
  });

  it('the Link header keeps the filters of the request and sets limit and cursor', () => {
    expect(nextLink('/v1/gates?status=open&cursor=old', 2, 'abc')).toBe(
      '</v1/gates?status=open&cursor=abc&limit=2>; rel="next"',
    );
  });
});
