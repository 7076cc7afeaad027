import { MAX_PAGE_LIMIT } from '@ledgerflow/contracts';
import type { ToolCatalogEntry } from '@ledgerflow/contracts';
import type { CliCommand } from './command.js';
import { formatTable } from './gates.command.js';
import { listAll } from './gateway-pages.js';

/** What a cost hint prints as: `$0.01/call, 250 ms`, or empty without one. */
const costOf = (entry: ToolCatalogEntry): string =>
  [
    entry.cost?.usd === undefined ? undefined : `$${entry.cost.usd}/call`,
    entry.cost?.latencyMs === undefined ? undefined : `${entry.cost.latencyMs} ms`,
  ]
    .filter((part) => part !== undefined)
    .join(', ');

/**
 * `ledgerflow tools list`: the tool catalog (docs/planning.md) through the gateway's `GET /v1/tools` (scope
 * `runs:read`), every page: each tool action its worker announced, by tool then action; `--json` prints the entries
 * as the gateway answers them (schemas included).
 */
export const toolsListCommand: CliCommand = {
  path: ['tools', 'list'],
  usage: 'tools list [--json]',
  summary: 'List the tool catalog: each tool action its worker announced, with its cost hints',
  options: [{ flags: '--json', description: 'print the entries as a JSON array, schemas included' }],
  details:
    'GET /v1/tools with LEDGERFLOW_TOKEN (scope runs:read).\n' +
    'Exit codes: 0 listed, 1 the gateway refused or could not be reached, 2 usage errors.',
  async run(args, io) {
    const listed = await listAll<ToolCatalogEntry>(io, `/v1/tools?limit=${MAX_PAGE_LIMIT}`, { max: Infinity });
    if (listed === undefined) return 1;
    const entries = listed.items;
    if (args.options.has('json')) io.out(`${JSON.stringify(entries, null, 2)}\n`);
    else if (entries.length === 0) io.out('no tools announced (a tool worker announces its tools when it starts)\n');
    else
      io.out(
        formatTable(
          ['TOOL', 'WORKER', 'COST', 'DESCRIPTION'],
          entries.map((e) => [e.capability, e.worker, costOf(e), e.description]),
        ),
      );
    return 0;
  },
};
