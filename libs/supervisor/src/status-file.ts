import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { ProcessStatus } from './process-types.js';

/** What a supervising process publishes about itself and its children (JSON, written whole on every change). */
export interface SupervisorStatusFile {
  readonly version: 1;
  /** The supervising process. */
  readonly supervisorPid: number;
  /** ISO-8601 UTC. */
  readonly startedAt: string;
  /** ISO-8601 UTC of the last write. */
  readonly updatedAt: string;
  /** Free-form facts for operators, e.g. `{ gatewayUrl: 'http://127.0.0.1:8080' }`. */
  readonly info: Readonly<Record<string, string>>;
  readonly processes: readonly ProcessStatus[];
}

/**
 * Writes `status` to `path` atomically (a temporary file renamed over it), so a reader never sees half a file.
 * @throws the file system's error (e.g. ENOENT when the directory is missing).
 */
export function writeStatusFile(path: string, status: SupervisorStatusFile): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(status, null, 2)}\n`);
  renameSync(temporary, path);
}

/**
 * Reads a status file written by {@link writeStatusFile}.
 * @throws Error saying the file is missing or not a status file.
 */
export function readStatusFile(path: string): SupervisorStatusFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new Error(`no status file at ${path}: nothing was started with this data directory`);
    throw error;
  }
  const parsed = JSON.parse(text) as Partial<SupervisorStatusFile>;
  if (parsed.version !== 1 || !Array.isArray(parsed.processes))
    throw new Error(`${path} is not a supervisor status file (version 1)`);
  return parsed as SupervisorStatusFile;
}
