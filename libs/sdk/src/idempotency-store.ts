import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import type { ToolReply } from '@ledgerflow/contracts';
import { LRUCache } from 'lru-cache';

/**
 * Where a worker remembers the reply it gave for each idempotency key, so a repeated request gets
 * the same reply without running the handler again (docs/architecture.md, "Concurrency and crashes").
 */
export interface IdempotencyStore {
  get(key: string): Promise<ToolReply | undefined> | ToolReply | undefined;
  set(key: string, reply: ToolReply): Promise<void> | void;
  close?(): Promise<void>;
  /**
   * For a store replicas share: the reply stored for `key`, or undefined once this worker may run the handler (it
   * then calls `set`); waits while another replica runs the same key (kv-idempotency-store.ts). Without it the
   * worker calls `get`.
   */
  begin?(key: string): Promise<ToolReply | undefined>;
}

/** Default bound of the in-memory store: 10,000 keys, least recently used evicted first. */
export const DEFAULT_MEMORY_KEYS = 10_000;

/** In-memory LRU store, bounded to `maxKeys` (default 10,000). Lost on restart. */
export class MemoryIdempotencyStore implements IdempotencyStore {
  private readonly entries: LRUCache<string, ToolReply>;

  /** @throws RangeError when `maxKeys` is not an integer >= 1. */
  constructor(maxKeys = DEFAULT_MEMORY_KEYS) {
    if (!(Number.isInteger(maxKeys) && maxKeys >= 1))
      throw new RangeError(`maxKeys must be an integer >= 1, got ${maxKeys}`);
    this.entries = new LRUCache({ max: maxKeys });
  }

  get size(): number {
    return this.entries.size;
  }

  /** Every entry, least recently used first. */
  snapshot(): [string, ToolReply][] {
    return [...this.entries.rentries()] as [string, ToolReply][];
  }

  /** The reply remembered for `key` (it becomes the most recently used), or undefined. */
  get(key: string): ToolReply | undefined {
    return this.entries.get(key);
  }

  /** Remembers `reply` as the most recently used; past `maxKeys`, the least recently used key is evicted. */
  set(key: string, reply: ToolReply): void {
    this.entries.set(key, reply);
  }
}

/**
 * A store that survives restarts: an append-only JSON-lines file (`{"key":..., "reply":...}` per line),
 * read at construction, so a restarted worker still dedupes. Keeps the newest `maxKeys` (default
 * 100,000) in memory; when the file holds more than twice that many lines at load, it is rewritten
 * with the kept entries. A torn last line (crash mid-write) is skipped. With `fsync: true` every
 * `set` waits for the disk (survives a machine crash, not only a process crash).
 */
export class FileIdempotencyStore implements IdempotencyStore {
  private readonly memory: MemoryIdempotencyStore;
  private handle: Promise<FileHandle> | undefined;
  private writes: Promise<void> = Promise.resolve();

  constructor(
    readonly path: string,
    private readonly options: { maxKeys?: number; fsync?: boolean } = {},
  ) {
    const maxKeys = options.maxKeys ?? 100_000;
    this.memory = new MemoryIdempotencyStore(maxKeys);
    const lines = existsSync(path) ? readFileSync(path, 'utf8').split('\n') : [];
    for (const line of lines) {
      const entry = parseLine(line);
      if (entry !== undefined) this.memory.set(entry.key, entry.reply);
    }
    if (lines.length > 2 * maxKeys) this.compact();
  }

  get(key: string): ToolReply | undefined {
    return this.memory.get(key);
  }

  /** Remembers the reply in memory at once, and on disk when the returned promise resolves. */
  set(key: string, reply: ToolReply): Promise<void> {
    this.memory.set(key, reply);
    const line = `${JSON.stringify({ key, reply })}\n`;
    const write = this.writes.then(async () => {
      const handle = await (this.handle ??= open(this.path, 'a'));
      await handle.write(line);
      if (this.options.fsync === true) await handle.sync();
    });
    this.writes = write.catch(() => undefined);
    return write;
  }

  /** Waits for pending writes and closes the file. */
  async close(): Promise<void> {
    await this.writes;
    const handle = this.handle;
    this.handle = undefined;
    if (handle !== undefined) await (await handle).close();
  }

  private compact(): void {
    const text = this.memory
      .snapshot()
      .map(([key, reply]) => `${JSON.stringify({ key, reply })}\n`)
      .join('');
    writeFileSync(`${this.path}.tmp`, text);
    renameSync(`${this.path}.tmp`, this.path);
  }
}

function parseLine(line: string): { key: string; reply: ToolReply } | undefined {
  if (line.trim() === '') return undefined;
  try {
    const entry = JSON.parse(line) as { key?: unknown; reply?: unknown };
    if (typeof entry.key === 'string' && typeof entry.reply === 'object' && entry.reply !== null) {
      return { key: entry.key, reply: entry.reply as ToolReply };
    }
  } catch {
    // A torn line from a crash mid-write: skip it.
  }
  return undefined;
}
