import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { nextFailureCount, restartDelayMs, type BackoffPolicy } from './backoff.js';
import type { ExitRecord, ProcessSpec, ProcessState, ProcessStatus, SupervisorLogEntry } from './process-types.js';

/** What a supervised process reports to its supervisor. */
export interface ProcessHooks {
  readonly backoff: BackoffPolicy;
  log(level: SupervisorLogEntry['level'], msg: string, fields: Record<string, unknown>): void;
  output(name: string, stream: 'stdout' | 'stderr', line: string): void;
  /** Called after every change of state, pid, readiness or counters. */
  changed(): void;
}

const KEEP_LINES = 100;

/**
 * One child process under supervision: spawned in its own process group (signals reach its children too),
 * restarted with backoff when it exits without being asked to, stopped with SIGTERM then SIGKILL.
 */
export class SupervisedProcess {
  private state: ProcessState = 'stopped';
  private child?: ChildProcess;
  private startedAtMs = 0;
  private restarts = 0;
  private failures = 0;
  private ready = false;
  private lastExit: ExitRecord | null = null;
  private nextRestartAtMs: number | null = null;
  private restartTimer?: NodeJS.Timeout;
  private readyTimer?: NodeJS.Timeout;
  private firstStart?: { resolve: () => void; reject: (error: Error) => void };
  private exited?: Promise<void>;
  private readonly recent: string[] = [];

  constructor(
    readonly spec: ProcessSpec,
    private readonly hooks: ProcessHooks,
  ) {}

  /**
   * Spawns the process; resolves once it is ready.
   * @throws Error naming the process, with its recent output, when it cannot be spawned, exits before it is
   *   ready, or is not ready within `readyTimeoutMs`. It is then not restarted (state `failed`).
   */
  start(): Promise<void> {
    if (this.child || this.state === 'backoff')
      return Promise.reject(new Error(`${this.spec.name} is already supervised`));
    const started = new Promise<void>((resolve, reject) => (this.firstStart = { resolve, reject }));
    this.launch();
    return started;
  }

  status(): ProcessStatus {
    const running = this.child !== undefined;
    return {
      name: this.spec.name,
      state: this.state,
      pid: running ? (this.child?.pid ?? null) : null,
      startedAt: running ? new Date(this.startedAtMs).toISOString() : null,
      restarts: this.restarts,
      ready: this.ready,
      lastExit: this.lastExit,
      nextRestartAt: this.nextRestartAtMs === null ? null : new Date(this.nextRestartAtMs).toISOString(),
    };
  }

  /** The last lines (at most 100) of its stdout and stderr. */
  output(): string {
    return this.recent.join('\n');
  }

  /** Cancels a pending restart; sends SIGTERM to the group, SIGKILL after `stopGraceMs`; resolves once it exited. */
  async stop(): Promise<void> {
    clearTimeout(this.restartTimer);
    this.nextRestartAtMs = null;
    if (!this.child) {
      if (this.state !== 'failed') this.state = 'stopped';
      this.hooks.changed();
      return;
    }
    if (this.state !== 'stopping') {
      this.state = 'stopping';
      this.hooks.changed();
      this.signal('SIGTERM');
    }
    const kill = setTimeout(() => this.signal('SIGKILL'), this.spec.stopGraceMs ?? 10_000);
    await this.exited;
    clearTimeout(kill);
  }

  private launch(): void {
    const { spec } = this;
    const child = spawn(spec.command, [...(spec.args ?? [])], {
      cwd: spec.cwd,
      env: { ...spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    this.child = child;
    this.startedAtMs = Date.now();
    this.ready = false;
    this.state = 'starting';
    this.nextRestartAtMs = null;
    this.exited = new Promise<void>((resolve) => {
      let done = false;
      const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
        if (done) return;
        done = true;
        this.onExit(child, code, signal);
        resolve();
      };
      child.once('error', (error) => {
        this.remember(`spawn failed: ${error.message}`);
        if (child.pid === undefined) finish(null, null);
      });
      child.once('close', finish);
    });
    const readyOn = spec.readyOn ?? 'stdout';
    for (const stream of ['stdout', 'stderr'] as const) {
      const source = child[stream];
      if (!source) continue;
      createInterface({ input: source, crlfDelay: Infinity }).on('line', (line) => {
        this.remember(line);
        this.hooks.output(spec.name, stream, line);
        if (!this.ready && spec.readyLine && (readyOn === 'both' || readyOn === stream) && spec.readyLine.test(line))
          this.markReady(child);
      });
    }
    if (!spec.readyLine) child.once('spawn', () => this.markReady(child));
    this.readyTimer = setTimeout(() => this.notReadyInTime(child), spec.readyTimeoutMs ?? 30_000);
    this.hooks.log('info', 'process started', { pid: child.pid ?? null, restarts: this.restarts });
    this.hooks.changed();
  }

  private markReady(child: ChildProcess): void {
    if (child !== this.child || this.ready) return;
    clearTimeout(this.readyTimer);
    this.ready = true;
    if (this.state === 'starting') this.state = 'ready';
    this.hooks.log('info', 'process ready', { pid: child.pid ?? null, restarts: this.restarts });
    this.firstStart?.resolve();
    this.firstStart = undefined;
    this.hooks.changed();
  }

  private notReadyInTime(child: ChildProcess): void {
    if (child !== this.child || this.ready || this.state === 'stopping') return;
    const timeoutMs = this.spec.readyTimeoutMs ?? 30_000;
    this.hooks.log('error', 'process not ready in time', { pid: child.pid ?? null, timeoutMs });
    this.remember(`(not ready within ${timeoutMs} ms: killed)`);
    this.signal('SIGKILL');
  }

  private onExit(child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    clearTimeout(this.readyTimer);
    const uptimeMs = Date.now() - this.startedAtMs;
    const pid = child.pid ?? -1;
    this.lastExit = { pid, code, signal, at: new Date().toISOString(), uptimeMs };
    this.child = undefined;
    this.ready = false;
    if (this.state === 'stopping') {
      this.state = 'stopped';
      this.hooks.log('info', 'process stopped', { pid, code, signal });
      this.firstStart?.reject(new Error(`${this.spec.name} was stopped before it was ready`));
      this.firstStart = undefined;
      this.hooks.changed();
      return;
    }
    if (this.firstStart) {
      this.state = 'failed';
      const why =
        code === null && signal === null
          ? 'could not be spawned'
          : `exited (code ${code}, signal ${signal}) before it was ready`;
      this.hooks.log('error', 'process exited', {
        pid,
        code,
        signal,
        uptimeMs,
        restarts: this.restarts,
        nextDelayMs: null,
      });
      this.firstStart.reject(
        new Error(
          `${this.spec.name} (${this.spec.command} ${(this.spec.args ?? []).join(' ')}) ${why}. Recent output:\n${this.output() || '(none)'}`,
        ),
      );
      this.firstStart = undefined;
      this.hooks.changed();
      return;
    }
    this.failures = nextFailureCount(this.hooks.backoff, this.failures, uptimeMs);
    const delayMs = restartDelayMs(this.hooks.backoff, this.failures);
    this.state = 'backoff';
    this.nextRestartAtMs = Date.now() + delayMs;
    this.hooks.log('warn', 'process exited', {
      pid,
      code,
      signal,
      uptimeMs,
      restarts: this.restarts,
      nextDelayMs: delayMs,
    });
    this.restartTimer = setTimeout(() => {
      this.restarts += 1;
      this.launch();
      this.hooks.log('warn', 'process restarted', {
        pid: this.child?.pid ?? null,
        restarts: this.restarts,
        afterMs: delayMs,
      });
    }, delayMs);
    this.hooks.changed();
  }

  private signal(signal: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      try {
        this.child?.kill(signal);
      } catch {
        /* already gone */
      }
    }
  }

  private remember(line: string): void {
    this.recent.push(line);
    if (this.recent.length > KEEP_LINES) this.recent.splice(0, this.recent.length - KEEP_LINES);
  }
}
