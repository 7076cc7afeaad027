import { createHash } from 'node:crypto';
import { mkdir, open, readFile, stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';

/** One line of the billing ledger (JSON Lines). `amount` in major units of `currency`; `paidAt` ISO-8601 UTC. */
export interface LedgerEntry {
  readonly paymentId: string;
  /** The step's effect key (`<runId>/<stepId>`, the same for every attempt): one payment per key. Absent on older lines. */
  readonly effectKey?: string;
  /** The attempt's key (`<runId>/<stepId>/<attempt>`) of the call that paid. */
  readonly idempotencyKey: string;
  readonly runId: string;
  readonly claimId: string;
  readonly amount: number;
  readonly currency: string;
  readonly payee: string;
  readonly paidAt: string;
}

/** The payment id of an effect key: `PAY-` + the first 16 hex digits of its SHA-256. */
export const paymentIdOf = (effectKey: string): string =>
  `PAY-${createHash('sha256').update(effectKey).digest('hex').slice(0, 16).toUpperCase()}`;

/** The key a line pays once for: its effect key, else (lines written before effect keys) its idempotency key. */
const dedupeKeyOf = (entry: LedgerEntry): string => entry.effectKey ?? entry.idempotencyKey;

/** Every complete, parseable entry of the ledger at `path` (none when the file does not exist). */
export async function readLedger(path: string): Promise<LedgerEntry[]> {
  const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return '';
    throw error;
  });
  const entries: LedgerEntry[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      entries.push(JSON.parse(line) as LedgerEntry);
    } catch {
      // A torn last line from a crash mid-write: it was never acknowledged, so it is not a payment.
    }
  }
  return entries;
}

/**
 * Appends `entry` to the ledger at `path` unless a line with the same effect key (`effectKey`, else
 * `idempotencyKey` for lines written before effect keys) is already there;
 * returns the entry on file and whether this call wrote it.
 *
 * Crash safety: the line is written with one `write` on an append-mode descriptor and `fsync`ed before
 * this resolves (and the directory is fsynced when the file is created), so a payment reported as made is
 * on disk. A torn line left by a crash is skipped on read and the next line starts on a fresh line.
 * Concurrency: calls on one ledger are serialised in-process and across processes by an exclusive lock
 * file `<path>.lock` (taken with `O_EXCL`; a lock older than {@link STALE_LOCK_MS} is considered abandoned).
 */
export async function appendOnce(path: string, entry: LedgerEntry): Promise<{ entry: LedgerEntry; written: boolean }> {
  return serialised(path, () =>
    withLockFile(`${path}.lock`, async () => {
      const existing = (await readLedger(path)).find((line) => dedupeKeyOf(line) === dedupeKeyOf(entry));
      if (existing) return { entry: existing, written: false };
      await mkdir(dirname(path), { recursive: true });
      const created = !(await stat(path).catch(() => undefined));
      const handle = await open(path, 'a+');
      try {
        const { size } = await handle.stat();
        let prefix = '';
        if (size > 0) {
          const last = Buffer.alloc(1);
          await handle.read(last, 0, 1, size - 1);
          if (last.toString() !== '\n') prefix = '\n';
        }
        await handle.write(`${prefix}${JSON.stringify(entry)}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      if (created) await fsyncDir(dirname(path));
      return { entry, written: true };
    }),
  );
}

/** A lock file older than this (milliseconds) is taken to be left by a crashed writer. */
export const STALE_LOCK_MS = 10_000;
const LOCK_WAIT_MS = 5_000;

const queues = new Map<string, Promise<unknown>>();

function serialised<T>(key: string, work: () => Promise<T>): Promise<T> {
  const previous = queues.get(key) ?? Promise.resolve();
  const next = previous.then(work, work);
  const tail = next.catch(() => undefined);
  queues.set(key, tail);
  void tail.then(() => {
    if (queues.get(key) === tail) queues.delete(key);
  });
  return next;
}

async function withLockFile<T>(lockPath: string, work: () => Promise<T>): Promise<T> {
  await mkdir(dirname(lockPath), { recursive: true });
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      const handle = await open(lockPath, 'wx');
      await handle.write(String(process.pid));
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const lock = await stat(lockPath).catch(() => undefined);
      if (lock && Date.now() - lock.mtimeMs > STALE_LOCK_MS) await unlink(lockPath).catch(() => undefined);
      else if (Date.now() > deadline) throw new Error(`ledger lock ${lockPath} held for more than ${LOCK_WAIT_MS} ms`);
      else await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
  try {
    return await work();
  } finally {
    await unlink(lockPath).catch(() => undefined);
  }
}

async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
