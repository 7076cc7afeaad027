import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { parse } from 'yaml';
import { MAX_PAGE_LIMIT } from '@ledgerflow/contracts';
import type { RegisterWorkflowResult, WorkflowSummary, WorkflowVersionView, WorkflowView } from '@ledgerflow/contracts';
import { UsageError } from './args.js';
import type { CliCommand } from './command.js';
import { formatTable } from './gates.command.js';
import { callGateway, TextBody } from './gateway-call.js';
import { listAll } from './gateway-pages.js';

/**
 * `ledgerflow workflows apply|list|show`: workflow definitions through the gateway (docs/definitions.md,
 * "Registering definitions"). `apply` sends each YAML file as is (`PUT /v1/workflows/{id}`, `application/yaml`,
 * scope `workflows:write`), so errors name its lines and columns, and prints `created` or `unchanged` per file;
 * `list` and `show` read `GET /v1/workflows[/{id}]` (scope `runs:read`). The token is `LEDGERFLOW_TOKEN`.
 * Exit codes: 0 done, 1 a file was refused (its errors printed; the other files are still applied) or the
 * gateway could not be reached, 2 usage errors.
 */

const EXIT_CODES = 'Exit codes: 0 done, 1 a file was refused or the gateway could not be reached, 2 usage errors.';

/**
 * The `*.yaml`/`*.yml` files of `target` (a file, or a directory: the files directly under it, in name order).
 * @throws UsageError when `target` does not exist or is a directory without such files.
 */
export async function definitionFiles(target: string): Promise<string[]> {
  const info = await stat(target).catch(() => undefined);
  if (info === undefined) throw new UsageError(`${target} does not exist`);
  if (!info.isDirectory()) return [target];
  const names = (await readdir(target)).filter((name) => /\.ya?ml$/i.test(name)).sort();
  if (names.length === 0) throw new UsageError(`${target} holds no *.yaml or *.yml file`);
  return names.map((name) => join(target, name));
}

/** The workflow id the file declares (the path of the PUT); the file name when the YAML does not parse (the gateway then names the error). */
function workflowIdOf(file: string, text: string): string {
  try {
    const id = (parse(text) as { id?: unknown } | null)?.id;
    if (typeof id === 'string' && id !== '') return id;
  } catch {
    // Sent anyway: the gateway answers with the line and column of the syntax error.
  }
  return basename(file).replace(/\.ya?ml$/i, '');
}

const apply: CliCommand = {
  path: ['workflows', 'apply'],
  usage: 'workflows apply <file.yaml|dir>...',
  summary: 'Register workflow definitions (new versions; the same content again changes nothing)',
  arguments: [{ name: '<file.yaml|dir...>', description: 'definition files, or directories of *.yaml/*.yml files' }],
  details: EXIT_CODES,
  async run({ positional }, io) {
    const files = (await Promise.all(positional.map(definitionFiles))).flat();
    let failed = 0;
    for (const file of files) {
      const text = await readFile(file, 'utf8');
      const id = workflowIdOf(file, text);
      const result = await callGateway(
        io,
        'PUT',
        `/v1/workflows/${encodeURIComponent(id)}`,
        new TextBody('application/yaml', text),
      );
      if (!result.ok) {
        io.err(`${file}: not applied\n`);
        failed += 1;
        continue;
      }
      const registered = result.value as RegisterWorkflowResult;
      io.out(
        `${file}: ${registered.workflowId}@${registered.version} ${registered.created ? 'created' : 'unchanged'} (${registered.digest})\n`,
      );
    }
    return failed === 0 ? 0 : 1;
  },
};

const list: CliCommand = {
  path: ['workflows', 'list'],
  usage: 'workflows list',
  summary: 'List registered workflows with their latest version',
  details: EXIT_CODES,
  async run(_args, io) {
    const listed = await listAll<WorkflowSummary>(io, '/v1/workflows');
    if (listed === undefined) return 1;
    const workflows = listed.items;
    if (workflows.length === 0) {
      io.out('no workflows\n');
      return 0;
    }
    io.out(
      formatTable(
        ['ID', 'LATEST', 'VERSIONS', 'TITLE'],
        workflows.map((w) => [w.workflowId, w.latestVersion, String(w.versionCount), w.title]),
      ),
    );
    return 0;
  },
};

const show: CliCommand = {
  path: ['workflows', 'show'],
  usage: 'workflows show <id>',
  summary: "A workflow's versions, newest first",
  arguments: [{ name: '<id>', description: 'the workflow id' }],
  details: EXIT_CODES,
  async run({ positional: [id] }, io) {
    // The versions are paged inside the workflow's answer (docs/api.md, "Lists"): every page is read.
    const listed = await listAll<WorkflowVersionView>(
      io,
      `/v1/workflows/${encodeURIComponent(id as string)}?limit=${MAX_PAGE_LIMIT}`,
      { field: 'versions' },
    );
    if (listed === undefined) return 1;
    const workflow = { ...(listed.last as WorkflowView), versions: listed.items };
    io.out(`${workflow.workflowId}: ${workflow.title} (latest ${workflow.latestVersion})\n`);
    io.out(
      formatTable(
        ['VERSION', 'SOURCE', 'REGISTERED', 'BY', 'DIGEST'],
        workflow.versions.map((v) => [
          v.version,
          v.source,
          v.registeredAt,
          `${v.registeredBy.kind}:${v.registeredBy.id}`,
          v.digest,
        ]),
      ),
    );
    return 0;
  },
};

/** The workflow commands, for `runCli`. */
export const workflowsCommands: CliCommand[] = [apply, list, show];
