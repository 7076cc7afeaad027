/**
 * The operations `docs/api.md`'s "Endpoints" table lists, as `METHOD /path` (OpenAPI path templates). A cell
 * lists `` `METHOD /path` `` items separated by commas; an item `` `/suffix` `` repeats the item before it with
 * its last path segment replaced (`` `POST /v1/runs/{runId}/retry`, `/skip` `` lists both).
 */
export function documentedOperations(markdown: string): Set<string> {
  const section = markdown.slice(
    markdown.indexOf('## Endpoints'),
    markdown.indexOf('\n## ', markdown.indexOf('## Endpoints') + 3),
  );
  const operations = new Set<string>();
  for (const line of section.split('\n').filter((l) => l.startsWith('| `'))) {
    const cell = line.split('|')[1] ?? '';
    let previous: { method: string; path: string } | undefined;
    for (const item of cell.matchAll(/`([^`]+)`/g)) {
      const text = item[1] as string;
      const full = /^(GET|POST|PUT|DELETE|PATCH) (\/\S+)$/.exec(text);
      if (full) previous = { method: full[1] as string, path: full[2] as string };
      else if (text.startsWith('/') && previous)
        previous = { method: previous.method, path: previous.path.replace(/\/[^/]+$/, text) };
      else continue;
      operations.add(`${previous.method} ${previous.path}`);
    }
  }
  return operations;
}
