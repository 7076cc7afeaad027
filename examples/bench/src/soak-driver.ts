import type { NatsConnection } from '@nats-io/nats-core';
import { subjects } from '@ledgerflow/contracts';
import { TERMINAL_RUN_STATUSES, type LedgerflowClient } from '@ledgerflow/sdk';

/** What the driver has seen so far; counters only grow. */
export interface DriverCounts {
  readonly started: number;
  readonly completed: number;
  /** Runs that ended `failed` or `cancelled`, and starts the gateway refused. */
  readonly failed: number;
  /** Runs not finished within `stallAfterMs`. */
  readonly stalled: number;
  /** Runs asked for and not seen ended: starts awaiting the gateway's answer, and started runs. */
  readonly inFlight: number;
}

export interface RunDriverOptions {
  readonly client: LedgerflowClient;
  /** An `admin` connection: run ends are watched on `lf.evt.run.*.Run{Completed,Failed,Cancelled}`. */
  readonly nc: NatsConnection;
  readonly workflowId: string;
  /** Runs kept in flight. */
  readonly concurrency: number;
  /** A run not finished this long after it started counts as stalled (ms); default 120000. */
  readonly stallAfterMs?: number;
  /** Prefix of idempotency keys, unique per driver. */
  readonly keyPrefix: string;
  /** Called with a line for every failure or stall (run id, what happened). */
  readonly onProblem?: (line: string) => void;
}

/** Without a relayed end event this long (ms), a run's status is polled over HTTP too (a core subscription can miss one). */
const POLL_AFTER_MS = 20_000;

/**
 * Keeps `concurrency` runs of a workflow in flight over HTTP until {@link RunDriver.finish} is called: each
 * lane starts a run, waits for its end (relayed event, or HTTP polling after 20 s), and starts the next.
 */
export class RunDriver {
  private readonly ends = new Map<string, (status: string) => void>();
  private readonly early = new Map<string, string>();
  private counts = { started: 0, completed: 0, failed: 0, stalled: 0 };
  private requesting = 0;
  private refused = 0;
  private stopping = false;
  private lanes: Promise<void>[] = [];
  private sequence = 0;

  constructor(private readonly options: RunDriverOptions) {
    for (const [type, status] of [
      ['RunCompleted', 'completed'],
      ['RunFailed', 'failed'],
      ['RunCancelled', 'cancelled'],
    ] as const) {
      options.nc.subscribe(subjects.event('run', '*', type), {
        callback: (_error, message) => {
          const runId = message.subject.split('.')[3]?.slice('run-'.length);
          if (!runId) return;
          const waiter = this.ends.get(runId);
          if (waiter) waiter(status);
          else this.early.set(runId, status);
        },
      });
    }
  }

  /** Starts the lanes. */
  start(): void {
    this.lanes = Array.from({ length: this.options.concurrency }, () => this.lane());
  }

  snapshot(): DriverCounts {
    const { started, completed, failed, stalled } = this.counts;
    return {
      ...this.counts,
      inFlight: this.requesting + started - completed - stalled - Math.max(0, failed - this.refused),
    };
  }

  /** Starts no more runs; resolves once every run in flight has ended or stalled. */
  async finish(): Promise<DriverCounts> {
    this.stopping = true;
    await Promise.all(this.lanes);
    return this.snapshot();
  }

  private async lane(): Promise<void> {
    while (!this.stopping) {
      const key = `${this.options.keyPrefix}-${this.sequence++}`;
      let runId: string;
      this.requesting += 1;
      try {
        runId = (await this.options.client.startRun(this.options.workflowId, {}, { idempotencyKey: key })).runId;
      } catch (error) {
        this.counts.failed += 1;
        this.refused += 1;
        this.options.onProblem?.(`start ${key} refused: ${(error as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, 500));
        continue;
      } finally {
        this.requesting -= 1;
      }
      this.counts.started += 1;
      const status = await this.endOf(runId);
      if (status === 'completed') this.counts.completed += 1;
      else if (status === 'stalled') this.counts.stalled += 1;
      else this.counts.failed += 1;
      if (status !== 'completed') this.options.onProblem?.(`run ${runId} ${status}`);
    }
  }

  /** `completed`, `failed`, `cancelled`, or `stalled` when the run is not over within `stallAfterMs`. */
  private async endOf(runId: string): Promise<string> {
    const stallAt = Date.now() + (this.options.stallAfterMs ?? 120_000);
    const relayed = await new Promise<string | undefined>((resolve) => {
      const seen = this.early.get(runId);
      if (seen) return resolve(seen);
      const timer = setTimeout(() => resolve(undefined), Math.min(POLL_AFTER_MS, stallAt - Date.now()));
      this.ends.set(runId, (status) => {
        clearTimeout(timer);
        resolve(status);
      });
    });
    this.ends.delete(runId);
    this.early.delete(runId);
    if (relayed) return relayed;
    try {
      const run = await this.options.client.waitForRun(runId, {
        timeoutMs: Math.max(1, stallAt - Date.now()),
        intervalMs: 1000,
      });
      return TERMINAL_RUN_STATUSES.includes(run.status) ? run.status : 'stalled';
    } catch {
      return 'stalled';
    }
  }
}
