/**
 * Liveness and readiness of one service or tool worker (docs/operations.md, "Health endpoints"): what `/healthz` and
 * `/readyz` answer, on the gateway's HTTP port and on every service's and tool worker's health listener
 * (`LEDGERFLOW_HEALTH_PORT`).
 */

/**
 * One check's state: `up` (works), `down` (does not; `detail` says why), `standby` (not needed by this replica
 * now, e.g. a leased consumer another replica holds: it counts as ready).
 */
export interface CheckState {
  readonly status: 'up' | 'down' | 'standby';
  /** Why it is down or on standby, or what it checked (e.g. `rtt 0.4 ms`). */
  readonly detail?: string;
}

/** A named readiness check; `run` may throw or hang: the health answer bounds it ({@link CHECK_TIMEOUT_MS}). */
export interface HealthCheck {
  /** Stable, lower-case: `nats`, `store`, `rpc`, `consumers`, `started`. */
  readonly name: string;
  run(): Promise<CheckState>;
}

/** `GET /readyz` body: 200 with `status: 'ready'`, 503 with `status: 'not_ready'` and `failing` naming the checks. */
export interface ReadinessReport {
  readonly service: string;
  readonly status: 'ready' | 'not_ready';
  /** Names of the checks that are `down` (empty when ready). */
  readonly failing: readonly string[];
  readonly checks: Readonly<Record<string, CheckState>>;
}

/** `GET /healthz` body (always 200 while the event loop answers). */
export interface LivenessReport {
  readonly service: string;
  readonly status: 'alive';
  /** Seconds since the process started (`process.uptime()`). */
  readonly uptimeSeconds: number;
}

/** Longest a single check may take before it counts as `down` (`timed out after 2000 ms`); below the probes' 3 s timeout. */
export const CHECK_TIMEOUT_MS = 2_000;

/**
 * The checks of one service. Readiness is the conjunction of every registered check; a service registers
 * `started` first (down until the service has started: NATS connected, store opened, handlers subscribed), then
 * the checks of what it depends on ({@link natsCheck}, {@link storeCheck}, ...). Checks run concurrently.
 */
export class ServiceHealth {
  private readonly checks = new Map<string, HealthCheck>();
  private startedAt: Date | undefined;
  private stopping = false;

  constructor(
    readonly service: string,
    private readonly timeoutMs = CHECK_TIMEOUT_MS,
  ) {
    this.add({
      name: 'started',
      run: async () =>
        this.stopping
          ? { status: 'down', detail: 'stopping' }
          : this.startedAt
            ? { status: 'up', detail: `since ${this.startedAt.toISOString()}` }
            : { status: 'down', detail: 'starting' },
    });
  }

  /** Adds (or replaces, by name) a check. */
  add(check: HealthCheck): this {
    this.checks.set(check.name, check);
    return this;
  }

  /** The service has started: `started` is up from now. */
  markStarted(at = new Date()): void {
    this.startedAt = at;
  }

  /** The service is stopping: not ready from now (load balancers stop sending it requests while it drains). */
  markStopping(): void {
    this.stopping = true;
  }

  liveness(): LivenessReport {
    return { service: this.service, status: 'alive', uptimeSeconds: Math.round(process.uptime()) };
  }

  /** Runs every check (each bounded by the timeout; a throw is `down` with its message). Never throws. */
  async readiness(): Promise<ReadinessReport> {
    const entries = await Promise.all(
      [...this.checks.values()].map(async (check) => [check.name, await this.bounded(check)] as const),
    );
    const failing = entries.filter(([, state]) => state.status === 'down').map(([name]) => name);
    return {
      service: this.service,
      status: failing.length === 0 ? 'ready' : 'not_ready',
      failing,
      checks: Object.fromEntries(entries),
    };
  }

  private async bounded(check: HealthCheck): Promise<CheckState> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<CheckState>((resolve) => {
      timer = setTimeout(
        () => resolve({ status: 'down', detail: `timed out after ${this.timeoutMs} ms` }),
        this.timeoutMs,
      );
    });
    try {
      return await Promise.race([check.run().catch((error: unknown) => down(error)), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** A `down` state from whatever was thrown. */
export function down(error: unknown): CheckState {
  const message = error instanceof Error ? error.message : String(error);
  return { status: 'down', detail: message.length > 0 ? message : 'failed' };
}
