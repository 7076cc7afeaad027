import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import { LEASES_BUCKET } from '@ledgerflow/contracts';
import { JetStreamApiCodes, JetStreamApiError, jetstream } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/nats-core';

/** Default lease TTL, in ms: a holder that dies is replaced within this plus one poll. */
export const DEFAULT_LEASE_TTL_MS = 10_000;
/** Default interval at which a standby tries to take the lease, in ms. */
export const DEFAULT_LEASE_POLL_MS = 1_000;

export interface LeaseOptions {
  readonly nc: NatsConnection;
  /** The key, one per singleton (e.g. `relay`); letters, digits, `-` and `_`. */
  readonly key: string;
  /** Who holds it, written in the value for operators (`nats kv get LF_LEASES <key>`); default `<host>/<pid>/<uuid>`. */
  readonly holder?: string;
  /** The KV bucket; default `LF_LEASES`. */
  readonly bucket?: string;
  /**
   * The bucket's TTL (its `max_age`), in ms, when this call creates it; default 10000. An existing bucket keeps its own,
   * and every holder uses that (`ttlMs` of the lease).
   */
  readonly ttlMs?: number;
  /** Bucket replicas when this call creates it: 1 (default), 3 on a NATS cluster. */
  readonly replicas?: number;
  /** How often a standby tries to take the lease, and a holder retries a failed renewal, in ms; default 1000. */
  readonly pollMs?: number;
  /** Told about unexpected failures (a renewal that timed out, NATS unreachable); never throws. */
  readonly onError?: (err: unknown) => void;
}

/** What runs while the lease is held. */
export interface LeasedWork {
  /** Stops the work; called when the lease is lost or closed, before it is released. */
  stop(): Promise<void>;
}

const now = (): number => performance.now();

const taken = (err: unknown): boolean =>
  err instanceof JetStreamApiError &&
  (err.code === JetStreamApiCodes.StreamWrongLastSequence ||
    err.code === JetStreamApiCodes.StreamWrongLastSequenceUnknown);

/**
 * A lease on one key of a NATS KV bucket whose TTL (the bucket's `max_age`) removes a value nobody renewed: at most
 * one process holds it at a time, so a singleton (the event relay) runs in one replica while the others stand by.
 * - A standby tries `kv.create` every `pollMs`: it succeeds once the key is gone (expired) or released.
 * - The holder renews with `kv.update(key, value, revision)` every `ttlMs / 3`; a revision conflict means another
 *   process took it. It considers the lease lost, and stops its work, `ttlMs / 5` before the TTL counted from its last
 *   renewal's publish ends, so it has stopped before the server lets anyone else take the key.
 * - `close()` stops the work and releases the key (a delete at the held revision): a standby takes over at its next poll.
 *
 * Takeover after a holder dies: at most `ttlMs + pollMs` (10 s + 1 s by default), after a release at most `pollMs`.
 *
 * @example
 * const lease = await Lease.open({ nc, key: 'relay' });
 * lease.run(() => startEventRelay({ nc, store, checkpoints }));
 * process.on('SIGTERM', () => lease.close());
 */
export class Lease {
  private revision = 0;
  private validUntil = 0;
  private closed = false;
  private loop: Promise<void> | undefined;
  private wake: () => void = () => undefined;

  private constructor(
    private readonly kv: KV,
    private readonly key: string,
    /** Who holds it when this process does. */
    readonly holder: string,
    /** The bucket's TTL, in ms. */
    readonly ttlMs: number,
    private readonly pollMs: number,
    private readonly report: (err: unknown) => void,
  ) {}

  /**
   * Opens the bucket (creating it when missing, with `ttlMs` and `replicas`); holds nothing until {@link run}.
   * @throws the JetStream error when the bucket can be neither created nor read (e.g. a permissions violation).
   */
  static async open(options: LeaseOptions): Promise<Lease> {
    const kv = await new Kvm(jetstream(options.nc)).create(options.bucket ?? LEASES_BUCKET, {
      ttl: options.ttlMs ?? DEFAULT_LEASE_TTL_MS,
      history: 1,
      replicas: options.replicas ?? 1,
    });
    const { ttl } = await kv.status();
    const report = (err: unknown): void => {
      try {
        options.onError?.(err);
      } catch {
        /* a logging hook must not break the lease */
      }
    };
    const holder = options.holder ?? `${hostname()}/${process.pid}/${randomUUID()}`;
    return new Lease(
      kv,
      options.key,
      holder,
      ttl || DEFAULT_LEASE_TTL_MS,
      options.pollMs ?? DEFAULT_LEASE_POLL_MS,
      report,
    );
  }

  /** Whether this process holds the lease now (taken or renewed less than the TTL minus its margin ago). */
  get held(): boolean {
    return this.revision > 0 && now() < this.validUntil;
  }

  /**
   * Runs `start` each time this process takes the lease, and stops what it returned when the lease is lost, until
   * {@link close}. A `start` that throws is reported and the lease released.
   */
  run(start: () => Promise<LeasedWork>): void {
    if (this.loop) throw new Error(`lease ${this.key}: run() was called already`);
    this.loop = this.keep(start);
  }

  /** Stops the work (when held), releases the lease and stops trying to take it. */
  async close(): Promise<void> {
    this.closed = true;
    this.wake();
    await this.loop;
  }

  private async keep(start: () => Promise<LeasedWork>): Promise<void> {
    while (!this.closed) {
      if (!(await this.acquire())) {
        await this.sleep(this.pollMs);
        continue;
      }
      const work = await start().catch((err: unknown) => this.report(err));
      if (work) await this.renewWhileHeld();
      await work?.stop().catch((err: unknown) => this.report(err));
      await this.release();
      if (!this.closed) await this.sleep(this.pollMs);
    }
  }

  private async acquire(): Promise<boolean> {
    const sentAt = now();
    try {
      this.hold(await this.kv.create(this.key, this.value()), sentAt);
      return true;
    } catch (err) {
      if (!taken(err)) this.report(err);
      return false;
    }
  }

  /** Renews every TTL/3 (retrying every poll after a failure) until closed or lost: a conflict, or the margin reached. */
  private async renewWhileHeld(): Promise<void> {
    let next = now() + this.ttlMs / 3;
    while (!this.closed) {
      await this.sleep(Math.min(next, this.validUntil) - now());
      if (this.closed) return;
      if (!this.held) {
        this.report(
          new Error(`lease ${this.key}: not renewed within its TTL (${this.ttlMs} ms) minus the margin; given up`),
        );
        return;
      }
      const sentAt = now();
      try {
        this.hold(
          await this.kv.update(this.key, this.value(), this.revision, Math.max(1, this.validUntil - sentAt)),
          sentAt,
        );
        next = now() + this.ttlMs / 3;
      } catch (err) {
        if (taken(err)) {
          this.revision = 0;
          this.report(new Error(`lease ${this.key}: taken by another holder`));
          return;
        }
        this.report(err);
        next = now() + this.pollMs;
      }
    }
  }

  private hold(revision: number, sentAt: number): void {
    this.revision = revision;
    // The server counts the TTL from when it stored the value, after `sentAt`; stop a fifth of it earlier.
    this.validUntil = sentAt + this.ttlMs - this.ttlMs / 5;
  }

  /** Deletes the key at the held revision (nothing when another holder has written it since). */
  private async release(): Promise<void> {
    const revision = this.revision;
    this.revision = 0;
    if (revision === 0) return;
    await this.kv.delete(this.key, { previousSeq: revision }).catch((err: unknown) => {
      if (!taken(err)) this.report(err);
    });
  }

  private value(): string {
    return JSON.stringify({ holder: this.holder });
  }

  /** Waits `ms` (at least 0), or less when closed. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, Math.max(0, ms));
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}
