import { SERVICE_NODE_ARGS } from '@ledgerflow/supervisor';
import { randomBytes } from 'node:crypto';
import { generateEd25519KeyPair } from '@ledgerflow/auth';
import type { Ed25519KeyPair } from '@ledgerflow/auth';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.js';
import { startNatsServer } from './nats-server.js';
import type { NatsServerHandle } from './nats-server.js';
import { spawnProcess } from './spawn-process.js';
import type { ManagedProcess } from './spawn-process.js';
import { tempDir } from './temp-dir.js';
import type { NatsConnection } from '@nats-io/nats-core';
import { KNOWN_TOOL_SUBJECTS, connectAs, generateStackCredentials, seedFileOf } from './stack-nats.js';
import { DEFAULT_AUTH_AUDIENCE, GRANT_SIGNING_KEY_ENV, GRANT_VERIFY_KEY_ENV, subjects } from '@ledgerflow/contracts';

/** The six Ledgerflow services, in the order the stack starts them. */
export const SERVICE_NAMES = ['planner', 'policy', 'approval', 'memory', 'executor', 'gateway'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** An extra process of the stack, e.g. a workflow's tool workers; it must print `readyLine` when ready. */
export interface ExtraProcess {
  readonly name: string;
  /** Script path, relative to the repository root, run with `node`. */
  readonly script: string;
  readonly readyLine: RegExp;
  readonly env?: Readonly<Record<string, string>>;
  /**
   * The tool subjects it serves (e.g. `['lf.tool.bench.>']`): it connects as NATS user `name` with the
   * `tool-worker` permissions for them (`NATS_NKEY_SEED_FILE`). Default: `KNOWN_TOOL_SUBJECTS[script]`.
   */
  readonly toolSubjects?: readonly string[];
  /**
   * How many copies to run (default 1): `name`, `name#2`, ... (process names in the stack), each with the same
   * environment and NATS user, so they share a queue group and the worker's dedupe bucket.
   */
  readonly replicas?: number;
}

/**
 * The benchmark and test tool workers (`examples/bench`: `bench.noop`, `bench.record`, ...) as an extra
 * process of a stack; `ledgerPath` is where `bench.record` writes its side effects (`BENCH_LEDGER`).
 */
export function benchWorkers(ledgerPath?: string): ExtraProcess {
  return {
    name: 'bench-workers',
    script: 'examples/bench/dist/workers.js',
    readyLine: /^ledgerflow:ready bench-workers$/,
    toolSubjects: [subjects.tool('bench', '>')],
    ...(ledgerPath ? { env: { BENCH_LEDGER: ledgerPath } } : {}),
  };
}

/** A stack on the bench workflows whose bench workers write their side effects to `benchLedger`. */
export interface BenchStack extends Stack {
  /** The `bench.record` ledger (JSON lines, one per applied side effect), in the stack's data directory. */
  readonly benchLedger: string;
}

/**
 * Starts a stack (in a fresh temp directory named from `prefix`) on `examples/bench/workflows` plus
 * `definitionsDirs`, with the bench workers as an extra process: the set-up most end-to-end tests share.
 */
export async function startBenchStack(
  prefix: string,
  options: { readonly definitionsDirs?: readonly string[] } = {},
): Promise<BenchStack> {
  const dataDir = await tempDir(prefix);
  const benchLedger = join(dataDir, 'ledger.jsonl');
  const definitions = ['examples/bench/workflows', ...(options.definitionsDirs ?? [])].join(',');
  const stack = await startStack({
    dataDir,
    env: { LEDGERFLOW_DEFINITIONS_DIR: definitions },
    extras: [benchWorkers(benchLedger)],
  });
  return { ...stack, benchLedger };
}

/**
 * `processes`: each service its own OS process (as on Kubernetes); `single`: the six services in one Node
 * process, `tools/cli/dist/services-process.js` (as `ledgerflow start --single-process`), named
 * {@link SINGLE_PROCESS_NAME}, each service still with its own NATS connections and user.
 */
export type StackLayout = 'processes' | 'single';

/** The name of the one services process of a `single` layout stack (`stack.process('services')`). */
export const SINGLE_PROCESS_NAME = 'services';

export interface StackOptions {
  /** How the services run; default `processes`. */
  readonly layout?: StackLayout;
  /** Where the SQLite files and nats-server's JetStream data go; default a fresh temp dir. */
  readonly dataDir?: string;
  /** Variables for every service and extra process (e.g. OTEL_* for span export). */
  readonly env?: Readonly<Record<string, string>>;
  readonly extras?: readonly ExtraProcess[];
  /** Extra `node` arguments for every process (e.g. `--cpu-prof` for profiling). */
  readonly nodeArgs?: readonly string[];
  /** Secret that signs reviewer tokens (HS256, >= 32 chars); default a fixed development secret. */
  readonly authSecret?: string;
  /**
   * Processes per service in the `processes` layout (default 1 each): replica 1 is named after the service, the
   * others `<service>#<n>` (e.g. `executor#2`); each gateway replica listens on a port of its own (`gatewayUrls`).
   */
  readonly replicas?: Readonly<Partial<Record<ServiceName, number>>>;
  /**
   * Variables for one service only, over `env` (e.g. each its own `LEDGERFLOW_METRICS_PORT`), in the `processes`
   * layout; every replica of the service gets them.
   */
  readonly serviceEnv?: Readonly<Partial<Record<ServiceName, Readonly<Record<string, string>>>>>;
}

/** The process names of `count` replicas of `name`: `name`, `name#2`, ... */
export function replicaNames(name: string, count = 1): string[] {
  return Array.from({ length: Math.max(1, count) }, (_, i) => (i === 0 ? name : `${name}#${i + 1}`));
}

/** An Ed25519 key pair for step-scoped grants: PKCS#8 PEM (policy service signs) and SPKI PEM (workers verify). */
export type GrantKeyPair = Ed25519KeyPair;

/** A fresh Ed25519 grant key pair (node:crypto), as PEM strings. */
export const generateGrantKeys = (): GrantKeyPair => generateEd25519KeyPair();

export interface Stack {
  readonly layout: StackLayout;
  readonly natsUrl: string;
  /** The nats-server process id (for resource figures, e.g. the bench's CPU per step). */
  readonly natsPid: number;
  /** Where the stack's NATS seeds (`<user>.nk`) and `nats-server.conf` are: `<dataDir>/nats-credentials`. */
  readonly natsCredentialsDir: string;
  readonly gatewayUrl: string;
  /** Every gateway replica's base URL (the first is `gatewayUrl`). */
  readonly gatewayUrls: readonly string[];
  readonly dataDir: string;
  readonly sqlitePath: string;
  readonly authSecret: string;
  readonly authIssuer: string;
  /** `aud` the gateway expects of bearer tokens (`LEDGERFLOW_AUTH_AUDIENCE`). */
  readonly authAudience: string;
  /**
   * A NATS connection to this stack's server as `user` (default `admin`, a user with every permission,
   * for tests and operators; a service's name, e.g. `executor`, to act with that service's rights;
   * `publisher`, an enterprise system publishing triggers; or a tool worker's name).
   * @throws Error for a user this stack has no credentials for; AuthorizationError when refused.
   */
  connect(user?: string): Promise<NatsConnection>;
  /**
   * This stack's grant keys, passed to every process as `LEDGERFLOW_GRANT_SIGNING_KEY` and
   * `LEDGERFLOW_GRANT_VERIFY_KEY`; tests sign or forge grants with them.
   */
  readonly grantKeys: GrantKeyPair;
  /**
   * This stack's anchor keys (Ed25519): the planner signs stream heads into `LF_ANCHORS` with the private key
   * (`LEDGERFLOW_ANCHOR_SIGNING_KEY`, every 500 ms); tests verify anchors with the public key (SPKI PEM).
   */
  readonly anchorKeys: GrantKeyPair;
  /**
   * The running process of a service or extra process by name; in the `single` layout a service's name (or
   * `services`) gives the one process that runs them all.
   */
  process(name: string): ManagedProcess;
  /** Starts a (killed or stopped) process again with the same environment; resolves once it is ready (in the `single` layout a service's name restarts all six). */
  restart(name: string): Promise<ManagedProcess>;
  /** The names of every running service and extra process (replicas included), e.g. to pick one to kill. */
  processNames(): string[];
  /**
   * Stops nats-server (SIGTERM) and starts it again on the same port, configuration and JetStream store; resolves
   * once it accepts connections. The processes reconnect by themselves.
   */
  restartNats(): Promise<void>;
  /** Stops every process (services first, then nats-server). */
  stop(): Promise<void>;
}

/** What `startStack` launches for one process name. */
interface LaunchSpec {
  /** Relative to the repository root, run with `node`. */
  readonly script: string;
  /** `node` arguments before the script (the stack's `nodeArgs` follow, so they can override these). */
  readonly nodeArgs?: readonly string[];
  readonly args?: readonly string[];
  readonly readyLine: RegExp;
  readonly env: Record<string, string>;
  /** Default 30 s. */
  readonly readyTimeoutMs?: number;
}

/** The six services start one after another in one process: allow four times a service's 30 s (57 s seen on a loaded 2-core machine). */
const SINGLE_READY_TIMEOUT_MS = 120_000;

export const DEV_AUTH_SECRET = 'ledgerflow-development-secret-change-me';
export const DEV_AUTH_ISSUER = 'ledgerflow';
export const DEV_AUTH_AUDIENCE = DEFAULT_AUTH_AUDIENCE;

/** The repository root: the nearest ancestor of this file holding `nx.json`. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'nx.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the repository root (no nx.json above this file)');
    dir = parent;
  }
  return dir;
}

/** The tool workers among `extras`, by name, with the tool subjects each serves. */
function toolWorkersOf(extras: readonly ExtraProcess[]): Record<string, readonly string[]> {
  const workers: Record<string, readonly string[]> = {};
  for (const extra of extras) {
    const subjects = extra.toolSubjects ?? KNOWN_TOOL_SUBJECTS[extra.script];
    if (!subjects)
      throw new Error(
        `extra process ${extra.name}: give its toolSubjects (the tool subjects it serves), so it gets a NATS user`,
      );
    workers[extra.name] = subjects;
  }
  return workers;
}

/**
 * Starts nats-server (JetStream, free port, data under `dataDir`) and every service as its own OS
 * process from the built `services/<name>/dist/main.js` (run `npx tsc -b tsconfig.build.json` first),
 * then the extra processes. Each is ready when it prints `ledgerflow:ready <name>`. nats-server runs with
 * authorization: `ledgerflow nats credentials` (built CLI) writes a seed per principal into
 * `<dataDir>/nats-credentials`, and each service and extra process connects as its own user
 * (`NATS_NKEY_SEED_FILE`; an extra as a tool worker of its `toolSubjects`). One Ed25519 grant
 * key pair is generated per stack and given to every process (`LEDGERFLOW_GRANT_SIGNING_KEY`,
 * `LEDGERFLOW_GRANT_VERIFY_KEY`; `options.env` and an extra's `env` may override them). With `layout: 'single'`
 * the six services run in one process instead, each still connecting as its own NATS user.
 * @throws when a process exits or is not ready in time; what was started is stopped first.
 */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const root = repoRoot();
  const dataDir = options.dataDir ? resolve(options.dataDir) : await tempDir('ledgerflow-stack-');
  await mkdir(dataDir, { recursive: true });
  const natsCredentialsDir = join(dataDir, 'nats-credentials');
  const natsConfig = await generateStackCredentials(root, natsCredentialsDir, toolWorkersOf(options.extras ?? []));
  let nats: NatsServerHandle = await startNatsServer({
    storeDir: join(dataDir, 'jetstream'),
    args: ['-c', natsConfig],
  });
  const gatewayPort = await freePort();
  const gatewayPorts = [gatewayPort];
  for (let i = 1; i < (options.replicas?.gateway ?? 1); i++) gatewayPorts.push(await freePort());
  const authSecret = options.authSecret ?? DEV_AUTH_SECRET;
  const sqlitePath = join(dataDir, 'ledgerflow.db');
  const grantKeys = generateGrantKeys();
  const anchorKeys = generateGrantKeys();
  // The planner anchors stream heads often, so end-to-end tests see an anchor soon after a run moves.
  const anchorEnv = { LEDGERFLOW_ANCHOR_SIGNING_KEY: anchorKeys.privateKeyPem, LEDGERFLOW_ANCHOR_INTERVAL_MS: '500' };
  const baseEnv: Record<string, string> = {
    NATS_URL: nats.url,
    LEDGERFLOW_STORE: 'sqlite',
    LEDGERFLOW_SQLITE_PATH: sqlitePath,
    LEDGERFLOW_MEMORY_PATH: join(dataDir, 'memory.db'),
    // A fresh PII vault key per stack (32 random bytes): the vault lives with the stack's data.
    LEDGERFLOW_PII_KEY: randomBytes(32).toString('base64'),
    LEDGERFLOW_VAULT_PATH: join(dataDir, 'vault.db'),
    LEDGERFLOW_GATEWAY_PORT: String(gatewayPort),
    LEDGERFLOW_AUTH_SECRET: authSecret,
    LEDGERFLOW_AUTH_ISSUER: DEV_AUTH_ISSUER,
    LEDGERFLOW_AUTH_AUDIENCE: DEV_AUTH_AUDIENCE,
    LEDGERFLOW_LOG_LEVEL: process.env.LEDGERFLOW_LOG_LEVEL ?? 'warn',
    [GRANT_SIGNING_KEY_ENV]: grantKeys.privateKeyPem,
    [GRANT_VERIFY_KEY_ENV]: grantKeys.publicKeyPem,
    ...options.env,
  };
  const layout = options.layout ?? 'processes';
  const specs = new Map<string, LaunchSpec>();
  if (layout === 'single') {
    // The other services ignore the planner's anchor variables; each service's seed comes from --nats-credentials-dir.
    specs.set(SINGLE_PROCESS_NAME, {
      script: 'tools/cli/dist/services-process.js',
      args: ['--nats-credentials-dir', natsCredentialsDir],
      readyLine: new RegExp(`^ledgerflow:ready ${SINGLE_PROCESS_NAME}$`),
      env: { ...anchorEnv, ...baseEnv },
      nodeArgs: SERVICE_NODE_ARGS,
      readyTimeoutMs: SINGLE_READY_TIMEOUT_MS,
    });
  } else {
    for (const name of SERVICE_NAMES) {
      const env = {
        ...(name === 'planner' ? anchorEnv : {}),
        ...baseEnv,
        ...options.serviceEnv?.[name],
        NATS_NKEY_SEED_FILE: seedFileOf(natsCredentialsDir, name),
      };
      replicaNames(name, options.replicas?.[name]).forEach((replica, i) => {
        const replicaEnv = name === 'gateway' ? { ...env, LEDGERFLOW_GATEWAY_PORT: String(gatewayPorts[i]) } : env;
        specs.set(replica, {
          script: `services/${name}/dist/main.js`,
          nodeArgs: SERVICE_NODE_ARGS,
          readyLine: new RegExp(`^ledgerflow:ready ${name}$`),
          env: replicaEnv,
        });
      });
    }
  }
  for (const extra of options.extras ?? []) {
    const env = { ...baseEnv, NATS_NKEY_SEED_FILE: seedFileOf(natsCredentialsDir, extra.name), ...extra.env };
    for (const replica of replicaNames(extra.name, extra.replicas))
      specs.set(replica, { script: extra.script, readyLine: extra.readyLine, env });
  }
  const running = new Map<string, ManagedProcess>();
  const processName = (name: string): string =>
    layout === 'single' && (SERVICE_NAMES as readonly string[]).includes(name) ? SINGLE_PROCESS_NAME : name;
  const launch = async (requested: string): Promise<ManagedProcess> => {
    const name = processName(requested);
    const spec = specs.get(name);
    if (!spec) throw new Error(`no process named ${name} in this stack`);
    const child = await spawnProcess({
      name,
      command: process.execPath,
      args: [...(spec.nodeArgs ?? []), ...(options.nodeArgs ?? []), join(root, spec.script), ...(spec.args ?? [])],
      cwd: root,
      env: spec.env,
      readyLine: spec.readyLine,
      readyTimeoutMs: spec.readyTimeoutMs ?? 30_000,
    });
    running.set(name, child);
    return child;
  };
  const stop = async (): Promise<void> => {
    await Promise.allSettled([...running.values()].map((child) => child.stop()));
    running.clear();
    await nats.stop();
  };
  try {
    if (layout === 'single') await launch(SINGLE_PROCESS_NAME);
    else {
      await Promise.all(replicaNames('planner', options.replicas?.planner).map(launch));
      await Promise.all(
        SERVICE_NAMES.filter((name) => name !== 'planner')
          .flatMap((name) => replicaNames(name, options.replicas?.[name]))
          .map(launch),
      );
    }
    await Promise.all((options.extras ?? []).flatMap((extra) => replicaNames(extra.name, extra.replicas)).map(launch));
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    layout,
    natsUrl: nats.url,
    get natsPid() {
      return nats.pid;
    },
    natsCredentialsDir,
    gatewayUrl: `http://127.0.0.1:${gatewayPort}`,
    gatewayUrls: gatewayPorts.map((port) => `http://127.0.0.1:${port}`),
    dataDir,
    sqlitePath,
    authSecret,
    authIssuer: DEV_AUTH_ISSUER,
    authAudience: DEV_AUTH_AUDIENCE,
    grantKeys,
    anchorKeys,
    connect(user = 'admin') {
      return connectAs(nats.url, natsCredentialsDir, user);
    },
    process(name) {
      const child = running.get(processName(name));
      if (!child) throw new Error(`process ${name} is not running`);
      return child;
    },
    async restart(name) {
      const previous = running.get(processName(name));
      if (previous) await previous.stop();
      return launch(name);
    },
    processNames() {
      return [...running.keys()];
    },
    async restartNats() {
      await nats.stop();
      nats = await startNatsServer({ storeDir: join(dataDir, 'jetstream'), args: ['-c', natsConfig], port: nats.port });
    },
    stop,
  };
}
