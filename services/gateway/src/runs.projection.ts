import { RUN_EVENT_UPCASTERS, matchReviewer } from '@ledgerflow/domain';
import type { ReviewerActor, Upcasters } from '@ledgerflow/domain';
import { readAllPages } from '@ledgerflow/event-store';
import type { EventStore, StoredEvent } from '@ledgerflow/event-store';
import { RUN_INTEGRITY_FAILED } from '@ledgerflow/service-runtime';
import type { RunIntegrityFailedData } from '@ledgerflow/service-runtime';
import { compareRunKeys } from './runs-page.js';
import type { RunCursor } from './runs-page.js';

/** One line of `GET /v1/runs`. Times are ISO-8601 (UTC). */
export interface RunSummary {
  runId: string;
  workflowId: string;
  workflowVersion: string;
  /**
   * As folded from the run's events, except `integrity_failed`: a service found the run's audit chain broken
   * (a `RunIntegrityFailed` event in `integrity-<runId>`), whatever its events say. `queued`: waits for a slot of its
   * workflow's `maxConcurrentRuns` (`RunQueued` until `RunDequeued`).
   */
  status: 'queued' | 'running' | 'paused' | 'completed' | 'failed' | 'cancelled' | 'integrity_failed';
  createdAt: string;
  updatedAt: string;
  openGates: number;
  failure?: { code: string; reason: string };
  /** Set with status `integrity_failed`: the first event that fails the chain, why, and which services found it. */
  integrity?: { eventId: string; revision: number; reason: string; detectedBy: string[] };
}

/** The filters of `GET /v1/runs`; absent means any. */
export interface RunFilter {
  workflowId?: string;
  status?: string;
  /** Runs created at or after this time (ISO-8601 UTC). */
  createdAfter?: string;
  /** Runs created strictly before this time (ISO-8601 UTC). */
  createdBefore?: string;
}

/** One line of `GET /v1/gates`. */
export interface GateSummary {
  gateId: string;
  runId: string;
  stepId: string;
  status: 'open' | 'approved' | 'rejected' | 'redirected';
  /** Why it opened: `policy`, `definition` or `confidence`. */
  source: string;
  /** 0 as opened, +1 per escalation. */
  level: number;
  reviewers: string[];
  reason: string;
  openedAt: string;
  dueAt?: string;
  decidedBy?: string;
}

/**
 * The gateway's read model of runs and gates: a projection of every `run-*` stream, kept in memory and
 * caught up from the store's global position before each query (so a query sees every event committed
 * before it was made). Rebuilt from position 0 when the gateway starts.
 */
export class RunsProjection {
  private readonly runs = new Map<string, RunSummary>();
  /**
   * Run ids oldest first (by `createdAt`, then `runId`): the order of `GET /v1/runs`, kept as runs are triggered (a
   * binary-search insert, at the end for a run newer than all), so no query sorts the whole map.
   */
  private readonly order: string[] = [];
  private readonly gates = new Map<string, GateSummary>();
  /** Findings of `RunIntegrityFailed` events, by run. */
  private readonly broken = new Map<string, NonNullable<RunSummary['integrity']>>();
  private position = 0;
  private integrityPosition = 0;
  private catchingUp?: Promise<void>;

  /** `upcasters`: each event is read in its type's current shape (docs/events.md, "Versions and upcasting"). */
  constructor(
    private readonly store: EventStore,
    private readonly upcasters: Upcasters = RUN_EVENT_UPCASTERS,
  ) {}

  /** The store position up to which this projection has read run events: every run event at or below it is committed. */
  get readUpTo(): number {
    return this.position;
  }

  /** Every run `filter` selects, newest first. */
  async listRuns(filter: RunFilter = {}): Promise<RunSummary[]> {
    return (await this.pageOfRuns(filter, { limit: Number.POSITIVE_INFINITY })).runs;
  }

  /**
   * At most `limit` runs `filter` selects, newest first, strictly older than `before` when given; `next` is the
   * cursor of the following page (absent on the last page). Walks the kept order from the cursor, so a page costs
   * O(log n + the runs it skips or returns), not a sort of every run.
   */
  async pageOfRuns(
    filter: RunFilter,
    page: { limit: number; before?: RunCursor },
  ): Promise<{ runs: RunSummary[]; next?: RunCursor }> {
    await this.catchUp();
    const runs: RunSummary[] = [];
    // Newest first, from the cursor or the time bound (whichever is older), until the page is full or the runs are
    // older than `createdAfter`: both bounds cost a binary search, not a scan.
    let end = page.before ? this.firstIndexNotBefore(page.before) : this.order.length;
    if (filter.createdBefore !== undefined)
      end = Math.min(end, this.firstIndexNotBefore({ createdAt: filter.createdBefore, runId: '' }));
    let index = end - 1;
    for (; index >= 0 && runs.length <= page.limit; index--) {
      const run = this.marked(this.runs.get(this.order[index]) as RunSummary);
      if (filter.createdAfter !== undefined && run.createdAt < filter.createdAfter) break;
      if (
        (!filter.workflowId || run.workflowId === filter.workflowId) &&
        (!filter.status || run.status === filter.status)
      )
        runs.push(run);
    }
    if (runs.length <= page.limit) return { runs };
    runs.pop();
    const last = runs[runs.length - 1] as RunSummary;
    return { runs, next: { createdAt: last.createdAt, runId: last.runId } };
  }

  /** The index in {@link order} of the first run not older than `key` (binary search). */
  private firstIndexNotBefore(key: RunCursor): number {
    let low = 0;
    let high = this.order.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (compareRunKeys(this.runs.get(this.order[middle]) as RunSummary, key) < 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  /** `reviewer`: only gates whose current reviewers name them (by id, role or team, see `matchReviewer`). */
  async listGates(filter: { status?: string; reviewer?: ReviewerActor } = {}): Promise<GateSummary[]> {
    await this.catchUp();
    const reviewer = filter.reviewer;
    return [...this.gates.values()]
      .filter((gate) => !filter.status || gate.status === filter.status)
      .filter((gate) => !reviewer || matchReviewer(gate.reviewers, reviewer) !== undefined)
      .sort((a, b) => a.openedAt.localeCompare(b.openedAt));
  }

  async getGate(gateId: string): Promise<GateSummary | undefined> {
    await this.catchUp();
    return this.gates.get(gateId);
  }

  /** Applies every event committed since the last catch-up; concurrent callers share one pass. */
  catchUp(): Promise<void> {
    this.catchingUp ??= this.readNewEvents().finally(() => {
      this.catchingUp = undefined;
    });
    return this.catchingUp;
  }

  private async readNewEvents(): Promise<void> {
    this.position = await readAllPages(this.store, { fromPosition: this.position, streamPrefix: 'run-' }, (event) =>
      this.apply(this.upcasters.upcast(event)),
    );
    this.integrityPosition = await readAllPages(
      this.store,
      { fromPosition: this.integrityPosition, streamPrefix: 'integrity-' },
      (event) => {
        if (event.type === RUN_INTEGRITY_FAILED) this.markBroken(event.data as RunIntegrityFailedData);
      },
    );
  }

  private markBroken(data: RunIntegrityFailedData): void {
    const known = this.broken.get(data.runId);
    if (known) {
      if (!known.detectedBy.includes(data.detectedBy)) known.detectedBy.push(data.detectedBy);
      return;
    }
    this.broken.set(data.runId, {
      eventId: data.eventId,
      revision: data.revision,
      reason: data.reason,
      detectedBy: [data.detectedBy],
    });
  }

  /** `run` as listed: status `integrity_failed` with the finding once a service reported its chain broken. */
  private marked(run: RunSummary): RunSummary {
    const integrity = this.broken.get(run.runId);
    return integrity
      ? { ...run, status: 'integrity_failed', integrity: { ...integrity, detectedBy: [...integrity.detectedBy] } }
      : run;
  }

  private apply(event: StoredEvent): void {
    const runId = event.metadata.runId;
    const data = event.data as Record<string, unknown>;
    const at = event.metadata.occurredAt;
    if (event.type === 'RunTriggered') {
      if (this.runs.has(runId)) return; // a stream has one RunTriggered, its first event
      this.runs.set(runId, {
        runId,
        workflowId: String(data.workflowId),
        workflowVersion: String(data.workflowVersion),
        status: 'running',
        createdAt: at,
        updatedAt: at,
        openGates: 0,
      });
      this.order.splice(this.firstIndexNotBefore({ createdAt: at, runId }), 0, runId);
      return;
    }
    const run = this.runs.get(runId);
    if (!run) return;
    run.updatedAt = at;
    switch (event.type) {
      case 'RunCompleted':
        run.status = 'completed';
        break;
      case 'RunFailed':
        run.status = 'failed';
        run.failure = { code: String(data.code), reason: String(data.reason) };
        break;
      case 'RunCancelled':
        run.status = 'cancelled';
        break;
      case 'RunPaused':
        run.status = 'paused';
        break;
      case 'RunResumed':
        run.status = 'running';
        break;
      case 'RunQueued':
        run.status = 'queued';
        break;
      case 'RunDequeued':
        run.status = 'running';
        break;
      case 'GateOpened':
        this.openGate(runId, data, at);
        break;
      case 'GateEscalated':
        this.escalateGate(data);
        break;
      case 'GateDecided':
        this.decideGate(data);
        break;
    }
    run.openGates = [...this.gates.values()].filter((g) => g.runId === runId && g.status === 'open').length;
  }

  private openGate(runId: string, data: Record<string, unknown>, at: string): void {
    const gateId = String(data.gateId);
    this.gates.set(gateId, {
      gateId,
      runId,
      stepId: String(data.stepId),
      status: 'open',
      source: String(data.source),
      level: 0,
      reviewers: [...(data.reviewers as string[])],
      reason: String(data.reason),
      openedAt: at,
      ...(data.dueAt ? { dueAt: String(data.dueAt) } : {}),
    });
  }

  private escalateGate(data: Record<string, unknown>): void {
    const gate = this.gates.get(String(data.gateId));
    if (!gate) return;
    gate.reviewers = [...(data.reviewers as string[])];
    gate.level = Number(data.level);
    if (data.dueAt) gate.dueAt = String(data.dueAt);
    else delete gate.dueAt;
  }

  private decideGate(data: Record<string, unknown>): void {
    const gate = this.gates.get(String(data.gateId));
    if (!gate) return;
    gate.status = data.outcome === 'approved' ? 'approved' : data.outcome === 'redirected' ? 'redirected' : 'rejected';
    gate.decidedBy = String(data.reviewer);
  }
}
