/** What to run and how to tell it is ready. */
export interface ProcessSpec {
  /** Unique within a supervisor; used in logs and status. */
  readonly name: string;
  readonly command: string;
  readonly args?: readonly string[];
  /** The child's whole environment (nothing is inherited unless passed here). */
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
  /** Ready once a line matching this appears (on stdout unless `readyOn` says otherwise); omitted: ready at spawn. */
  readonly readyLine?: RegExp;
  /** Which output `readyLine` is matched against; default `'stdout'`. */
  readonly readyOn?: 'stdout' | 'stderr' | 'both';
  /** How long a (re)started process may take to print `readyLine`, in milliseconds; default 30000. */
  readonly readyTimeoutMs?: number;
  /** Grace between SIGTERM and SIGKILL when stopping, in milliseconds; default 10000. */
  readonly stopGraceMs?: number;
}

/**
 * `starting`: spawned, not yet ready; `ready`: printed its ready line; `backoff`: exited, waiting to restart;
 * `stopping`: SIGTERM sent; `stopped`: stopped on request; `failed`: never became ready on its first start.
 */
export type ProcessState = 'starting' | 'ready' | 'backoff' | 'stopping' | 'stopped' | 'failed';

/** How a process ended. */
export interface ExitRecord {
  readonly pid: number;
  /** Exit code, or null when a signal ended it. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** ISO-8601 UTC. */
  readonly at: string;
  /** How long that incarnation ran, in milliseconds. */
  readonly uptimeMs: number;
}

/** One supervised process as the supervisor sees it now. */
export interface ProcessStatus {
  readonly name: string;
  readonly state: ProcessState;
  /** The current incarnation's pid; null while none runs. */
  readonly pid: number | null;
  /** When the current incarnation was spawned (ISO-8601 UTC); null while none runs. */
  readonly startedAt: string | null;
  /** Restarts after unexpected exits since the supervisor started it. */
  readonly restarts: number;
  /** The current incarnation printed its ready line. */
  readonly ready: boolean;
  readonly lastExit: ExitRecord | null;
  /** When the next restart is due (ISO-8601 UTC), in state `backoff`. */
  readonly nextRestartAt: string | null;
}

/**
 * A supervisor event, written as one JSON line: `{time, level, service: 'supervisor', msg, name, ...}`.
 * `msg` is one of `process started`, `process ready`, `process exited`, `process restarted`,
 * `process not ready in time`, `process stopped`.
 */
export interface SupervisorLogEntry {
  readonly time: string;
  readonly level: 'info' | 'warn' | 'error';
  readonly service: 'supervisor';
  readonly msg: string;
  /** The process's name. */
  readonly name: string;
  readonly [field: string]: unknown;
}
