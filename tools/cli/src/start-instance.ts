import { execFile } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Supervisor, writeStatusFile, type SupervisorLogEntry } from '@ledgerflow/supervisor';
import { NATS_SERVICE_PRINCIPALS as SERVICE_NAMES } from '@ledgerflow/contracts';
import { runCli } from './cli.js';
import type { CliIo } from './command.js';
import { natsCredentialsCommand } from './nats-credentials.command.js';
import { natsServerSpec, servicePlan } from './start-plan.js';
import type { DevSecrets } from './start-secrets.js';
import type { StartOptions } from './start-options.js';

/** A started instance: its supervisor and what to tell the operator. */
export interface Instance {
  readonly supervisor: Supervisor;
  readonly natsUrl: string;
  readonly gatewayUrl: string;
  /** Stops the tool workers and services, then nats-server; writes the final status. */
  stop(): Promise<void>;
}

/**
 * The nats-server binary: `NATS_SERVER_BIN`, else what `tools/ensure-nats.sh` finds (it installs Debian's
 * package when run as root and the binary is missing).
 * @throws Error with the script's advice when there is none.
 */
async function natsServerBinary(root: string, env: Readonly<Record<string, string | undefined>>): Promise<string> {
  if (env.NATS_SERVER_BIN) return env.NATS_SERVER_BIN;
  try {
    return (await promisify(execFile)(join(root, 'tools/ensure-nats.sh'))).stdout.trim();
  } catch (error) {
    throw new Error(`no nats-server: ${(error as { stderr?: string }).stderr ?? (error as Error).message}`);
  }
}

/** Writes `ledgerflow nats credentials` for the services and `workers` into the data directory. */
async function writeCredentials(options: StartOptions): Promise<void> {
  const args = [
    '--out',
    options.layout.natsCredentialsDir,
    ...options.workers.flatMap((w) => ['--tool-worker', `${w.name}=${w.subjects.join(',')}`]),
  ];
  let output = '';
  const capture: CliIo = { out: (text) => (output += text), err: (text) => (output += text), env: {} };
  if ((await runCli([natsCredentialsCommand], [...natsCredentialsCommand.path, ...args], capture)) !== 0)
    throw new Error(`ledgerflow nats credentials failed:\n${output}`);
}

/** One log file per process under `logsDir`, opened on first use (append). */
function logFiles(logsDir: string): { write(name: string, line: string): void; close(): Promise<void> } {
  mkdirSync(logsDir, { recursive: true });
  const files = new Map<string, WriteStream>();
  return {
    write(name, line) {
      let file = files.get(name);
      if (!file) files.set(name, (file = createWriteStream(join(logsDir, `${name}.log`), { flags: 'a' })));
      file.write(`${line}\n`);
    },
    close: () =>
      Promise.all([...files.values()].map((f) => new Promise<void>((resolve) => f.end(resolve)))).then(() => undefined),
  };
}

/**
 * Starts nats-server (unless `NATS_URL` names one), the planner, the five other services (or, with
 * `--single-process`, the one process hosting all six) and the tool workers under one supervisor, logging to `<dataDir>/logs` and keeping `<dataDir>/status.json` current.
 * @throws Error (with the failing process's output) when something does not start; what started is stopped.
 */
export async function startInstance(
  root: string,
  options: StartOptions,
  secrets: DevSecrets,
  io: CliIo,
): Promise<Instance> {
  const { layout } = options;
  const missing = SERVICE_NAMES.map((name) => join(root, 'services', name, 'dist', 'main.js')).filter(
    (file) => !existsSync(file),
  );
  if (missing.length > 0)
    throw new Error(`not built (missing ${missing[0]}): run npx tsc -b tsconfig.build.json (or make build) first`);
  await writeCredentials(options);
  const logs = logFiles(layout.logsDir);
  const natsUrl = options.externalNatsUrl ?? `nats://127.0.0.1:${options.natsPort}`;
  const gatewayUrl = `http://127.0.0.1:${options.gatewayPort}`;
  const startedAt = new Date().toISOString();
  const info = {
    dataDir: layout.root,
    natsUrl,
    gatewayUrl,
    docsUrl: `${gatewayUrl}/docs`,
    layout: options.singleProcess ? 'single-process' : 'processes',
  };
  let supervisor: Supervisor | undefined = undefined;
  const writeStatus = (): void => {
    if (supervisor)
      writeStatusFile(layout.statusFile, {
        version: 1,
        supervisorPid: process.pid,
        startedAt,
        updatedAt: new Date().toISOString(),
        info,
        processes: supervisor.status(),
      });
  };
  const log = (entry: SupervisorLogEntry): void => {
    const line = JSON.stringify(entry);
    io.out(`${line}\n`);
    logs.write('supervisor', line);
  };
  supervisor = new Supervisor({ log, output: (name, _stream, line) => logs.write(name, line), onChange: writeStatus });
  const running = supervisor;
  const plan = servicePlan({
    root,
    layout,
    secrets,
    natsUrl,
    gatewayPort: options.gatewayPort,
    definitions: options.definitions,
    workers: options.workers,
    env: io.env,
    singleProcess: options.singleProcess,
  });
  const stop = async (): Promise<void> => {
    await running.stop(
      [...plan.workers, ...plan.services]
        .map((spec) => spec.name)
        .filter((name) => running.status().some((s) => s.name === name)),
    );
    if (!options.externalNatsUrl && running.status().some((s) => s.name === 'nats-server'))
      await running.stop(['nats-server']);
    await running.stop();
    writeStatus();
    await logs.close();
  };
  try {
    if (!options.externalNatsUrl)
      await running.start(natsServerSpec(await natsServerBinary(root, io.env), options.natsPort, layout));
    const [planner, ...others] = plan.services;
    await running.start(planner as (typeof plan.services)[number]);
    await Promise.all(others.map((spec) => running.start(spec)));
    await Promise.all(plan.workers.map((spec) => running.start(spec)));
  } catch (error) {
    await stop();
    throw error;
  }
  return { supervisor: running, natsUrl, gatewayUrl, stop };
}
