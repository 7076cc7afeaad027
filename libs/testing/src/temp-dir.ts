import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Creates a fresh directory under the OS temp dir, named `<prefix>-XXXXXX`.
 * @returns its absolute path; remove it with {@link removeDir} when done.
 */
export async function tempDir(prefix: string): Promise<string> {
  const safe = prefix.replace(/[^A-Za-z0-9_.-]/g, '_');
  return mkdtemp(join(tmpdir(), `${safe}-`));
}

/** Removes a directory and everything under it; a missing directory is not an error. */
export async function removeDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true, maxRetries: 3 });
}
