import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  NATS_SERVER_CONFIG_FILE,
  generateNatsCredentials,
  writeNatsCredentials,
  type NatsServerTls,
} from '@ledgerflow/messaging';
import { UsageError } from './args.js';
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
const VALUED = ['out', 'tool-worker', 'tls-cert', 'tls-key', 'tls-ca'];
const FLAGS = ['tls-verify', 'keep-existing'];

interface CredentialArgs {
  readonly out: string;
  readonly toolWorkers: Record<string, string[]>;
  readonly tls?: NatsServerTls;
  readonly keepExisting: boolean;
}

function parse(args: readonly string[]): CredentialArgs {
  const values = new Map<string, string[]>();
  const flags = new Set<string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument ${arg}`);
    const [name, inline] = arg.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    if (FLAGS.includes(name)) flags.add(name);
    else if (VALUED.includes(name)) {
      const value = inline ?? args[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
      values.set(name, [...(values.get(name) ?? []), value]);
    } else throw new UsageError(`unknown option --${name}`);
  }
  const one = (name: string) => values.get(name)?.at(-1);
  const out = one('out');
  if (out === undefined) throw new UsageError('--out <dir> is required');
  const toolWorkers: Record<string, string[]> = {};
  for (const spec of values.get('tool-worker') ?? []) {
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

async function run(args: readonly string[], io: CliIo): Promise<number> {
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
  run,
};
