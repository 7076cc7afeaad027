import { join } from 'node:path';
import { SERVICE_NODE_ARGS, type ProcessSpec } from '@ledgerflow/supervisor';
import {
  DEFAULT_AUTH_AUDIENCE,
  DEFAULT_AUTH_ISSUER,
  GRANT_SIGNING_KEY_ENV,
  GRANT_VERIFY_KEY_ENV,
  NATS_SERVICE_PRINCIPALS as SERVICE_NAMES,
} from '@ledgerflow/contracts';
import type { DataDirLayout } from './start-layout.js';
import type { DevSecrets } from './start-secrets.js';

/** A tool worker script run beside the services: `--worker <name>=<script>@<subject>[,<subject>...]`. */
export interface WorkerSpec {
  readonly name: string;
  /** Absolute path of the script, run with `node`. */
  readonly script: string;
  /** The tool subjects it serves (`lf.tool.<tool>.>`); its NATS user may subscribe to these only. */
  readonly subjects: readonly string[];
}

/** What the processes of one instance are started with. */
export interface StartPlanInput {
  readonly root: string;
  readonly layout: DataDirLayout;
  readonly secrets: DevSecrets;
  readonly natsUrl: string;
  readonly gatewayPort: number;
  /** Absolute directories of workflow definitions; empty: the planner's default. */
  readonly definitions: readonly string[];
  readonly workers: readonly WorkerSpec[];
  /** The environment the command was started with; passed on under what the plan sets. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The six services as one process (`services`, running `tools/cli/dist/services-process.js`). */
  readonly singleProcess?: boolean;
}

/** The supervised name of the one process of `--single-process` (its ready line: `ledgerflow:ready services`). */
export const SINGLE_PROCESS_NAME = 'services';

/** Each service gets this long to print its ready line after a (re)start (ms); the policy service compiles its packs first. */
const READY_TIMEOUT_MS = 60_000;
/** The one process of `--single-process` starts the six services one after another. */
const SINGLE_READY_TIMEOUT_MS = 180_000;

/**
 * The six services (`services/<name>/dist/main.js`) and the tool workers as supervised processes, each
 * with its own NATS user (`NATS_NKEY_SEED_FILE`), the embedded SQLite store under the data directory and
 * the instance's development secrets. Tool workers get the grant verify key, never the signing key. With
 * `singleProcess`, `services` is one process hosting the six, each connecting with its own seed from the
 * credentials directory (`--nats-credentials-dir`).
 */
export function servicePlan(input: StartPlanInput): { services: ProcessSpec[]; workers: ProcessSpec[] } {
  const { layout, secrets } = input;
  const inherited = Object.fromEntries(
    Object.entries(input.env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  const common: Record<string, string> = {
    ...inherited,
    NATS_URL: input.natsUrl,
    LEDGERFLOW_LOG_LEVEL: input.env.LEDGERFLOW_LOG_LEVEL ?? 'info',
    [GRANT_VERIFY_KEY_ENV]: secrets.grantVerifyKey,
  };
  const serviceEnv: Record<string, string> = {
    ...common,
    LEDGERFLOW_STORE: 'sqlite',
    LEDGERFLOW_SQLITE_PATH: layout.sqlitePath,
    LEDGERFLOW_MEMORY_PATH: layout.memoryPath,
    LEDGERFLOW_VAULT_PATH: layout.vaultPath,
    LEDGERFLOW_PII_KEY: secrets.piiKey,
    LEDGERFLOW_GATEWAY_PORT: String(input.gatewayPort),
    LEDGERFLOW_AUTH_SECRET: secrets.authSecret,
    LEDGERFLOW_AUTH_ISSUER: DEFAULT_AUTH_ISSUER,
    LEDGERFLOW_AUTH_AUDIENCE: DEFAULT_AUTH_AUDIENCE,
    [GRANT_SIGNING_KEY_ENV]: secrets.grantSigningKey,
    ...(input.definitions.length > 0 ? { LEDGERFLOW_DEFINITIONS_DIR: input.definitions.join(',') } : {}),
  };
  const node = (
    name: string,
    script: string,
    env: Record<string, string>,
    nodeArgs: readonly string[] = [],
  ): ProcessSpec => ({
    name,
    command: process.execPath,
    args: [...nodeArgs, script],
    cwd: input.root,
    env: { ...env, NATS_NKEY_SEED_FILE: join(layout.natsCredentialsDir, `${name}.nk`) },
    readyLine: /^ledgerflow:ready\b/,
    readyTimeoutMs: READY_TIMEOUT_MS,
  });
  if (input.singleProcess) {
    const hosted: ProcessSpec = {
      name: SINGLE_PROCESS_NAME,
      command: process.execPath,
      args: [
        ...SERVICE_NODE_ARGS,
        join(input.root, 'tools', 'cli', 'dist', 'services-process.js'),
        '--nats-credentials-dir',
        layout.natsCredentialsDir,
      ],
      cwd: input.root,
      env: serviceEnv,
      readyLine: new RegExp(`^ledgerflow:ready ${SINGLE_PROCESS_NAME}$`),
      readyTimeoutMs: SINGLE_READY_TIMEOUT_MS,
    };
    return { services: [hosted], workers: input.workers.map((worker) => node(worker.name, worker.script, common)) };
  }
  return {
    services: SERVICE_NAMES.map((name) =>
      node(name, join(input.root, 'services', name, 'dist', 'main.js'), serviceEnv, SERVICE_NODE_ARGS),
    ),
    workers: input.workers.map((worker) => node(worker.name, worker.script, common)),
  };
}

/** nats-server with JetStream under the data directory, bound to 127.0.0.1, with the generated authorization config. */
export function natsServerSpec(binary: string, port: number, layout: DataDirLayout): ProcessSpec {
  return {
    name: 'nats-server',
    command: binary,
    args: [
      '-a',
      '127.0.0.1',
      '-p',
      String(port),
      '-js',
      '-sd',
      layout.jetstreamDir,
      '-c',
      join(layout.natsCredentialsDir, 'nats-server.conf'),
    ],
    env: { PATH: process.env.PATH ?? '' },
    readyLine: /Server is ready/,
    readyOn: 'both',
    readyTimeoutMs: 30_000,
  };
}
