/**
 * Reading a list of the API to its end (docs/api.md, "Lists"): each answer is one page, and its `Link: <...>;
 * rel="next"` header names the next (absent on the last). The page reader is given (the app's `apiPage`), so the
 * following is tested without a gateway.
 */

/** Items per page the console asks for: the API's most (1..1000), so a long list takes few requests. */
export const CONSOLE_PAGE_LIMIT = 1000;

/** One page as read: its body (an array, or an object holding one) and the path of the next page, if any. */
export interface ReadPage<B> {
  readonly items: B;
  readonly next?: string;
}

/**
 * The body of every page of the list at `first`, in order: reads it with `read`, then each next page it names.
 * @throws Error when a page names a path already read as next (a loop); whatever `read` throws.
 */
export async function everyPage<B>(read: (path: string) => Promise<ReadPage<B>>, first: string): Promise<B[]> {
  const bodies: B[] = [];
  const seen = new Set<string>();
  for (let next: string | undefined = first; next !== undefined;) {
    if (seen.has(next)) throw new Error(`the gateway named ${next} as the next page again`);
    seen.add(next);
    const page: ReadPage<B> = await read(next);
    bodies.push(page.items);
    next = page.next;
  }
  return bodies;
}
