import { DEFAULT_BACKOFF, type BackoffPolicy } from './backoff.js';
import type { ProcessSpec, ProcessStatus, SupervisorLogEntry } from './process-types.js';
import { SupervisedProcess } from './supervised-process.js';

export interface SupervisorOptions {
  /** Restart delays; default {@link DEFAULT_BACKOFF} (0.5 s doubling to 30 s, reset after 60 s up). Fields given override it. */
  readonly backoff?: Partial<BackoffPolicy>;
  /** Where supervisor events go; default one JSON line each on this process's stdout. */
  readonly log?: (entry: SupervisorLogEntry) => void;
  /** Each line a child writes (default: dropped; the last 100 per process are kept for error messages). */
  readonly output?: (name: string, stream: 'stdout' | 'stderr', line: string) => void;
  /** Called after any process changed state (e.g. to write a status file). */
  readonly onChange?: () => void;
}

const live = new Set<Supervisor>();
let exitHookInstalled = false;

/**
 * Keeps child processes running: starts each (resolving once it printed its ready line), restarts one that
 * exits without being asked to after a backoff delay, logs every exit and restart as a JSON line, keeps a
 * status per process, and stops them with SIGTERM then SIGKILL after a grace. If this process exits
 * without stopping them, its children's process groups are sent SIGKILL so none is left behind.
 *
 * @example
 * const supervisor = new Supervisor();
 * await supervisor.start({ name: 'policy', command: process.execPath, args: ['services/policy/dist/main.js'], env, readyLine: /^ledgerflow:ready policy$/ });
 * supervisor.status(); // [{ name: 'policy', state: 'ready', pid: 4242, restarts: 0, ... }]
 * await supervisor.stop();
 */
export class Supervisor {
  private readonly processes = new Map<string, SupervisedProcess>();
  private readonly backoff: BackoffPolicy;

  constructor(private readonly options: SupervisorOptions = {}) {
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    live.add(this);
    installExitHook();
  }

  /**
   * Starts `spec` under supervision; resolves once it is ready. From then on it is restarted whenever it exits.
   * @throws Error when the name is taken, or (with the process's recent output) when it exits or is not ready
   *   in time on this first start; it is then left in state `failed` and not restarted.
   */
  start(spec: ProcessSpec): Promise<void> {
    if (this.processes.has(spec.name))
      return Promise.reject(new Error(`a process named ${spec.name} is already supervised`));
    const supervised = new SupervisedProcess(spec, {
      backoff: this.backoff,
      log: (level, msg, fields) =>
        this.log({ time: new Date().toISOString(), level, service: 'supervisor', msg, name: spec.name, ...fields }),
      output: (name, stream, line) => this.options.output?.(name, stream, line),
      changed: () => this.options.onChange?.(),
    });
    this.processes.set(spec.name, supervised);
    return supervised.start();
  }

  /** Every process's status, in the order they were started. */
  status(): ProcessStatus[] {
    return [...this.processes.values()].map((p) => p.status());
  }

  /**
   * One process's status.
   * @throws Error when no process of that name is supervised.
   */
  statusOf(name: string): ProcessStatus {
    return this.get(name).status();
  }

  /**
   * The last lines (at most 100) one process wrote.
   * @throws Error when no process of that name is supervised.
   */
  output(name: string): string {
    return this.get(name).output();
  }

  /**
   * Stops the named processes (default: all) at once: pending restarts are cancelled, each gets SIGTERM, and
   * SIGKILL after its `stopGraceMs`. Resolves when all of them have exited.
   */
  async stop(names?: readonly string[]): Promise<void> {
    const targets = names ? names.map((name) => this.get(name)) : [...this.processes.values()];
    await Promise.all(targets.map((p) => p.stop()));
    if (!names) live.delete(this);
  }

  private get(name: string): SupervisedProcess {
    const found = this.processes.get(name);
    if (!found)
      throw new Error(
        `no process named ${name} is supervised (known: ${[...this.processes.keys()].join(', ') || 'none'})`,
      );
    return found;
  }

  private log(entry: SupervisorLogEntry): void {
    if (this.options.log) this.options.log(entry);
    else process.stdout.write(`${JSON.stringify(entry)}\n`);
  }

  /** SIGKILL to every running child's process group; for the exit hook. */
  killAllNow(): void {
    for (const status of this.status()) {
      if (status.pid === null) continue;
      try {
        process.kill(-status.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const supervisor of live) supervisor.killAllNow();
  });
}
