import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/nats-core';
import { readStatusFile, type ProcessStatus } from '@ledgerflow/supervisor';
import {
  DEV_AUTH_AUDIENCE,
  DEV_AUTH_ISSUER,
  devToken,
  freePort,
  repoRoot,
  spawnProcess,
  type DevTokenClaims,
  type ManagedProcess,
} from '@ledgerflow/testing';

/** `ledgerflow start` running as its own OS process on a data directory, with the bench workflows and workers. */
export interface SupervisedLedgerflow {
  readonly dataDir: string;
  readonly gatewayUrl: string;
  readonly natsUrl: string;
  /** The `ledgerflow start` process (the supervisor). */
  readonly supervisor: ManagedProcess;
  /** Every supervised process as the status file says now. */
  processes(): readonly ProcessStatus[];
  /**
   * One supervised process's status.
   * @throws Error when the status file does not list it.
   */
  processOf(name: string): ProcessStatus;
  /** A bearer token signed with the instance's development key. */
  token(claims: DevTokenClaims): Promise<string>;
  /** A NATS connection as the instance's `admin` user (every permission). */
  connectAdmin(): Promise<NatsConnection>;
  /** `ledgerflow start`'s recent output (supervisor events: exits, restarts). */
  output(): string;
  /** SIGTERM to `ledgerflow start`, which stops its processes; resolves with its exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts `node tools/cli/dist/main.js start` (build first) on `dataDir` with free gateway and NATS ports,
 * `examples/bench/workflows` and the bench tool workers (`bench.*`), and waits for `ledgerflow:ready stack`.
 * @throws Error with its output when it exits or is not ready within 90 s.
 */
export async function startSupervisedLedgerflow(
  dataDir: string,
  env: Readonly<Record<string, string>> = {},
): Promise<SupervisedLedgerflow> {
  const root = repoRoot();
  const [gatewayPort, natsPort] = [await freePort(), await freePort()];
  const args = [
    join(root, 'tools/cli/dist/main.js'),
    'start',
    '--data-dir',
    dataDir,
    '--port',
    String(gatewayPort),
    '--nats-port',
    String(natsPort),
    '--definitions',
    join(root, 'examples/bench/workflows'),
    '--worker',
    `bench-workers=${join(root, 'examples/bench/dist/workers.js')}@lf.tool.bench.>`,
  ];
  const supervisor = await spawnProcess({
    name: 'ledgerflow-start',
    command: process.execPath,
    args,
    cwd: root,
    env: { LEDGERFLOW_LOG_LEVEL: 'warn', BENCH_LEDGER: join(dataDir, 'ledger.jsonl'), NATS_URL: undefined, ...env },
    readyLine: /^ledgerflow:ready stack$/,
    readyTimeoutMs: 90_000,
    stopGraceMs: 30_000,
    keepLines: 400,
  });
  const statusFile = join(dataDir, 'status.json');
  const natsUrl = `nats://127.0.0.1:${natsPort}`;
  const authSecret = (await readFile(join(dataDir, 'secrets', 'auth-secret'), 'utf8')).trim();
  return {
    dataDir,
    gatewayUrl: `http://127.0.0.1:${gatewayPort}`,
    natsUrl,
    supervisor,
    processes: () => readStatusFile(statusFile).processes,
    processOf(name) {
      const found = readStatusFile(statusFile).processes.find((p) => p.name === name);
      if (!found) throw new Error(`the status file lists no process ${name}`);
      return found;
    },
    token: (claims) => devToken({ authSecret, authIssuer: DEV_AUTH_ISSUER, authAudience: DEV_AUTH_AUDIENCE }, claims),
    connectAdmin: async () => {
      const seed = (await readFile(join(dataDir, 'nats-credentials', 'admin.nk'), 'utf8')).trim();
      // Loaded lazily, as floors.ts and workers.ts do (one way of importing the library per project).
      const { connectNats } = await import('@ledgerflow/messaging');
      return connectNats({ servers: natsUrl, name: 'soak-admin', auth: { seed } });
    },
    output: () => supervisor.output(),
    stop: () => supervisor.stop(),
  };
}
