import { stringOption, UsageError } from './args.js';
import type { ParsedArgs } from './args.js';
import type { CliCommand, CliIo } from './command.js';
import { formatTable } from './gates.command.js';
import { MAX_PAGE_LIMIT } from '@ledgerflow/contracts';
import { listAll } from './gateway-pages.js';

/**
 * `ledgerflow runs list`: runs, newest first, through the gateway's `GET /v1/runs` (scope `runs:read`,
 * docs/api.md), a page at a time, following the next page the gateway names (gateway-pages.ts) until `--limit`
 * runs (or the last page with `--all`). A gateway that does not page answers every run at once; the list is then
 * cut at `--limit`.
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
const LIMIT = /^[1-9][0-9]{0,6}$/;

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
  const listed = await listAll<RunRow>(io, firstPath(args, Math.min(limit, MAX_PAGE_LIMIT)), { max: limit });
  if (listed === undefined) return 1;
  const { items: shown, more } = listed;
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
