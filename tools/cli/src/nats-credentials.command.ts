import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  NATS_SERVER_CONFIG_FILE,
  generateNatsCredentials,
  writeNatsCredentials,
  type NatsServerTls,
} from '@ledgerflow/messaging';
import { stringOption, UsageError } from './args.js';
import type { ParsedArgs } from './args.js';
import type { CliCommand, CliIo } from './command.js';

/**
 * `ledgerflow nats credentials --out <dir> [--tool-worker <name>=<subject>[,<subject>...]]... [--tls-cert <file>
 * --tls-key <file> [--tls-ca <file>] [--tls-verify]] [--keep-existing]`: generates one nkey user per principal
 * (the six services, `publisher`, `admin`, each tool worker) and writes `<dir>/<name>.nk` (the seed, mode 0600)
 * and `<dir>/nats-server.conf` (their permissions, libs/contracts/src/nats-permissions.ts; a `tls` block with
 * the given server certificate). Prints each file written, never a seed. `--keep-existing`: when
 * `<dir>/nats-server.conf` exists, write nothing (a one-shot init container re-run on every start).
 * Exit 0; 2 for usage errors (no `--out`, a malformed `--tool-worker`, a tool subject outside `lf.tool.`).
 */

const usage =
  'nats credentials --out <dir> [--tool-worker <name>=<subject>[,<subject>...]]... [--tls-cert <file> --tls-key <file> [--tls-ca <file>] [--tls-verify]] [--keep-existing]';

interface CredentialArgs {
  readonly out: string;
  readonly toolWorkers: Record<string, string[]>;
  readonly tls?: NatsServerTls;
  readonly keepExisting: boolean;
}

function parse(args: ParsedArgs): CredentialArgs {
  const one = (name: string) => stringOption(args, name);
  const flags = args.options;
  const out = one('out');
  if (out === undefined) throw new UsageError('--out <dir> is required');
  const toolWorkers: Record<string, string[]> = {};
  for (const spec of (args.options.get('tool-worker') as readonly string[] | undefined) ?? []) {
    const [name, subjectList] = spec.split(/=(.*)/s, 2) as [string, string | undefined];
    const subjects = (subjectList ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (name === '' || subjects.length === 0)
      throw new UsageError(
        `--tool-worker ${spec}: expected <name>=<subject>[,<subject>...], e.g. bench-workers=lf.tool.bench.>`,
      );
    toolWorkers[name] = subjects;
  }
  const [certFile, keyFile, caFile] = [one('tls-cert'), one('tls-key'), one('tls-ca')];
  if ((certFile === undefined) !== (keyFile === undefined))
    throw new UsageError('--tls-cert and --tls-key go together');
  if (certFile === undefined && (caFile !== undefined || flags.has('tls-verify')))
    throw new UsageError('--tls-ca and --tls-verify need --tls-cert and --tls-key');
  const tls =
    certFile && keyFile
      ? { certFile, keyFile, ...(caFile ? { caFile } : {}), ...(flags.has('tls-verify') ? { verify: true } : {}) }
      : undefined;
  return { out: resolve(out), toolWorkers, ...(tls ? { tls } : {}), keepExisting: flags.has('keep-existing') };
}

async function run(args: ParsedArgs, io: CliIo): Promise<number> {
  let parsed: CredentialArgs;
  let credentials: ReturnType<typeof generateNatsCredentials>;
  try {
    parsed = parse(args);
    credentials = generateNatsCredentials({ toolWorkers: parsed.toolWorkers });
  } catch (error) {
    if (!(error instanceof UsageError || error instanceof RangeError)) throw error;
    io.err(`error: ${error.message}\nusage: ledgerflow ${usage}\n`);
    return 2;
  }
  const config = join(parsed.out, NATS_SERVER_CONFIG_FILE);
  if (parsed.keepExisting && existsSync(config)) {
    io.out(`kept ${config} and its seed files (--keep-existing)\n`);
    return 0;
  }
  const written = await writeNatsCredentials(parsed.out, credentials, parsed.tls ? { tls: parsed.tls } : {});
  credentials.forEach((c, i) =>
    io.out(`wrote ${written[i]} (seed of ${c.principal.name}: ${c.principal.kind}, mode 0600)\n`),
  );
  io.out(`wrote ${config} (nats-server authorization${parsed.tls ? ' and tls' : ''}; run nats-server -c ${config})\n`);
  return 0;
}

export const natsCredentialsCommand: CliCommand = {
  path: ['nats', 'credentials'],
  usage,
  summary: 'Generate nkey users for every principal and the nats-server config',
  options: [
    { flags: '--out <dir>', description: 'where the seed files and the nats-server config go (required)' },
    {
      flags: '--tool-worker <name=subjects>',
      description: 'a tool worker principal: <name>=<subject>[,<subject>...] under lf.tool. (repeatable)',
      repeatable: true,
    },
    { flags: '--tls-cert <file>', description: "nats-server's TLS certificate (PEM), with --tls-key" },
    { flags: '--tls-key <file>', description: "nats-server's TLS private key (PEM)" },
    { flags: '--tls-ca <file>', description: 'the CA that signs client certificates' },
    { flags: '--tls-verify', description: 'require client certificates' },
    { flags: '--keep-existing', description: 'leave an existing config and its seeds alone' },
  ],
  details: 'Exit codes: 0 written (or kept), 2 usage errors.',
  run,
};
