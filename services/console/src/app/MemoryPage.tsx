import { useEffect, useState } from 'react';
import type { StepStats } from '@ledgerflow/contracts';
import { everyPage } from '../model/list-pages.js';
import { describeError } from './api.js';
import { apiPage } from './api-page.js';
import { useSession } from './identity.js';
import { hrefOf, useRoute } from './router.js';
import { MemoryInsights } from './MemoryInsights.js';
import { MemoryRecommendations } from './MemoryRecommendations.js';
import { useWorkflows } from './WorkflowsPage.js';

const percent = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 1 });
const ms = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });

/**
 * What the memory service learned of a workflow (docs/memory.md): per step, the runs that reached it, attempts that
 * succeeded and failed, the success rate (succeeded / attempts) and the p50/p95 duration of its attempts in ms
 * (`GET /v1/workflows/{id}/stats`, computed by services/memory/src/step-stats.projection.ts); then its insights
 * ({@link MemoryInsights}) and recommendations to accept or reject ({@link MemoryRecommendations}). The picked
 * workflow is in the URL (`/console/memory/<workflowId>`).
 */
export function MemoryPage({ workflowId }: { workflowId?: string }) {
  const { token } = useSession();
  const { navigate } = useRoute();
  const { workflows = [], error: listError } = useWorkflows();
  // Keyed by workflow, so rows of the previously picked one are never shown under another's name.
  const [loaded, setLoaded] = useState<{ readonly workflowId: string; readonly rows: StepStats[] }>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    if (!workflowId) return;
    const abort = new AbortController();
    const first = `/v1/workflows/${encodeURIComponent(workflowId)}/stats?limit=1000`;
    everyPage((path) => apiPage<StepStats>(token, path, abort.signal), first).then(
      (pages) => setLoaded({ workflowId, rows: pages.flat() }),
      (failure) => !abort.signal.aborted && setError(describeError(failure)),
    );
    return () => abort.abort();
  }, [token, workflowId]);
  const stats = loaded && loaded.workflowId === workflowId ? loaded.rows : undefined;

  return (
    <main id="main">
      <h1>Memory</h1>
      <p className="muted">
        What the memory service learned from the runs of a workflow: per-step statistics, findings, calibration, usage,
        and recommendations for a person to accept or reject.
      </p>
      <div className="filters">
        <label htmlFor="memory-workflow">Workflow</label>
        <select
          id="memory-workflow"
          value={workflowId ?? ''}
          onChange={(event) =>
            navigate(
              hrefOf(event.target.value ? { page: 'memory', workflowId: event.target.value } : { page: 'memory' }),
            )
          }
        >
          <option value="">Choose a workflow</option>
          {workflows.map((workflow) => (
            <option key={workflow.workflowId} value={workflow.workflowId}>
              {workflow.workflowId} ({workflow.title})
            </option>
          ))}
        </select>
      </div>
      {(error ?? listError) && (
        <p role="alert" className="error">
          {error ?? listError}
        </p>
      )}
      {workflowId && stats && stats.length === 0 && (
        <p className="muted">No statistics yet: no run of {workflowId} has reached a step.</p>
      )}
      {workflowId && stats && stats.length > 0 && (
        <section aria-labelledby="stats-title">
          <h2 id="stats-title">Step statistics</h2>
          <div className="table-scroll">
            <table data-testid="step-stats">
              <caption>Steps of {workflowId}</caption>
              <thead>
                <tr>
                  <th scope="col">Step</th>
                  <th scope="col" className="num">
                    Runs
                  </th>
                  <th scope="col" className="num">
                    Attempts succeeded
                  </th>
                  <th scope="col" className="num">
                    Attempts failed
                  </th>
                  <th scope="col" className="num">
                    Success rate
                  </th>
                  <th scope="col" className="num">
                    p50 (ms)
                  </th>
                  <th scope="col" className="num">
                    p95 (ms)
                  </th>
                </tr>
              </thead>
              <tbody>
                {stats.map((row) => (
                  <tr key={row.stepId} data-step-id={row.stepId}>
                    <th scope="row">
                      <code>{row.stepId}</code>
                    </th>
                    <td className="num">{row.runs}</td>
                    <td className="num">{row.succeeded}</td>
                    <td className="num">{row.failed}</td>
                    <td className="num">{percent.format(row.successRate)}</td>
                    <td className="num">{ms.format(row.p50DurationMs)}</td>
                    <td className="num">{ms.format(row.p95DurationMs)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}
      {workflowId && (
        <>
          <MemoryInsights key={`insights-${workflowId}`} workflowId={workflowId} />
          <MemoryRecommendations key={`recommendations-${workflowId}`} workflowId={workflowId} />
        </>
      )}
    </main>
  );
}
