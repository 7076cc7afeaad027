/**
 * How every list of the gateway's API pages (docs/api.md, "Lists"): the body is the array of one page's items, at
 * most `?limit=` of them (1..{@link MAX_PAGE_LIMIT}, default {@link DEFAULT_PAGE_LIMIT}), and a `Link` header
 * names the next page (`<path?...&cursor=...>; rel="next"`, RFC 8288), absent on the last page.
 */

/** Items per page when `?limit=` is absent. */
export const DEFAULT_PAGE_LIMIT = 100;
/** The largest `?limit=` a list accepts. */
export const MAX_PAGE_LIMIT = 1000;

/**
 * The target of the `rel="next"` link of a `Link` header (RFC 8288: several links separated by commas, `rel` quoted
 * or not, possibly with several relation types), or undefined on the last page (no header, or no `next` link).
 * @example nextPageOf('</v1/runs?x=1>; rel="prev", </v1/runs?y=2>; rel=next') // '/v1/runs?y=2'
 */
export function nextPageOf(link: string | null | undefined): string | undefined {
  for (const part of (link ?? '').split(',')) {
    const match = /^\s*<([^>]*)>\s*;(.*)$/.exec(part);
    if (match && /(^|;)\s*rel\s*=\s*"?([^";]*\s)?next(\s[^";]*)?"?\s*(;|$)/.test(match[2]!)) return match[1];
  }
  return undefined;
}
