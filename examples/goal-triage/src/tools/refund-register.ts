import { createHash } from 'node:crypto';
import { mkdir, open, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** One refund (a JSON line of the register): `amount` in EUR; `refundedAt` ISO-8601 UTC. */
export interface RefundEntry {
  readonly refundId: string;
  /** The step's effect key (`<runId>/<stepId>`, every attempt's): one refund per key. */
  readonly effectKey: string;
  readonly runId: string;
  readonly accountId: string;
  readonly amount: number;
  readonly currency: 'EUR';
  readonly ticketId?: string;
  readonly refundedAt: string;
}

/** The refund id of an effect key: `RF-` + the first 12 hex digits of its SHA-256. */
export const refundIdOf = (effectKey: string): string =>
  `RF-${createHash('sha256').update(effectKey).digest('hex').slice(0, 12).toUpperCase()}`;

/**
 * The refunds made, in a JSON Lines file: {@link RefundRegister.refundOnce} appends a refund unless its effect key is
 * there, so a re-delivered call or a retry after a timeout refunds once. Writes are serialised in this process and
 * fsynced before they resolve; the file is read once, at the first call (one worker process per file: this example
 * does not lock across processes, see examples/claim-review's billing ledger for that).
 */
export class RefundRegister {
  private entries: Promise<Map<string, RefundEntry>> | undefined;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(readonly path: string) {}

  /** Every refund on file, in order. */
  async list(): Promise<RefundEntry[]> {
    return [...(await this.load()).values()];
  }

  /** The refund of `entry.effectKey`: the one on file, or `entry` once written (`written` says which). */
  refundOnce(entry: RefundEntry): Promise<{ entry: RefundEntry; written: boolean }> {
    const next = this.tail.then(async () => {
      const entries = await this.load();
      const existing = entries.get(entry.effectKey);
      if (existing !== undefined) return { entry: existing, written: false };
      await mkdir(dirname(this.path), { recursive: true });
      const handle = await open(this.path, 'a');
      try {
        await handle.write(`${JSON.stringify(entry)}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      entries.set(entry.effectKey, entry);
      return { entry, written: true };
    });
    this.tail = next.catch(() => undefined);
    return next;
  }

  private load(): Promise<Map<string, RefundEntry>> {
    this.entries ??= readFile(this.path, 'utf8')
      .catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return '';
        throw error;
      })
      .then((text) => {
        const entries = new Map<string, RefundEntry>();
        for (const line of text.split('\n')) {
          if (line.trim() === '') continue;
          try {
            const entry = JSON.parse(line) as RefundEntry;
            entries.set(entry.effectKey, entry);
          } catch {
            // A torn last line from a crash mid-write was never acknowledged: no refund.
          }
        }
        return entries;
      });
    this.entries.catch(() => {
      this.entries = undefined;
    });
    return this.entries;
  }
}
