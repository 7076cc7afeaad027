import type { RunUpdate } from '@ledgerflow/contracts';

/** One line of `GET /v1/runs` (services/gateway/src/runs.projection.ts, `RunSummary`). */
export interface RunSummary {
  readonly runId: string;
  readonly workflowId: string;
  readonly workflowVersion: string;
  readonly status: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly openGates: number;
  readonly failure?: { readonly code: string; readonly reason: string };
}

/** The list's filters, as `GET /v1/runs` and `GET /v1/stream` take them; empty means any. */
export interface RunFilter {
  readonly workflowId: string;
  readonly status: string;
  /** Only runs created at or after this ISO-8601 UTC time; '' for any time. */
  readonly createdAfter: string;
}

/** The "Started" choices of the runs list: how far back, in milliseconds (0: any time). */
export const STARTED_WITHIN = [
  { label: 'any time', ms: 0 },
  { label: 'last hour', ms: 3_600_000 },
  { label: 'last 24 hours', ms: 86_400_000 },
  { label: 'last 7 days', ms: 604_800_000 },
] as const;

/** `createdAfter` of a "Started" choice made at `now` (epoch ms): '' for any time. */
export const createdAfterOf = (withinMs: number, now: number): string =>
  withinMs > 0 ? new Date(now - withinMs).toISOString() : '';

/** Run statuses a person can filter on (the projection's `RunSummary.status`). */
export const RUN_STATUSES = [
  'queued',
  'running',
  'paused',
  'completed',
  'failed',
  'cancelled',
  'integrity_failed',
] as const;

/** Events after which a run's count of open gates may differ: the console reads that run again. */
const GATE_EVENTS = new Set(['GateOpened', 'GateDecided', 'GateEscalated', 'PlanRevised']);

/**
 * What a live update does to the known runs: `patched` is the list with the run's status and time moved on (when
 * the run is known); `refetch` is true when the console must read the run (unknown so far, or its gates changed).
 */
export function applyRunUpdate(
  runs: ReadonlyMap<string, RunSummary>,
  update: RunUpdate,
): { patched: ReadonlyMap<string, RunSummary>; refetch: boolean } {
  const known = runs.get(update.runId);
  if (!known) return { patched: runs, refetch: true };
  const next = new Map(runs);
  // The projection keeps integrity_failed whatever later events say (a broken chain is never silently healed).
  const status = known.status === 'integrity_failed' ? known.status : update.status;
  next.set(update.runId, {
    ...known,
    status,
    updatedAt: update.occurredAt > known.updatedAt ? update.occurredAt : known.updatedAt,
  });
  return { patched: next, refetch: GATE_EVENTS.has(update.type) };
}

/** The runs `filter` selects, newest first (by creation time, then id for a stable order). */
export function visibleRuns(runs: ReadonlyMap<string, RunSummary>, filter: RunFilter): RunSummary[] {
  return [...runs.values()]
    .filter(
      (run) =>
        (!filter.workflowId || run.workflowId === filter.workflowId) &&
        (!filter.status || run.status === filter.status),
    )
    .filter((run) => !filter.createdAfter || run.createdAt >= filter.createdAfter)
    .sort((a, b) =>
      a.createdAt === b.createdAt ? b.runId.localeCompare(a.runId) : b.createdAt.localeCompare(a.createdAt),
    );
}

/** The list line of a run read over `GET /v1/runs/{id}` (its view has every gate; the summary counts the open ones). */
export function summaryOfRunView(view: {
  runId: string;
  workflowId?: string;
  workflowVersion?: string;
  status: string;
  createdAt?: string;
  updatedAt?: string;
  failure?: { code: string; reason: string };
  gates?: ReadonlyArray<{ status: string }>;
}): RunSummary {
  return {
    runId: view.runId,
    workflowId: view.workflowId ?? '',
    workflowVersion: view.workflowVersion ?? '',
    status: view.status,
    createdAt: view.createdAt ?? '',
    updatedAt: view.updatedAt ?? view.createdAt ?? '',
    openGates: (view.gates ?? []).filter((gate) => gate.status === 'open').length,
    ...(view.failure ? { failure: view.failure } : {}),
  };
}

/** How many runs the list asks `GET /v1/runs` for at a time (`?limit=`). */
export const RUNS_PAGE_SIZE = 100;

/**
 * Whether a run read because of a live update belongs in a list that holds the pages down to `oldest` (the last
 * run loaded; undefined when every page is loaded or none yet): a newer run does, an older one waits for its page,
 * so the list never shows a run below a gap.
 */
export function belongsToLoadedPages(run: RunSummary, oldest: RunSummary | undefined): boolean {
  if (!oldest) return true;
  return run.createdAt === oldest.createdAt ? run.runId >= oldest.runId : run.createdAt > oldest.createdAt;
}
