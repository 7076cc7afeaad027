import { mkdir } from 'node:fs/promises';
import { InstanceRunningError, acquirePidLock, type PidLock } from '@ledgerflow/supervisor';
import { installRoot } from './install-root.js';
import type { CliCommand, CliIo } from './command.js';
import { startInstance, type Instance } from './start-instance.js';
import { START_OPTIONS, START_USAGE, startOptionsOf, type StartOptions } from './start-options.js';
import type { ParsedArgs } from './args.js';
import { loadOrCreateDevSecrets } from './start-secrets.js';

/** Printed last once everything is ready, for scripts that start Ledgerflow and wait for it. */
export const START_READY_LINE = 'ledgerflow:ready stack';

/**
 * `ledgerflow start`: runs Ledgerflow on one machine in the foreground: nats-server (JetStream, nkey
 * authorization; not when `NATS_URL` is set), the six services on the embedded SQLite store (a process each,
 * or with `--single-process` all six in one Node process, still talking over NATS) and any tool workers, supervised (a process that dies is restarted with backoff: 0.5 s doubling to 30 s). Data,
 * development secrets, logs and `status.json` live in the data directory. Ctrl-C or SIGTERM (`ledgerflow
 * stop`) stops everything. Exit 0 after a clean stop; 1 when another instance holds the data directory or a
 * process does not start; 2 for usage errors.
 */
async function run(args: ParsedArgs, io: CliIo): Promise<number> {
  const options: StartOptions = startOptionsOf(args, io.env, process.cwd());
  const { layout } = options;
  await mkdir(layout.root, { recursive: true });
  let lock: PidLock;
  try {
    lock = acquirePidLock(layout.pidFile);
  } catch (error) {
    if (!(error instanceof InstanceRunningError)) throw error;
    io.err(
      `error: Ledgerflow is already running on ${layout.root} (pid ${error.holder.pid}, since ${error.holder.startedAt}).\n` +
        `  Stop it with: npx ledgerflow stop --data-dir ${layout.root}\n  or start another instance with --data-dir <another dir> (and other --port / --nats-port).\n`,
    );
    return 1;
  }
  const stopRequested = new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  try {
    const secrets = await loadOrCreateDevSecrets(layout.secretsDir);
    io.err(
      `warning: development secrets (grant signing key, PII vault key, token key) ${secrets.created ? 'generated in' : 'reused from'} ${layout.secretsDir}: ` +
        'they are for this one machine; never copy them elsewhere or use them in production.\n',
    );
    let instance: Instance;
    try {
      instance = await startInstance(installRoot(), options, secrets, io);
    } catch (error) {
      io.err(`error: Ledgerflow did not start: ${(error as Error).message}\n  logs: ${layout.logsDir}\n`);
      return 1;
    }
    io.out(banner(options, instance));
    const signal = await stopRequested;
    io.err(`${signal}: stopping Ledgerflow (each process gets SIGTERM, SIGKILL after 10 s)\n`);
    const patience = (): void => io.err('still stopping\n');
    process.on('SIGINT', patience);
    process.on('SIGTERM', patience);
    await instance.stop();
    io.out('Ledgerflow stopped.\n');
    return 0;
  } finally {
    lock.release();
  }
}

function banner(options: StartOptions, instance: Instance): string {
  const { layout } = options;
  const dataDirArg = `--data-dir ${layout.root}`;
  return [
    '',
    `Ledgerflow is running (data: ${layout.root})`,
    `  gateway    ${instance.gatewayUrl}`,
    `  API docs   ${instance.gatewayUrl}/docs  (OpenAPI document: ${instance.gatewayUrl}/openapi.json)`,
    `  NATS       ${instance.natsUrl}  (users' seeds: ${layout.natsCredentialsDir})`,
    `  services   ${options.singleProcess ? 'one process for all six (--single-process)' : 'one process each'}`,
    `  logs       ${layout.logsDir}/<process>.log; restarts in supervisor.log`,
    `  status     npx ledgerflow status ${dataDirArg}`,
    `  stop       Ctrl-C, or npx ledgerflow stop ${dataDirArg}`,
    '  a reviewer token (8 h) for gates named role:reviewer, and the CLI:',
    `             export LEDGERFLOW_URL=${instance.gatewayUrl}`,
    `             export LEDGERFLOW_TOKEN=$(npx ledgerflow token ${dataDirArg} --user alice --roles reviewer --scopes gates:decide,runs:read --ttl 8h)`,
    START_READY_LINE,
    '',
  ].join('\n');
}

export const startCommand: CliCommand = {
  path: ['start'],
  usage: START_USAGE,
  summary: 'Run nats-server and every service on this machine, supervised (Ctrl-C stops)',
  options: START_OPTIONS,
  details:
    'Exit codes: 0 after a clean stop, 1 another instance holds the data directory or a process does not start, 2 usage errors.',
  run,
};
