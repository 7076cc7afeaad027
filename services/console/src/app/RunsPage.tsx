import { useEffect, useId, useMemo, useState } from 'react';
import type { RunUpdate } from '@ledgerflow/contracts';
import { applyRunUpdate, RUN_STATUSES, summaryOfRunView, visibleRuns } from '../model/runs-list.js';
import type { RunFilter, RunSummary } from '../model/runs-list.js';
import { api, describeError } from './api.js';
import { useSession } from './identity.js';
import { Link } from './router.js';
import { followStream } from './sse.js';
import type { StreamState } from './sse.js';
import { LiveBadge } from './LiveBadge.js';

type RunViewLine = Parameters<typeof summaryOfRunView>[0];

/** How many lines the list shows before "Show more" (the API has no pages yet: it answers every run). */
const PAGE = 100;

/**
 * Runs, newest first, filtered by workflow and status; kept current by `GET /v1/stream` (every run's updates), so
 * a new run appears and a status changes without a reload. The stream is opened before the list is read, and
 * updates that arrive first are applied after it, so none is lost between the two.
 */
export function RunsPage() {
  const { token } = useSession();
  const [filter, setFilter] = useState<RunFilter>({ workflowId: '', status: '' });
  const [runs, setRuns] = useState<ReadonlyMap<string, RunSummary>>(new Map());
  const [workflows, setWorkflows] = useState<string[]>([]);
  const [error, setError] = useState<string>();
  const [stream, setStream] = useState<StreamState>({ kind: 'connecting' });
  const [shown, setShown] = useState(PAGE);
  const workflowField = useId();
  const statusField = useId();

  useEffect(() => {
    api<Array<{ workflowId: string }>>(token, '/v1/workflows').then(
      (list) => setWorkflows(list.map((w) => w.workflowId).sort()),
      () => setWorkflows([]),
    );
  }, [token]);

  useEffect(() => {
    const abort = new AbortController();
    // The map this effect owns; each change is handed to React as a new map.
    let known: ReadonlyMap<string, RunSummary> | undefined;
    const early: RunUpdate[] = [];
    const publish = (next: ReadonlyMap<string, RunSummary>): void => {
      known = next;
      setRuns(next);
    };
    const fetchRun = (runId: string): void => {
      api<RunViewLine>(token, `/v1/runs/${encodeURIComponent(runId)}`, { signal: abort.signal }).then(
        (view) => {
          const summary = summaryOfRunView(view);
          if (known && !(filter.workflowId && summary.workflowId !== filter.workflowId)) publish(new Map(known).set(runId, summary));
        },
        () => undefined, // a run that cannot be read is left out; its next update tries again
      );
    };
    const onUpdate = (update: RunUpdate): void => {
      if (!known) return void early.push(update);
      const { patched, refetch } = applyRunUpdate(known, update);
      if (patched !== known) publish(patched);
      if (refetch) fetchRun(update.runId);
    };
    const query = new URLSearchParams();
    if (filter.workflowId) query.set('workflowId', filter.workflowId);
    void followStream({ path: `/v1/stream${query.size ? `?${query}` : ''}`, token, onUpdate, onState: setStream, signal: abort.signal });
    api<RunSummary[]>(token, `/v1/runs${query.size ? `?${query}` : ''}`, { signal: abort.signal }).then(
      (list) => {
        publish(new Map(list.map((run) => [run.runId, run])));
        setError(undefined);
        early.splice(0).forEach(onUpdate);
      },
      (failure) => !abort.signal.aborted && setError(describeError(failure)),
    );
    return () => abort.abort();
  }, [token, filter.workflowId]);

  const visible = useMemo(() => visibleRuns(runs, filter), [runs, filter]);
  return (
    <main id="main">
      <div className="title-row">
        <h1>Runs</h1>
        <LiveBadge state={stream} />
      </div>
      <form className="filters" role="search" aria-label="Filter runs" onSubmit={(event) => event.preventDefault()}>
        <label htmlFor={workflowField}>Workflow</label>
        <select id={workflowField} value={filter.workflowId} onChange={(event) => setFilter({ ...filter, workflowId: event.target.value })}>
          <option value="">any</option>
          {workflows.map((id) => (
            <option key={id}>{id}</option>
          ))}
        </select>
        <label htmlFor={statusField}>Status</label>
        <select id={statusField} value={filter.status} onChange={(event) => setFilter({ ...filter, status: event.target.value })}>
          <option value="">any</option>
          {RUN_STATUSES.map((status) => (
            <option key={status}>{status}</option>
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
          {visible.length > shown ? `, the newest ${shown} shown` : ''}
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
          {visible.slice(0, shown).map((run) => (
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
      {visible.length > shown && (
        <button type="button" onClick={() => setShown(shown + PAGE)}>
          Show {Math.min(PAGE, visible.length - shown)} more
        </button>
      )}
    </main>
  );
}

export function formatTime(iso: string | undefined): string {
  return iso ? new Date(iso).toLocaleString() : '';
}
