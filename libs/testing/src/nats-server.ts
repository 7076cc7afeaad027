import { accessSync, constants } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import { delimiter, join } from 'node:path';
import { freePort, RESERVED_NATS_PORT } from './free-port.js';
import { spawnProcess, type ManagedProcess } from './spawn-process.js';
import { removeDir, tempDir } from './temp-dir.js';

export interface NatsServerOptions {
  /** Enable JetStream (`-js`); default true. */
  readonly jetstream?: boolean;
  /** JetStream store directory (`-sd`); default: a fresh temp dir, removed by `stop()`. A given dir is kept. */
  readonly storeDir?: string;
  /** Port to listen on; default: a free port. 4222 is refused. */
  readonly port?: number;
  /** How long to wait until the server accepts connections, in milliseconds; default 15000. */
  readonly startTimeoutMs?: number;
  /** Extra command-line arguments for nats-server. */
  readonly args?: readonly string[];
}

export interface NatsServerHandle {
  /** `nats://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  readonly storeDir: string;
  readonly pid: number;
  /** The server's recent log lines. */
  output(): string;
  /** SIGTERM (SIGKILL after 5 s), waits for exit, removes the store dir when this helper created it. */
  stop(): Promise<void>;
}

const FALLBACK_BIN = '/usr/sbin/nats-server';

/** `NATS_SERVER_BIN`, else `nats-server` on PATH, else `/usr/sbin/nats-server`. */
export function natsServerBinary(): string {
  const fromEnv = process.env['NATS_SERVER_BIN'];
  if (fromEnv) return fromEnv;
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, 'nats-server');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      /* not here */
    }
  }
  return FALLBACK_BIN;
}

/** Resolves once a TCP connection to 127.0.0.1:`port` succeeds; rejects after `timeoutMs`. */
export async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = tcpConnect({ port, host: '127.0.0.1' });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline)
      throw new Error(`nothing accepted connections on 127.0.0.1:${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Starts a private nats-server bound to 127.0.0.1 on a free port (never 4222), with JetStream
 * storing under a fresh temp dir, and waits until it accepts connections. Retries twice with
 * another port when the chosen one was taken in the meantime.
 *
 * @throws Error with the server's output when it exits early or is not ready within `startTimeoutMs`.
 * @example
 * const nats = await startNatsServer();
 * const nc = await connect({ servers: nats.url });
 * ...
 * await nc.close(); await nats.stop();
 */
export async function startNatsServer(options: NatsServerOptions = {}): Promise<NatsServerHandle> {
  if (options.port === RESERVED_NATS_PORT)
    throw new Error('startNatsServer: port 4222 is reserved for the shared server; omit `port`');
  const ownsStore = options.storeDir === undefined;
  const storeDir = options.storeDir ?? (await tempDir('lf-nats'));
  const timeoutMs = options.startTimeoutMs ?? 15_000;
  const attempts = options.port === undefined ? 3 : 1;
  let lastError: unknown;
  for (let attempt = 0; attempt < attempts; attempt++) {
    const port = options.port ?? (await freePort());
    try {
      const proc = await launch(port, storeDir, options, timeoutMs);
      return handleOf(proc, port, storeDir, ownsStore);
    } catch (err) {
      lastError = err;
      if (!/address already in use/i.test(String(err))) break;
    }
  }
  if (ownsStore) await removeDir(storeDir);
  throw lastError;
}

async function launch(
  port: number,
  storeDir: string,
  options: NatsServerOptions,
  timeoutMs: number,
): Promise<ManagedProcess> {
  const args = [
    '-a',
    '127.0.0.1',
    '-p',
    String(port),
    ...(options.jetstream === false ? [] : ['-js', '-sd', storeDir]),
    ...(options.args ?? []),
  ];
  const proc = await spawnProcess({
    name: `nats-server:${port}`,
    command: natsServerBinary(),
    args,
    readyLine: /Server is ready/,
    readyOn: 'both',
    readyTimeoutMs: timeoutMs,
  });
  try {
    await waitForPort(port, timeoutMs);
  } catch (err) {
    await proc.stop();
    throw new Error(`nats-server on port ${port}: ${(err as Error).message}. Output:\n${proc.output()}`);
  }
  return proc;
}

function handleOf(proc: ManagedProcess, port: number, storeDir: string, ownsStore: boolean): NatsServerHandle {
  let stopping: Promise<void> | undefined;
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    pid: proc.pid,
    output: () => proc.output(),
    stop: () => {
      stopping ??= (async () => {
        await proc.stop();
        if (ownsStore) await removeDir(storeDir);
      })();
      return stopping;
    },
  };
}
