import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/nats-core';
import { dedupeBucketOf } from '@ledgerflow/contracts';
import type { ToolReply } from '@ledgerflow/contracts';
import type { IdempotencyStore } from './idempotency-store.js';

/** How long a key's entry is kept (the bucket's TTL) by default: 7 days, in ms. */
export const DEFAULT_DEDUPE_TTL_MS = 7 * 24 * 60 * 60 * 1000;
/**
 * A claim not renewed for this long (ms) is taken to be abandoned (its worker died or lost NATS mid-call) and taken
 * over; the holder renews its claims every third of it while the handler runs.
 */
export const DEFAULT_CLAIM_STALE_MS = 10_000;
/** How long `begin` keeps trying while the bucket does not answer (NATS reconnecting), in ms. */
export const DEFAULT_UNAVAILABLE_RETRY_MS = 15_000;
/** How often a replica waiting for another's call looks again, in ms. */
const WAIT_POLL_MS = 100;

type Entry =
  | { readonly state: 'running'; readonly by: string; readonly at: number }
  | { readonly state: 'done'; readonly reply: ToolReply };

export interface KvIdempotencyStoreOptions {
  /** The worker's name: the bucket is `LF_DEDUPE_<name>` (`dedupeBucketOf`) and claims name it. */
  readonly worker: string;
  /** The bucket's TTL when this call creates it, in ms; default 7 days. An existing bucket keeps its own. */
  readonly ttlMs?: number;
  /** See {@link DEFAULT_CLAIM_STALE_MS}. */
  readonly claimStaleMs?: number;
  /** See {@link DEFAULT_UNAVAILABLE_RETRY_MS}. */
  readonly unavailableRetryMs?: number;
  /** This process's claims are written under this name; default `<worker>/<host>:<pid>/<random>`. */
  readonly claimant?: string;
  /** Bucket replicas when this call creates it: 1 (default), 3 on a NATS cluster. */
  readonly replicas?: number;
  readonly clock?: () => number;
}

/**
 * Replies remembered in a NATS KV bucket every replica of a tool worker shares (`LF_DEDUPE_<worker>`, JetStream
 * file storage), so a call re-dispatched to another replica (after an executor took over a step whose executor
 * died) gets the first reply instead of running the handler again. Before running a handler the worker claims the
 * key ({@link begin}: `kv.create`, which one replica wins) and renews the claim while the handler runs; a replica
 * that finds the key claimed waits for that reply, and takes the claim over (`kv.update` at its revision) once it
 * was not renewed for `claimStaleMs` (default 10 s), or at once when it is its own (a claim whose acknowledgement
 * was lost to a NATS restart). While the bucket does not answer, `begin` tries again for up to
 * `unavailableRetryMs`. Entries expire with the bucket's TTL (default 7 days). Keys are the worker's (`<tool>.<action>/<idempotency key>`), written with every
 * character outside `A-Z a-z 0-9 - _ /` as `=` and two hex digits.
 * @example const dedupe = await KvIdempotencyStore.open(nc, { worker: 'claim-review-workers' });
 */
export class KvIdempotencyStore implements IdempotencyStore {
  private readonly claimant: string;
  /** This process's claims being renewed: KV key -> revision of the last write. */
  private readonly held = new Map<string, number>();
  private readonly renewal: NodeJS.Timeout;

  private constructor(
    private readonly kv: KV,
    private readonly options: KvIdempotencyStoreOptions,
  ) {
    this.claimant = options.claimant ?? `${options.worker}/${hostname()}:${process.pid}/${randomUUID().slice(0, 8)}`;
    this.renewal = setInterval(() => void this.renewClaims(), Math.max(50, Math.floor(this.staleMs() / 3)));
    this.renewal.unref();
  }

  /**
   * Creates the bucket when missing (else opens it).
   * @throws JetStream errors when JetStream is off or the worker's NATS user may not use the bucket.
   */
  static async open(nc: NatsConnection, options: KvIdempotencyStoreOptions): Promise<KvIdempotencyStore> {
    const kv = await new Kvm(nc).create(dedupeBucketOf(options.worker), {
      ttl: options.ttlMs ?? DEFAULT_DEDUPE_TTL_MS,
      history: 1,
      replicas: options.replicas ?? 1,
    });
    return new KvIdempotencyStore(kv, options);
  }

  async get(key: string): Promise<ToolReply | undefined> {
    const entry = (await this.read(key))?.entry;
    return entry?.state === 'done' ? entry.reply : undefined;
  }

  async set(key: string, reply: ToolReply): Promise<void> {
    this.held.delete(kvKeyOf(key));
    await this.kv.put(kvKeyOf(key), JSON.stringify({ state: 'done', reply } satisfies Entry));
  }

  /** Stops renewing claims (those held lapse after `claimStaleMs`). */
  async close(): Promise<void> {
    clearInterval(this.renewal);
    this.held.clear();
  }

  /**
   * The reply stored for `key`, or undefined once this worker holds the claim on it (run the handler, then
   * {@link set}). Waits while another replica's fresh claim is running.
   */
  async begin(key: string): Promise<ToolReply | undefined> {
    const k = kvKeyOf(key);
    const giveUpAt = this.now() + (this.options.unavailableRetryMs ?? DEFAULT_UNAVAILABLE_RETRY_MS);
    for (;;) {
      try {
        const outcome = await this.tryBegin(k);
        if (outcome !== 'wait') return outcome.reply;
      } catch (error) {
        if (this.now() >= giveUpAt) throw error; // the bucket has not answered for unavailableRetryMs
      }
      await new Promise((resolve) => setTimeout(resolve, WAIT_POLL_MS));
    }
  }

  /** One look at the key: its reply, the claim taken (`{reply: undefined}`), or `wait` (another replica runs it). */
  private async tryBegin(k: string): Promise<{ reply: ToolReply | undefined } | 'wait'> {
    const claim = (): string => JSON.stringify({ state: 'running', by: this.claimant, at: this.now() } satisfies Entry);
    // Most keys are new: claim first (one write), read only when the key exists.
    if (await this.claimed(k, () => this.kv.create(k, claim()))) return { reply: undefined };
    const found = await this.readKey(k);
    if (found === undefined) return 'wait'; // removed meanwhile: claim again at the next look
    if (found.entry.state === 'done') return { reply: found.entry.reply };
    const abandoned = found.entry.by === this.claimant || this.now() - found.entry.at >= this.staleMs();
    if (abandoned && (await this.claimed(k, () => this.kv.update(k, claim(), found.revision))))
      return { reply: undefined };
    return 'wait';
  }

  /** Runs a conditional write of a claim; false when its condition failed (the key changed meanwhile). */
  private async claimed(k: string, write: () => Promise<number>): Promise<boolean> {
    try {
      this.held.set(k, await write());
      return true;
    } catch (error) {
      if (/wrong last sequence|key exists/i.test((error as Error).message)) return false;
      throw error;
    }
  }

  private async renewClaims(): Promise<void> {
    for (const [k, revision] of [...this.held]) {
      try {
        const next = await this.kv.update(
          k,
          JSON.stringify({ state: 'running', by: this.claimant, at: this.now() } satisfies Entry),
          revision,
        );
        if (this.held.has(k)) this.held.set(k, next);
      } catch (error) {
        // Another replica took it over (it went stale), or the reply was stored meanwhile: stop renewing. A transient
        // failure is tried again at the next renewal.
        if (/wrong last sequence/i.test((error as Error).message)) this.held.delete(k);
      }
    }
  }

  private staleMs(): number {
    return this.options.claimStaleMs ?? DEFAULT_CLAIM_STALE_MS;
  }

  private read(key: string): Promise<{ entry: Entry; revision: number } | undefined> {
    return this.readKey(kvKeyOf(key));
  }

  private async readKey(k: string): Promise<{ entry: Entry; revision: number } | undefined> {
    const found = await this.kv.get(k);
    if (found === null || found.operation !== 'PUT' || found.length === 0) return undefined;
    return { entry: found.json<Entry>(), revision: found.revision };
  }

  private now(): number {
    return (this.options.clock ?? Date.now)();
  }
}

/** A worker's key as a KV key: characters outside `A-Z a-z 0-9 - _ /` as `=` and two hex digits (one subject token per `/` part). */
export function kvKeyOf(key: string): string {
  return key.replace(/[^A-Za-z0-9_/-]/g, (c) =>
    [...Buffer.from(c, 'utf8')].map((b) => `=${b.toString(16).padStart(2, '0')}`).join(''),
  );
}
