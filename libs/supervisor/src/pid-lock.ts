import { closeSync, openSync, readFileSync, rmSync, unlinkSync, writeSync } from 'node:fs';

/** What a pid lock file holds (JSON). */
export interface PidLockContent {
  readonly pid: number;
  /** ISO-8601 UTC. */
  readonly startedAt: string;
  /** The script the holder runs (`process.argv[1]`), to tell a reused pid from the holder. */
  readonly script: string;
}

/** Another live process holds the lock. */
export class InstanceRunningError extends Error {
  override readonly name = 'InstanceRunningError';
  constructor(
    readonly holder: PidLockContent,
    readonly lockPath: string,
  ) {
    super(`another instance is running (pid ${holder.pid}, started ${holder.startedAt}; lock ${lockPath})`);
  }
}

/** A held lock; `release()` removes the file if it is still this process's. */
export interface PidLock {
  readonly path: string;
  release(): void;
}

/**
 * True when `pid` runs and is not a different program that reused the pid: on Linux, its command line
 * (`/proc/<pid>/cmdline`) must contain `script` when one is given.
 */
export function isHolderAlive(pid: number, script?: string): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (!script) return true;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(script);
  } catch {
    return true;
  }
}

/**
 * The lock's content, or undefined when there is no lock file or it cannot be parsed.
 */
export function readPidLock(path: string): PidLockContent | undefined {
  try {
    const content = JSON.parse(readFileSync(path, 'utf8')) as PidLockContent;
    return Number.isInteger(content.pid) ? content : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Creates `path` exclusively with this process's pid. A lock whose holder is gone (or whose pid now belongs
 * to another program) is stale: it is replaced.
 * @throws InstanceRunningError when a live holder has it; the file system's error otherwise.
 */
export function acquirePidLock(path: string): PidLock {
  const content: PidLockContent = {
    pid: process.pid,
    startedAt: new Date().toISOString(),
    script: process.argv[1] ?? '',
  };
  for (let attempt = 0; attempt < 2; attempt++) {
    let fd: number;
    try {
      fd = openSync(path, 'wx', 0o644);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = readPidLock(path);
      if (holder && isHolderAlive(holder.pid, holder.script)) throw new InstanceRunningError(holder, path);
      rmSync(path, { force: true });
      continue;
    }
    writeSync(fd, `${JSON.stringify(content)}\n`);
    closeSync(fd);
    return {
      path,
      release: () => {
        if (readPidLock(path)?.pid === process.pid) unlinkSync(path);
      },
    };
  }
  throw new InstanceRunningError(readPidLock(path) ?? { ...content, pid: -1 }, path);
}
