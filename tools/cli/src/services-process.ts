/**
 * The services of `ledgerflow start --single-process` in this one Node process:
 *
 *   node tools/cli/dist/services-process.js [--services <name>[,<name>...]] [--nats-credentials-dir <dir>]
 *
 * `--services`: which services, in start order (default all six, the planner first); `--nats-credentials-dir`:
 * each service connects to NATS as its own user, with the seed `<dir>/<name>.nk` (as `ledgerflow nats
 * credentials` writes them) as its `NATS_NKEY_SEED_FILE`; without it every service reads `NATS_NKEY_SEED_FILE`
 * and the rest of its configuration from this process's environment. Prints `ledgerflow:ready <name>` per
 * service, then `ledgerflow:ready services`. Exit 2 for a bad command line; otherwise as `hostServices`
 * (libs/service-runtime) says: 78 for invalid configuration, 1 for other start failures, 0 after SIGTERM.
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { NATS_SERVICE_PRINCIPALS } from '@ledgerflow/contracts';
import { hostServices } from '@ledgerflow/service-runtime';
import { UsageError } from './args.js';
import { installRoot } from './install-root.js';

/** The services in their start order in one process: the planner first, as `ledgerflow start` starts it. */
export const HOSTED_SERVICES: readonly string[] = NATS_SERVICE_PRINCIPALS;

function servicesOf(option: string | undefined): string[] {
  if (option === undefined) return [...HOSTED_SERVICES];
  const names = option
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = names.find((name) => !HOSTED_SERVICES.includes(name));
  if (unknown !== undefined || names.length === 0)
    throw new UsageError(`--services: expected some of ${HOSTED_SERVICES.join(', ')}, got ${option}`);
  return names;
}

let services: string[];
let credentialsDir: string | undefined;
try {
  // Node's own parser, strict: an unknown option, a missing value or a positional argument throws (ERR_PARSE_ARGS_*).
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { services: { type: 'string' }, 'nats-credentials-dir': { type: 'string' } },
    strict: true,
    allowPositionals: false,
  });
  services = servicesOf(values.services);
  credentialsDir = values['nats-credentials-dir'];
} catch (error) {
  const code = (error as { code?: unknown }).code;
  if (!(error instanceof UsageError) && !(typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_'))) throw error;
  process.stderr.write(
    `error: ${(error as Error).message}\nusage: node tools/cli/dist/services-process.js [--services <name>[,<name>...]] [--nats-credentials-dir <dir>]\n`,
  );
  process.exit(2);
}
const root = installRoot();
hostServices({
  mains: services.map((name) => pathToFileURL(join(root, 'services', name, 'dist', 'main.js')).href),
  envOf: (name) =>
    credentialsDir === undefined
      ? process.env
      : { ...process.env, NATS_NKEY_SEED_FILE: join(credentialsDir, `${name}.nk`) },
});
