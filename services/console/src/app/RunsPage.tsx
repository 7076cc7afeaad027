import { useEffect, useId, useMemo, useRef, useState } from 'react';
import type { RunUpdate } from '@ledgerflow/contracts';
import {
  applyRunUpdate,
  belongsToLoadedPages,
  createdAfterOf,
  RUN_STATUSES,
  RUNS_PAGE_SIZE,
  STARTED_WITHIN,
  summaryOfRunView,
  visibleRuns,
} from '../model/runs-list.js';
import type { RunFilter, RunSummary } from '../model/runs-list.js';
import { api, describeError } from './api.js';
import { apiAll, apiPage } from './api-page.js';
import { useSession } from './identity.js';
import { Link } from './router.js';
import { followStream } from './sse.js';
import type { StreamState } from './sse.js';
import { LiveBadge } from './LiveBadge.js';

type RunViewLine = Parameters<typeof summaryOfRunView>[0];

/** Marked (Performance API) once the first page of runs is on screen; the scale browser test reads it. */
export const FIRST_PAGE_MARK = 'ledgerflow:runs-first-page';

/**
 * Runs, newest first, filtered by workflow and status; kept current by `GET /v1/stream` (every run's updates), so
 * a new run appears and a status changes without a reload. The stream is opened before the list is read, and
 * updates that arrive first are applied after it, so none is lost between the two. The API answers a page of
 * {@link RUNS_PAGE_SIZE} runs; "Show more" reads the next one (its `Link: rel="next"` cursor).
 */
export function RunsPage() {
  const { token } = useSession();
  const [filter, setFilter] = useState<RunFilter>({ workflowId: '', status: '', createdAfter: '' });
  const [startedWithin, setStartedWithin] = useState(0);
  const [runs, setRuns] = useState<ReadonlyMap<string, RunSummary>>(new Map());
  const [workflows, setWorkflows] = useState<string[]>([]);
  const [error, setError] = useState<string>();
  const [stream, setStream] = useState<StreamState>({ kind: 'connecting' });
  const [next, setNext] = useState<string>();
  const [loadingMore, setLoadingMore] = useState(false);
  // What the list effect and "Show more" share: the runs known, the oldest loaded while more pages exist, and
  // which effect run (filter) they belong to, so a page read for an old filter is dropped.
  const known = useRef<{ runs?: ReadonlyMap<string, RunSummary>; oldest?: RunSummary; generation: number }>({
    generation: 0,
  });
  const firstShown = useRef(false);
  const workflowField = useId();
  const statusField = useId();
  const startedField = useId();

  useEffect(() => {
    apiAll<{ workflowId: string }>(token, '/v1/workflows').then(
      (list) => setWorkflows(list.map((w) => w.workflowId).sort()),
      () => setWorkflows([]),
    );
  }, [token]);

  useEffect(() => {
    const abort = new AbortController();
    const generation = ++known.current.generation;
    known.current = { generation };
    const early: RunUpdate[] = [];
    const publish = (runs: ReadonlyMap<string, RunSummary>): void => {
      known.current.runs = runs;
      setRuns(runs);
    };
    const fetchRun = (runId: string): void => {
      api<RunViewLine>(token, `/v1/runs/${encodeURIComponent(runId)}`, { signal: abort.signal }).then(
        (view) => {
          const summary = summaryOfRunView(view);
          const runs = known.current.runs;
          if (!runs || (filter.workflowId && summary.workflowId !== filter.workflowId)) return;
          if (runs.has(runId) || belongsToLoadedPages(summary, known.current.oldest))
            publish(new Map(runs).set(runId, summary));
        },
        () => undefined, // a run that cannot be read is left out; its next update tries again
      );
    };
    const onUpdate = (update: RunUpdate): void => {
      const runs = known.current.runs;
      if (!runs) return void early.push(update);
      const { patched, refetch } = applyRunUpdate(runs, update);
      if (patched !== runs) publish(patched);
      if (refetch) fetchRun(update.runId);
    };
    const query = new URLSearchParams();
    if (filter.workflowId) query.set('workflowId', filter.workflowId);
    void followStream({
      path: `/v1/stream${query.size ? `?${query}` : ''}`,
      token,
      onUpdate,
      onState: setStream,
      signal: abort.signal,
    });
    if (filter.status) query.set('status', filter.status);
    if (filter.createdAfter) query.set('createdAfter', filter.createdAfter);
    query.set('limit', String(RUNS_PAGE_SIZE));
    apiPage<RunSummary>(token, `/v1/runs?${query}`, abort.signal).then(
      (page) => {
        known.current.oldest = page.next ? page.items[page.items.length - 1] : undefined;
        publish(new Map(page.items.map((run) => [run.runId, run])));
        setNext(page.next);
        setError(undefined);
        early.splice(0).forEach(onUpdate);
      },
      (failure) => !abort.signal.aborted && setError(describeError(failure)),
    );
    return () => {
      abort.abort();
      setNext(undefined); // the next page of this filter is no page of the next one
    };
  }, [token, filter.workflowId, filter.status, filter.createdAfter]);

  const showMore = (): void => {
    const { generation } = known.current;
    if (!next || loadingMore) return;
    setLoadingMore(true);
    apiPage<RunSummary>(token, next)
      .then(
        (page) => {
          if (known.current.generation !== generation) return;
          // A run already known may have moved on by a live update since this page was read: the known line wins.
          const runs = new Map(known.current.runs);
          for (const run of page.items) if (!runs.has(run.runId)) runs.set(run.runId, run);
          known.current.oldest = page.next ? page.items[page.items.length - 1] : undefined;
          known.current.runs = runs;
          setRuns(runs);
          setNext(page.next);
        },
        (failure) => setError(describeError(failure)),
      )
      .finally(() => setLoadingMore(false));
  };

  useEffect(() => {
    if (firstShown.current || runs.size === 0) return;
    firstShown.current = true;
    performance.mark(FIRST_PAGE_MARK);
  }, [runs]);

  const visible = useMemo(() => visibleRuns(runs, filter), [runs, filter]);
  return (
    <main id="main">
      <div className="title-row">
        <h1>Runs</h1>
        <LiveBadge state={stream} />
      </div>
      <form className="filters" role="search" aria-label="Filter runs" onSubmit={(event) => event.preventDefault()}>
        <label htmlFor={workflowField}>Workflow</label>
        <select
          id={workflowField}
          value={filter.workflowId}
          onChange={(event) => setFilter({ ...filter, workflowId: event.target.value })}
        >
          <option value="">any</option>
          {workflows.map((id) => (
            <option key={id}>{id}</option>
          ))}
        </select>
        <label htmlFor={statusField}>Status</label>
        <select
          id={statusField}
          value={filter.status}
          onChange={(event) => setFilter({ ...filter, status: event.target.value })}
        >
          <option value="">any</option>
          {RUN_STATUSES.map((status) => (
            <option key={status}>{status}</option>
          ))}
        </select>
        <label htmlFor={startedField}>Started</label>
        <select
          id={startedField}
          value={startedWithin}
          onChange={(event) => {
            const within = Number(event.target.value);
            setStartedWithin(within);
            setFilter({ ...filter, createdAfter: createdAfterOf(within, Date.now()) });
          }}
        >
          {STARTED_WITHIN.map((choice) => (
            <option key={choice.ms} value={choice.ms}>
              {choice.label}
            </option>
          ))}
        </select>
      </form>
      {error && (
        <p role="alert" className="error">
          Runs could not be read: {error}
        </p>
      )}
      <table className="runs" aria-describedby="runs-count">
        <caption id="runs-count">
          {visible.length} run{visible.length === 1 ? '' : 's'}
          {next ? ' shown, newest first; older runs on the next pages' : ''}
        </caption>
        <thead>
          <tr>
            <th scope="col">Run</th>
            <th scope="col">Workflow</th>
            <th scope="col">Status</th>
            <th scope="col">Open gates</th>
            <th scope="col">Started</th>
            <th scope="col">Last change</th>
          </tr>
        </thead>
        <tbody>
          {visible.map((run) => (
            <tr key={run.runId} data-run-id={run.runId}>
              <th scope="row">
                <Link to={{ page: 'run', runId: run.runId }}>
                  <code>{run.runId.slice(0, 8)}</code>
                  <span className="sr-only"> (run {run.runId})</span>
                </Link>
              </th>
              <td>
                {run.workflowId} <span className="muted">v{run.workflowVersion}</span>
              </td>
              <td>
                <span className={`status status-${run.status}`} data-testid="run-status">
                  {run.status}
                </span>
                {run.failure && <span className="muted"> {run.failure.code}</span>}
              </td>
              <td>{run.openGates || ''}</td>
              <td>
                <time dateTime={run.createdAt}>{formatTime(run.createdAt)}</time>
              </td>
              <td>
                <time dateTime={run.updatedAt}>{formatTime(run.updatedAt)}</time>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {next && (
        <button type="button" onClick={showMore} disabled={loadingMore} aria-busy={loadingMore}>
          {loadingMore ? 'Reading more runs...' : `Show ${RUNS_PAGE_SIZE} more`}
        </button>
      )}
    </main>
  );
}

export function formatTime(iso: string | undefined): string {
  return iso ? new Date(iso).toLocaleString() : '';
}
