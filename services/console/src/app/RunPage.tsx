import { lazy, Suspense, useCallback, useEffect, useMemo, useState } from 'react';
import { traceIdOf } from '@ledgerflow/contracts';
import { dagOf } from '../model/dag.js';
import { NODE_STATUS_LABELS } from '../model/node-status.js';
import { appended, EMPTY_HISTORY, lastRevisionOf, runEventsAfter } from '../model/run-events.js';
import type { RunEventRecord, RunHistory } from '../model/run-events.js';
import { api, describeError } from './api.js';
import { apiPage } from './api-page.js';
import { EventLog } from './EventLog.js';
import type { Integrity } from './EventLog.js';
import { useSession } from './identity.js';
import { LiveBadge } from './LiveBadge.js';
import { Link } from './router.js';
import { formatTime } from './RunsPage.js';
import { followStream } from './sse.js';
import type { StreamState } from './sse.js';
import { ReplayTimeline } from './ReplayTimeline.js';
import { StepPanel } from './StepPanel.js';
import { TraceLink } from './TraceLink.js';
import { OperatorActions } from './OperatorActions.js';

// The graph (React Flow and ELK, most of the console's code) loads with the first run view, not with sign-in.
const DagView = lazy(() => import('./DagView.js').then((module) => ({ default: module.DagView })));

interface RunIntegrity {
  readonly integrity: Integrity;
  /** The run's last revision when the gateway verified the chain. */
  readonly revision: number;
}

/**
 * One run: its events (`GET /v1/runs/{id}/events`) folded in the browser by the domain's `foldRun`, followed live on
 * `GET /v1/runs/{id}/stream` (from the last event read, so nothing is missed): each update makes the page read the
 * events after the last revision it holds. The audit chain is verified by the gateway (`integrity` of
 * `GET /v1/runs/{id}`) at load, when the run ends, and on demand.
 */
export function RunPage({ runId }: { runId: string }) {
  const { token } = useSession();
  const [history, setHistory] = useState<RunHistory>(EMPTY_HISTORY);
  const [error, setError] = useState<string>();
  const [stream, setStream] = useState<StreamState>({ kind: 'connecting' });
  const [integrity, setIntegrity] = useState<RunIntegrity>();
  const [selected, setSelected] = useState<string>();
  const runPath = `/v1/runs/${encodeURIComponent(runId)}`;

  const verify = useCallback(
    (signal?: AbortSignal) =>
      api<RunIntegrity>(token, runPath, signal ? { signal } : {}).then(
        (view) => setIntegrity({ integrity: view.integrity, revision: view.revision }),
        (failure) => !signal?.aborted && setError(describeError(failure)),
      ),
    [token, runPath],
  );

  useEffect(() => {
    const abort = new AbortController();
    let held = EMPTY_HISTORY;
    let reading: Promise<void> | undefined;
    let again = false;
    // Reads the events after the last revision held; updates arriving meanwhile cause one more read, not one each.
    const catchUp = (): Promise<void> => {
      if (reading) {
        again = true;
        return reading;
      }
      reading = (async () => {
        do {
          again = false;
          const events = await runEventsAfter(
            (path) => apiPage<RunEventRecord>(token, path, abort.signal),
            runId,
            lastRevisionOf(held),
          );
          held = appended(held, events);
          setHistory(held);
        } while (again && !abort.signal.aborted);
      })().finally(() => (reading = undefined));
      return reading;
    };
    (async () => {
      await catchUp();
      void verify(abort.signal);
      const lastEvent = held.events[held.events.length - 1];
      await followStream({
        path: `${runPath}/stream`,
        token,
        endsWithRun: true,
        ...(lastEvent ? { lastEventId: lastEvent.position } : {}),
        onUpdate: (update) =>
          void (
            update.revision > lastRevisionOf(held) &&
            catchUp().catch((failure) => !abort.signal.aborted && setError(describeError(failure)))
          ),
        onState: setStream,
        signal: abort.signal,
      });
      // The run ended (or the stream was refused): read what is left, then verify the whole chain once more.
      if (!abort.signal.aborted) {
        await catchUp();
        await verify(abort.signal);
      }
    })().catch((failure) => !abort.signal.aborted && setError(describeError(failure)));
    return () => abort.abort();
  }, [token, runId, runPath, verify]);

  const { state, events } = history;
  const dag = useMemo(() => dagOf(state), [state]);
  const step = state.plan?.steps.find((candidate) => candidate.id === selected);
  const traceId = traceIdOf(events[0]?.metadata.traceparent) ?? undefined;

  return (
    <main id="main" className="run">
      <p>
        <Link to={{ page: 'runs' }}>← Runs</Link>
      </p>
      <div className="title-row">
        <h1>
          Run <code>{runId}</code>
        </h1>
        <LiveBadge state={stream} />
      </div>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {events.length > 0 && (
        <dl className="facts run-facts">
          <dt>Workflow</dt>
          <dd>
            {state.workflowId} v{state.workflowVersion}
          </dd>
          <dt>Status</dt>
          <dd>
            <span className={`status status-${state.status}`} data-testid="run-status">
              {state.status}
            </span>
            {state.failure ? ` (${state.failure.code}: ${state.failure.reason})` : ''}
          </dd>
          <dt>Started</dt>
          <dd>
            <time dateTime={events[0].metadata.occurredAt}>{formatTime(events[0].metadata.occurredAt)}</time>
          </dd>
          <dt>Revision</dt>
          <dd>{lastRevisionOf(history)}</dd>
          {traceId && (
            <>
              <dt>Trace id</dt>
              <dd>
                <TraceLink traceId={traceId} />
              </dd>
            </>
          )}
        </dl>
      )}
      {events.length > 0 && <OperatorActions runId={runId} state={state} />}
      <section aria-labelledby="plan-title">
        <h2 id="plan-title">Plan</h2>
        {dag.nodes.length === 0 ? (
          <p className="muted">No plan yet.</p>
        ) : (
          <Suspense fallback={<p className="muted">Loading the graph…</p>}>
            <DagView dag={dag} selected={selected} onSelect={setSelected} />
          </Suspense>
        )}
        <ol className="step-list" aria-label="Steps in plan order">
          {dag.nodes.map((node) => (
            <li key={node.id}>
              <button
                type="button"
                aria-pressed={node.id === selected}
                onClick={() => setSelected(node.id)}
                data-step={node.id}
              >
                {node.name}
              </button>{' '}
              <span className={`badge node-badge-${node.status}`} data-testid={`step-status-${node.id}`}>
                {NODE_STATUS_LABELS[node.status]}
              </span>{' '}
              <span className="muted small">
                {node.agent} · {node.tool}
              </span>
            </li>
          ))}
        </ol>
      </section>
      {step && <StepPanel step={step} state={state} events={events} traceId={traceId} />}
      {events.length > 0 && <ReplayTimeline runId={runId} revision={lastRevisionOf(history)} />}
      <EventLog
        events={events}
        integrity={integrity?.integrity}
        verifiedAt={integrity?.revision}
        onVerify={() => void verify()}
      />
    </main>
  );
}
