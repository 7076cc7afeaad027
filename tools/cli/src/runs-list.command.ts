import { stringOption, UsageError } from './args.js';
import type { ParsedArgs } from './args.js';
import type { CliCommand, CliIo } from './command.js';
import { formatTable } from './gates.command.js';
import { callGateway, gatewayUrlOf } from './gateway-call.js';

/**
 * `ledgerflow runs list`: runs, newest first, through the gateway's `GET /v1/runs` (scope `runs:read`,
 * docs/api.md), a page at a time. The next page is the one the gateway names: a `Link: <...>; rel="next"` header
 * (the gateway today; the body is then the array of runs), or a `next` field beside the runs in an object body
 * (`{ "items" | "runs" | "data": [...], "next": "<url or cursor>" }`; a bare cursor is sent as `?before=`). A
 * gateway that does not page answers every run at once; the list is then cut at `--limit`.
 */

/** A run as `GET /v1/runs` lists it (the fields printed; the rest is kept for `--json`). */
interface RunRow {
  readonly runId: string;
  readonly workflowId: string;
  readonly workflowVersion: string;
  readonly status: string;
  readonly createdAt: string;
  readonly openGates?: number;
  readonly failure?: { code: string; reason: string };
}

/** Runs listed without `--limit`. */
export const DEFAULT_LIST_LIMIT = 100;
/** The largest page `GET /v1/runs?limit=` accepts (docs/api.md). */
const MAX_PAGE = 1000;
const LIMIT = /^[1-9][0-9]{0,6}$/;

/** One page of an answer: its runs and where the next page is (a path under the gateway), if anywhere. */
export function pageOf(value: unknown, headers: Headers, base: string): { runs: RunRow[]; next?: string } {
  const body = value as Record<string, unknown> | unknown[] | undefined;
  const items = Array.isArray(body) ? body : (body?.items ?? body?.runs ?? body?.data);
  if (!Array.isArray(items)) throw new Error('the gateway answered GET /v1/runs without a list of runs');
  const fromBody = Array.isArray(body) ? undefined : body?.next;
  const link = /<([^>]*)>\s*;\s*rel="?next"?/i.exec(headers.get('link') ?? '')?.[1];
  const next = typeof fromBody === 'string' && fromBody !== '' ? fromBody : link;
  return { runs: items as RunRow[], ...(next === undefined ? {} : { next: pathOf(next, base) }) };
}

/** A next-page reference as a path of the gateway at `base`: a URL of another origin is refused (it would get the token). */
function pathOf(next: string, base: string): string {
  if (!next.startsWith('/') && !/^https?:/i.test(next)) return `/v1/runs?before=${encodeURIComponent(next)}`;
  const url = new URL(next, base);
  if (url.origin !== new URL(base).origin) throw new Error(`the next page is on another origin (${url.origin})`);
  return `${url.pathname}${url.search}`;
}

function firstPath(args: ParsedArgs, pageSize: number): string {
  const query = new URLSearchParams({ limit: String(pageSize) });
  for (const [option, param] of [
    ['workflow', 'workflowId'],
    ['status', 'status'],
    ['created-after', 'createdAfter'],
    ['created-before', 'createdBefore'],
  ] as const) {
    const value = stringOption(args, option);
    if (value !== undefined) query.set(param, value);
  }
  return `/v1/runs?${query.toString()}`;
}

async function list(args: ParsedArgs, io: CliIo): Promise<number> {
  const limitText = stringOption(args, 'limit');
  if (limitText !== undefined && !LIMIT.test(limitText))
    throw new UsageError(`--limit must be a whole number from 1 to 9999999, got ${limitText}`);
  const all = args.options.has('all');
  if (all && limitText !== undefined) throw new UsageError('--all and --limit exclude each other');
  const limit = all ? Infinity : Number(limitText ?? DEFAULT_LIST_LIMIT);
  const base = gatewayUrlOf(io.env);
  const runs: RunRow[] = [];
  let path: string | undefined = firstPath(args, Math.min(limit, MAX_PAGE));
  const fetched = new Set<string>();
  while (path !== undefined && runs.length < limit) {
    if (fetched.has(path)) {
      io.err(`error: the gateway named ${path} as the next page again\n`);
      return 1;
    }
    fetched.add(path);
    const result = await callGateway(io, 'GET', path);
    if (!result.ok) return 1;
    let page;
    try {
      page = pageOf(result.value, result.headers, base);
    } catch (error) {
      io.err(`error: ${(error as Error).message}\n`);
      return 1;
    }
    runs.push(...page.runs);
    path = page.runs.length === 0 ? undefined : page.next;
  }
  const more = runs.length > limit || path !== undefined;
  const shown = runs.slice(0, limit);
  if (args.options.has('json')) io.out(`${JSON.stringify(shown, null, 2)}\n`);
  else if (shown.length === 0) io.out('no runs\n');
  else
    io.out(
      formatTable(
        ['RUN', 'WORKFLOW', 'STATUS', 'GATES', 'CREATED', 'FAILURE'],
        shown.map((r) => [
          r.runId,
          `${r.workflowId}@${r.workflowVersion}`,
          r.status,
          String(r.openGates ?? 0),
          r.createdAt,
          r.failure ? `${r.failure.code}: ${r.failure.reason}` : '',
        ]),
      ),
    );
  if (more) io.err(`(the first ${shown.length} runs; --limit <n> or --all for more)\n`);
  return 0;
}

/** `runs list`, for `runCli`. */
export const runsListCommand: CliCommand = {
  path: ['runs', 'list'],
  usage:
    'runs list [--workflow <id>] [--status <status>] [--created-after <time>] [--created-before <time>] [--limit <n> | --all] [--json]',
  summary: 'List runs, newest first, following the pages of GET /v1/runs',
  options: [
    { flags: '--workflow <id>', description: 'only the runs of this workflow' },
    {
      flags: '--status <status>',
      description: 'only runs in this status: queued, running, paused, completed, failed, cancelled, integrity_failed',
    },
    { flags: '--created-after <time>', description: 'only runs created at or after this ISO-8601 time with a zone' },
    { flags: '--created-before <time>', description: 'only runs created before this ISO-8601 time with a zone' },
    { flags: '--limit <n>', description: `list at most n runs (default ${DEFAULT_LIST_LIMIT})` },
    { flags: '--all', description: 'follow every page' },
    { flags: '--json', description: 'print the runs as a JSON array, as the gateway answers them' },
  ],
  details:
    'Needs LEDGERFLOW_TOKEN (scope runs:read). A note on stderr says when more runs remain.\n' +
    'Exit codes: 0 listed, 1 the gateway refused (e.g. a malformed --status or time: 400 naming the field) or could not be reached, 2 usage errors.',
  run: list,
};
