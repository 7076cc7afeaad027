import { spawn } from 'node:child_process';
import { OutputBuffer } from './output-buffer.js';

export interface SpawnProcessOptions {
  /** Short label used in errors and in verbose output (`[name] line`). */
  readonly name: string;
  readonly command: string;
  readonly args?: readonly string[];
  /** Added to (and overriding) the parent's environment; a value of `undefined` removes the variable. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly cwd?: string;
  /** The process is ready once a line matching this appears (on stdout unless `readyOn` says otherwise). Omitted: ready at spawn. */
  readonly readyLine?: RegExp;
  /** Which output `readyLine` is matched against; default `'stdout'`. */
  readonly readyOn?: 'stdout' | 'stderr' | 'both';
  /** How long to wait for `readyLine`, in milliseconds; default 15000. */
  readonly readyTimeoutMs?: number;
  /** Grace between SIGTERM and SIGKILL in `stop()`, in milliseconds; default 5000. */
  readonly stopGraceMs?: number;
  /** Lines of output kept for `output()`; default 200. */
  readonly keepLines?: number;
}

/** A child process started by {@link spawnProcess}. It runs in its own process group; signals go to the whole group. */
export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  /** The last lines (default 200) of stdout and stderr, interleaved in arrival order. */
  output(): string;
  /** Sends `signal` (default SIGTERM) to the process group; no-op once exited. */
  kill(signal?: NodeJS.Signals): void;
  /** SIGTERM, then SIGKILL after the grace period; resolves with the exit code (null when ended by a signal). */
  stop(): Promise<number | null>;
  /** Resolves when the process has exited: its exit code, or null when a signal ended it. */
  readonly exited: Promise<number | null>;
}

const live = new Set<ManagedProcess>();
let exitHookInstalled = false;

/** On parent exit, SIGKILL whatever is still running so test runs leave no orphans. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

/**
 * Spawns `command` and resolves once `readyLine` appears on its output.
 * With `LEDGERFLOW_TEST_VERBOSE=1`, every output line is also written to the parent's stderr as `[name] line`.
 *
 * @throws Error naming the process, with its recent output, when it cannot be spawned, exits before
 *   it is ready, or is not ready within `readyTimeoutMs` (the process is then stopped).
 * @example
 * const svc = await spawnProcess({ name: 'policy', command: 'node', args: ['dist/main.js'], readyLine: /listening/ });
 * try { ... } finally { await svc.stop(); }
 */
export function spawnProcess(options: SpawnProcessOptions): Promise<ManagedProcess> {
  const {
    name,
    command,
    args = [],
    readyLine,
    readyOn = 'stdout',
    readyTimeoutMs = 15_000,
    stopGraceMs = 5_000,
  } = options;
  const verbose = process.env['LEDGERFLOW_TEST_VERBOSE'] === '1';
  const env: Record<string, string | undefined> = { ...process.env, ...options.env };
  for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];

  const child = spawn(command, [...args], { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const buffer = new OutputBuffer(options.keepLines ?? 200);
  let exitCode: number | null | undefined;
  let spawnError: Error | undefined;

  const exited = new Promise<number | null>((resolve) => {
    child.once('error', (err) => {
      spawnError = err;
      if (exitCode === undefined) exitCode = null;
      resolve(null);
    });
    child.once('close', (code) => {
      if (exitCode === undefined) exitCode = code;
      resolve(code);
    });
  });

  const signal = (sig: NodeJS.Signals): void => {
    if (exitCode !== undefined || child.pid === undefined) return;
    try {
      process.kill(-child.pid, sig);
    } catch {
      try {
        child.kill(sig);
      } catch {
        /* already gone */
      }
    }
  };

  const managed: ManagedProcess = {
    name,
    pid: child.pid ?? -1,
    output: () => buffer.text(),
    kill: (sig = 'SIGTERM') => signal(sig),
    exited,
    stop: async () => {
      if (exitCode !== undefined) return exitCode;
      signal('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const graceOver = new Promise<'grace'>((resolve) => {
        timer = setTimeout(() => resolve('grace'), stopGraceMs);
      });
      const first = await Promise.race([exited, graceOver]);
      clearTimeout(timer);
      if (first === 'grace') signal('SIGKILL');
      return exited;
    },
  };
  live.add(managed);
  installExitHook();
  void exited.then(() => live.delete(managed));

  return new Promise<ManagedProcess>((resolve, reject) => {
    let settled = false;
    const finish = (err?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(managed);
    };
    const describe = (what: string): Error =>
      new Error(`${name} (${command} ${args.join(' ')}) ${what}. Recent output:\n${buffer.text() || '(none)'}`);

    const onLine = (stream: 'stdout' | 'stderr') => (line: string) => {
      if (verbose) process.stderr.write(`[${name}] ${line}\n`);
      if (readyLine && !settled && (readyOn === 'both' || readyOn === stream) && readyLine.test(line)) finish();
    };
    buffer.attach(child.stdout, onLine('stdout'));
    buffer.attach(child.stderr, onLine('stderr'));

    const timer = setTimeout(() => {
      finish(describe(`did not print ${String(readyLine)} within ${readyTimeoutMs} ms`));
      void managed.stop();
    }, readyTimeoutMs);
    void exited.then((code) => {
      const why = spawnError
        ? `could not be spawned: ${spawnError.message}`
        : `exited with code ${String(code)} before it was ready`;
      finish(describe(why));
    });
    if (!readyLine) child.once('spawn', () => finish());
  });
}
