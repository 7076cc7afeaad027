import { hostname } from 'node:os';
import type { NatsConnection, Subscription } from '@nats-io/nats-core';
import { subjects } from '@ledgerflow/contracts';
import type { Logger } from '@ledgerflow/telemetry';

/** Heartbeat period of an executor instance, in milliseconds. */
export const PRESENCE_INTERVAL_MS = 2_000;
/** An instance not heard from for this long (milliseconds) is gone: its running attempts may be reclaimed. */
export const PRESENCE_TTL_MS = 10_000;

const ID_PATTERN = /^[A-Za-z0-9_:-]{1,128}$/;

/**
 * This process's executor instance id: `LEDGERFLOW_EXECUTOR_ID` when set (e.g. a StatefulSet's pod name, so a
 * restarted pod finds its own running attempts at once), else `<hostname>:<pid>` with the host name's dots as `_`
 * (a NATS subject token). Ids must be unique among live instances.
 * @throws RangeError when the configured id is not 1-128 characters of `A-Z a-z 0-9 _ : -`.
 */
export function executorIdOf(configured: string | undefined, pid = process.pid, host = hostname()): string {
  const id = configured ?? `${hostToken(host)}:${pid}`;
  if (!ID_PATTERN.test(id))
    throw new RangeError(`LEDGERFLOW_EXECUTOR_ID must be 1-128 characters of A-Z a-z 0-9 _ : -, got "${id}"`);
  return id;
}

/** A host name as a NATS subject token: characters outside `A-Z a-z 0-9 _ -` (dots included) as `_`. */
function hostToken(host: string): string {
  return host.replace(/[^A-Za-z0-9_-]/g, '_');
}

export interface PresenceOptions {
  readonly nc: NatsConnection;
  readonly self: string;
  readonly logger: Logger;
  /**
   * Called with the ids of instances that went away: silent for `ttlMs`, left, or presumed alive during the warm-up
   * (asked about and never heard); reclaim what they ran.
   */
  readonly onGone: (ids: readonly string[]) => void;
  readonly intervalMs?: number;
  readonly ttlMs?: number;
  readonly clock?: () => number;
  /** Whether a process id runs on this host (default: `process.kill(pid, 0)`). */
  readonly processExists?: (pid: number) => boolean;
}

/**
 * Which executor instances are alive, so that replicas never run the same step attempt at once (run-reconciler.ts:
 * a running attempt belongs to the instance recorded in `StepStarted`/`StepReclaimed.executor`; another replica
 * reclaims it only once that instance is gone). Each instance publishes a heartbeat on core NATS every
 * `intervalMs` (`lf.executor.presence.<id>`, empty body; `{"leaving":true}` when it stops) and listens to the
 * others'. An instance is gone when not heard from for `ttlMs`, when it said it leaves, or at once when its default
 * id names this host and a process id that no longer exists (a restart on the same machine needs no wait). During
 * the first `ttlMs` after start an instance never heard from counts as alive (it may simply not have spoken yet),
 * so a replica's death is handed over within `ttlMs` + `intervalMs` (12 s by default). Silence is evidence only while
 * this instance was connected: nobody is declared gone while it is disconnected, and after its connection to NATS comes back (a nats-server restart, a partition), every
 * instance gets `ttlMs` again to be heard, as at start, so replicas that could not hear each other do not reclaim
 * each other's running attempts.
 */
export class ExecutorPresence {
  private readonly lastSeen = new Map<string, number>();
  private readonly gone = new Set<string>();
  private readonly clock: () => number;
  private readonly intervalMs: number;
  private readonly ttlMs: number;
  /** How the default ids of this host's processes start. */
  private readonly localPrefix = `${hostToken(hostname())}:`;
  private startedAt = Number.POSITIVE_INFINITY;
  /** Instances never heard from that {@link isAlive} presumed alive during the warm-up: told gone if still unheard at its end. */
  private readonly presumed = new Set<string>();
  /** While the connection is down nobody can be heard: nobody is declared gone. */
  private disconnected = false;
  private subscription: Subscription | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: PresenceOptions) {
    this.clock = options.clock ?? Date.now;
    this.intervalMs = options.intervalMs ?? PRESENCE_INTERVAL_MS;
    this.ttlMs = options.ttlMs ?? PRESENCE_TTL_MS;
  }

  get self(): string {
    return this.options.self;
  }

  /** Starts listening and sending heartbeats; resolves once the server has the subscription. */
  async start(): Promise<void> {
    this.startedAt = this.clock();
    this.subscription = this.options.nc.subscribe(subjects.executorPresence('*'), {
      callback: (error, msg) => {
        if (error !== null) return;
        const id = msg.subject.slice(subjects.executorPresence('').length);
        if (id === this.self || !ID_PATTERN.test(id)) return;
        if (msg.data.length > 0 && new TextDecoder().decode(msg.data).includes('"leaving":true')) this.left(id);
        else this.heard(id);
      },
    });
    await this.options.nc.flush();
    void this.watchConnection();
    this.beat();
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  /** True when `id` may still be running what it started (see the class comment for when an instance is gone). */
  isAlive(id: string): boolean {
    if (id === this.self) return true;
    if (this.gone.has(id) || this.deadOnThisHost(id)) return false;
    const seen = this.lastSeen.get(id);
    if (seen !== undefined) return this.clock() - seen < this.ttlMs;
    if (this.clock() - this.startedAt >= this.ttlMs) return false;
    this.presumed.add(id); // not heard from yet: alive until the warm-up ends
    return true;
  }

  /** When `id`'s last heartbeat arrived (clock milliseconds); undefined when not heard from (or gone). */
  lastHeard(id: string): number | undefined {
    return this.lastSeen.get(id);
  }

  /** Stops the heartbeats and tells the others this instance leaves (they reclaim at once what it still had). */
  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    try {
      this.options.nc.publish(subjects.executorPresence(this.self), JSON.stringify({ leaving: true }));
      await this.options.nc.flush();
    } catch {
      // The connection is closing: the others find this instance gone after the TTL.
    }
    this.subscription?.unsubscribe();
  }

  /** After a reconnect, what went unheard while disconnected is no evidence: a fresh warm-up for every instance. */
  private async watchConnection(): Promise<void> {
    for await (const status of this.options.nc.status()) {
      if (status.type === 'disconnect') this.disconnected = true;
      if (status.type !== 'reconnect') continue;
      this.disconnected = false;
      const now = this.clock();
      this.startedAt = now;
      for (const id of this.lastSeen.keys()) this.lastSeen.set(id, now);
    }
  }

  private heard(id: string): void {
    this.lastSeen.set(id, this.clock());
    this.gone.delete(id);
    this.presumed.delete(id);
  }

  private left(id: string): void {
    this.lastSeen.delete(id);
    if (this.gone.has(id)) return;
    this.gone.add(id);
    this.options.logger.info('executor instance left: its running attempts are reclaimed', { executor: id });
    this.options.onGone([id]);
  }

  private beat(): void {
    try {
      this.options.nc.publish(subjects.executorPresence(this.self));
    } catch (error) {
      this.options.logger.warn('executor heartbeat not sent', { error: (error as Error).message });
    }
  }

  private tick(): void {
    if (this.disconnected) return;
    this.beat();
    const now = this.clock();
    const lost = [...this.lastSeen].filter(([, seen]) => now - seen >= this.ttlMs).map(([id]) => id);
    for (const id of lost) {
      this.lastSeen.delete(id);
      this.gone.add(id);
    }
    if (lost.length > 0) {
      this.options.logger.warn('executor instances went silent: their running attempts are reclaimed', {
        executors: lost.join(','),
      });
      this.options.onGone(lost);
    }
    if (this.presumed.size > 0 && now - this.startedAt >= this.ttlMs) {
      // Instances asked about during the warm-up and still never heard: gone (e.g. died before this one started).
      const unheard = [...this.presumed];
      this.presumed.clear();
      for (const id of unheard) this.gone.add(id);
      this.options.onGone(unheard);
    }
    if (this.gone.size > 10_000) this.gone.clear(); // ids are per process: keep the set bounded
  }

  private deadOnThisHost(id: string): boolean {
    if (!id.startsWith(this.localPrefix)) return false;
    const pid = Number(id.slice(this.localPrefix.length));
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return false;
    return !(this.options.processExists ?? processExists)(pid);
  }
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
