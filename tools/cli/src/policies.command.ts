import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { MAX_PAGE_LIMIT } from '@ledgerflow/contracts';
import type {
  PolicyPackSummary,
  PolicyPackVersionView,
  PolicyPackView,
  RegisterPolicyPackResult,
} from '@ledgerflow/contracts';
import { packVersionsOfFiles } from '@ledgerflow/policy-engine';
import { UsageError } from './args.js';
import type { CliCommand } from './command.js';
import { formatTable } from './gates.command.js';
import { callGateway } from './gateway-call.js';
import { listAll } from './gateway-pages.js';

/**
 * `ledgerflow policies apply|list|show`: policy packs through the gateway (docs/policies.md, "Applying packs").
 * `apply` reads pack directories (or pack files) as the policy service reads `LEDGERFLOW_POLICY_DIRS`: each
 * `<pack>@<version>.cedar|yaml|yml` file is one version, sent as `PUT /v1/policy-packs/{pack}` `{version, files}`
 * (scope `workflows:write`), and prints `created` or `unchanged` with the active version per file; privacy packs are
 * skipped with a note (the services that mask read them from their directories). `list` and `show` read
 * `GET /v1/policy-packs[/{name}]` (scope `runs:read`). The token is `LEDGERFLOW_TOKEN`.
 * Exit codes: 0 done, 1 a version was refused (the gateway's error printed, naming file:line:column; the other
 * versions are still applied) or the gateway could not be reached, 2 usage errors.
 */

async function packFiles(target: string): Promise<{ name: string; path: string }[]> {
  const info = await stat(target).catch(() => undefined);
  if (info === undefined) throw new UsageError(`${target} does not exist`);
  if (!info.isDirectory()) return [{ name: basename(target), path: target }];
  return (await readdir(target)).sort().map((name) => ({ name, path: join(target, name) }));
}

const isPrivacyPack = (text: string): boolean => /^kind:\s*["']?privacy["']?\s*(#.*)?$/m.test(text);

const EXIT_CODES = 'Exit codes: 0 done, 1 a pack was refused or the gateway could not be reached, 2 usage errors.';

const apply: CliCommand = {
  path: ['policies', 'apply'],
  usage: 'policies apply <dir|file>...',
  summary:
    'Register policy pack versions (activated for decisions after they are stored; the same content again changes nothing)',
  arguments: [
    { name: '<dir|file...>', description: 'pack files (<pack>@<version>.cedar|yaml|yml) or directories of them' },
  ],
  details: EXIT_CODES,
  async run({ positional }, io) {
    let failed = 0;
    let applied = 0;
    for (const target of positional) {
      const files = await Promise.all(
        (await packFiles(target)).map(async (f) => ({ ...f, text: await readFile(f.path, 'utf8') })),
      );
      for (const version of packVersionsOfFiles(files)) {
        const name = Object.keys(version.files)[0] as string;
        const path = files.find((f) => f.name === name)?.path ?? name;
        if (isPrivacyPack(version.files[name] as string)) {
          io.out(`${path}: skipped: privacy packs are read from LEDGERFLOW_POLICY_DIRS by the services that mask\n`);
          continue;
        }
        applied += 1;
        const result = await callGateway(io, 'PUT', `/v1/policy-packs/${encodeURIComponent(version.pack)}`, {
          version: version.version,
          files: version.files,
        });
        if (!result.ok) {
          io.err(`${path}: not applied\n`);
          failed += 1;
          continue;
        }
        const r = result.value as RegisterPolicyPackResult;
        io.out(
          `${path}: ${r.pack}@${r.version} ${r.created ? 'created' : 'unchanged'} (${r.digest}); active ${r.pack}@${r.activeVersion}\n`,
        );
      }
    }
    if (applied === 0 && failed === 0) io.err('no policy pack file (<pack>@<version>.cedar|yaml|yml) to apply\n');
    return failed === 0 && applied > 0 ? 0 : 1;
  },
};

const list: CliCommand = {
  path: ['policies', 'list'],
  usage: 'policies list',
  summary: 'List registered policy packs with their active version',
  details: EXIT_CODES,
  async run(_args, io) {
    const listed = await listAll<PolicyPackSummary>(io, '/v1/policy-packs');
    if (listed === undefined) return 1;
    const packs = listed.items;
    if (packs.length === 0) {
      io.out('no policy packs\n');
      return 0;
    }
    io.out(
      formatTable(
        ['PACK', 'KIND', 'ACTIVE', 'VERSIONS'],
        packs.map((p) => [p.pack, p.kind, p.activeVersion, String(p.versionCount)]),
      ),
    );
    return 0;
  },
};

const show: CliCommand = {
  path: ['policies', 'show'],
  usage: 'policies show <name>',
  summary: "A policy pack's versions, newest first",
  arguments: [{ name: '<name>', description: 'the pack name' }],
  details: EXIT_CODES,
  async run({ positional: [name] }, io) {
    // The versions are paged inside the pack's answer (docs/api.md, "Lists"): every page is read.
    const listed = await listAll<PolicyPackVersionView>(
      io,
      `/v1/policy-packs/${encodeURIComponent(name as string)}?limit=${MAX_PAGE_LIMIT}`,
      { field: 'versions' },
    );
    if (listed === undefined) return 1;
    const pack = { ...(listed.last as PolicyPackView), versions: listed.items };
    io.out(`${pack.pack} (${pack.kind}): active ${pack.activeVersion}\n`);
    io.out(
      formatTable(
        ['VERSION', 'SOURCE', 'REGISTERED', 'BY', 'FILES', 'DIGEST'],
        pack.versions.map((v) => [
          v.version,
          v.source,
          v.registeredAt,
          `${v.registeredBy.kind}:${v.registeredBy.id}`,
          v.files.join(','),
          v.digest,
        ]),
      ),
    );
    return 0;
  },
};

/** The policy pack commands, for `runCli`. */
export const policiesCommands: CliCommand[] = [apply, list, show];
