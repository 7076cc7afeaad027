import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/nats-core';
import { dedupeBucketOf } from '@ledgerflow/contracts';
import type { ToolReply } from '@ledgerflow/contracts';
import type { IdempotencyStore } from './idempotency-store.js';

/** How long a key's entry is kept (the bucket's TTL) by default: 7 days, in ms. */
export const DEFAULT_DEDUPE_TTL_MS = 7 * 24 * 60 * 60 * 1000;
/** A claim not completed for this long (ms) is taken to be abandoned (its worker died mid-call) and taken over. */
export const DEFAULT_CLAIM_STALE_MS = 60_000;
/** How often a replica waiting for another's call looks again, in ms. */
const WAIT_POLL_MS = 100;

type Entry = { readonly state: 'running'; readonly by: string; readonly at: number } | { readonly state: 'done'; readonly reply: ToolReply };

export interface KvIdempotencyStoreOptions {
  /** The worker's name: the bucket is `LF_DEDUPE_<name>` (`dedupeBucketOf`) and claims name it. */
  readonly worker: string;
  /** The bucket's TTL when this call creates it, in ms; default 7 days. An existing bucket keeps its own. */
  readonly ttlMs?: number;
  /** See {@link DEFAULT_CLAIM_STALE_MS}; set it above the longest call of the worker's tools. */
  readonly claimStaleMs?: number;
  /** Bucket replicas when this call creates it: 1 (default), 3 on a NATS cluster. */
  readonly replicas?: number;
  readonly clock?: () => number;
}

/**
 * Replies remembered in a NATS KV bucket every replica of a tool worker shares (`LF_DEDUPE_<worker>`, JetStream
 * file storage), so a call re-dispatched to another replica (after an executor took over a step whose executor
 * died) gets the first reply instead of running the handler again. Before running a handler the worker claims the
 * key ({@link begin}: `kv.create`, which one replica wins); a replica that finds the key claimed waits for that reply,
 * and takes the claim over (`kv.update` at its revision) when it is older than `claimStaleMs`. Entries expire with
 * the bucket's TTL (default 7 days). Keys are the worker's (`<tool>.<action>/<idempotency key>`), written with every
 * character outside `A-Z a-z 0-9 - _ /` as `=` and two hex digits.
 * @example const dedupe = await KvIdempotencyStore.open(nc, { worker: 'claim-review-workers' });
 */
export class KvIdempotencyStore implements IdempotencyStore {
  private constructor(
    private readonly kv: KV,
    private readonly options: KvIdempotencyStoreOptions,
  ) {}

  /**
   * Creates the bucket when missing (else opens it).
   * @throws JetStream errors when JetStream is off or the worker's NATS user may not use the bucket.
   */
  static async open(nc: NatsConnection, options: KvIdempotencyStoreOptions): Promise<KvIdempotencyStore> {
    const kv = await new Kvm(nc).create(dedupeBucketOf(options.worker), {
      ttl: options.ttlMs ?? DEFAULT_DEDUPE_TTL_MS, history: 1, replicas: options.replicas ?? 1,
    });
    return new KvIdempotencyStore(kv, options);
  }

  async get(key: string): Promise<ToolReply | undefined> {
    const entry = (await this.read(key))?.entry;
    return entry?.state === 'done' ? entry.reply : undefined;
  }

  async set(key: string, reply: ToolReply): Promise<void> {
    await this.kv.put(kvKeyOf(key), JSON.stringify({ state: 'done', reply } satisfies Entry));
  }

  /**
   * The reply stored for `key`, or undefined once this worker holds the claim on it (run the handler, then
   * {@link set}). Waits while another replica's fresh claim is running.
   */
  async begin(key: string): Promise<ToolReply | undefined> {
    const k = kvKeyOf(key);
    const claim = JSON.stringify({ state: 'running', by: this.options.worker, at: this.now() } satisfies Entry);
    for (;;) {
      const found = await this.read(key);
      if (found === undefined) {
        if (await this.tried(() => this.kv.create(k, claim))) return undefined;
        continue; // another replica claimed it first
      }
      if (found.entry.state === 'done') return found.entry.reply;
      if (this.now() - found.entry.at >= (this.options.claimStaleMs ?? DEFAULT_CLAIM_STALE_MS)) {
        if (await this.tried(() => this.kv.update(k, claim, found.revision))) return undefined;
        continue;
      }
      await new Promise((resolve) => setTimeout(resolve, WAIT_POLL_MS));
    }
  }

  private async read(key: string): Promise<{ entry: Entry; revision: number } | undefined> {
    const found = await this.kv.get(kvKeyOf(key));
    if (found === null || found.operation !== 'PUT' || found.length === 0) return undefined;
    return { entry: found.json<Entry>(), revision: found.revision };
  }

  /** Runs a conditional write; false when its condition failed (the key changed meanwhile). */
  private async tried(write: () => Promise<number>): Promise<boolean> {
    try {
      await write();
      return true;
    } catch (error) {
      if (/wrong last sequence|key exists/i.test((error as Error).message)) return false;
      throw error;
    }
  }

  private now(): number {
    return (this.options.clock ?? Date.now)();
  }
}

/** A worker's key as a KV key: characters outside `A-Z a-z 0-9 - _ /` as `=` and two hex digits (one subject token per `/` part). */
export function kvKeyOf(key: string): string {
  return key.replace(/[^A-Za-z0-9_/-]/g, (c) => [...Buffer.from(c, 'utf8')].map((b) => `=${b.toString(16).padStart(2, '0')}`).join(''));
}
