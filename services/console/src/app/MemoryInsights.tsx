import { useEffect, useState } from 'react';
import type { WorkflowInsights } from '@ledgerflow/contracts';
import { calibrationRowsOf, formatUsd, INSIGHT_KIND_LABELS, usageRowsOf } from '../model/memory-insights.js';
import { api, describeError } from './api.js';
import { useSession } from './identity.js';
import { MemoryEvidence } from './MemoryEvidence.js';

const share = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 1 });
const count = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const ratio = new Intl.NumberFormat(undefined, { maximumFractionDigits: 3 });

/**
 * What memory learned of a workflow's current scope (`GET /v1/workflows/{id}/insights`, docs/memory.md "Insights"):
 * the findings with their evidence, the calibration of each step with reviewed results (per confidence bucket: the
 * share accepted unchanged; the expected calibration error) and the token and cost usage per step and in total.
 */
export function MemoryInsights({ workflowId }: { workflowId: string }) {
  const { token } = useSession();
  const [insights, setInsights] = useState<WorkflowInsights>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    const abort = new AbortController();
    api<WorkflowInsights>(token, `/v1/workflows/${encodeURIComponent(workflowId)}/insights`, {
      signal: abort.signal,
    }).then(setInsights, (failure) => !abort.signal.aborted && setError(describeError(failure)));
    return () => abort.abort();
  }, [token, workflowId]);

  return (
    <section aria-labelledby="insights-title" data-testid="memory-insights">
      <h2 id="insights-title">Insights</h2>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {insights && (
        <>
          <p className="muted">
            Over {insights.runs} production run{insights.runs === 1 ? '' : 's'}
            {insights.scope.length > 0 && ` of scope ${insights.scope.join(', ')}`}.
          </p>
          <h3>Findings</h3>
          {insights.insights.length === 0 ? (
            <p className="muted">No finding yet: nothing in the history passes memory's thresholds.</p>
          ) : (
            <ul className="findings" data-testid="memory-findings">
              {insights.insights.map((insight, index) => (
                <li key={`${insight.kind}-${insight.stepId ?? ''}-${index}`} data-kind={insight.kind}>
                  <p>
                    <span className={`badge finding-${insight.kind}`}>{INSIGHT_KIND_LABELS[insight.kind]}</span>{' '}
                    {insight.summary}
                  </p>
                  <MemoryEvidence evidence={insight.evidence} />
                </li>
              ))}
            </ul>
          )}
          <Calibration insights={insights} />
          <Usage insights={insights} />
        </>
      )}
    </section>
  );
}

function Calibration({ insights }: { insights: WorkflowInsights }) {
  const steps = calibrationRowsOf(insights.calibration);
  return (
    <>
      <h3>Calibration</h3>
      {steps.length === 0 ? (
        <p className="muted">No reviewed confidence results yet.</p>
      ) : (
        <div className="table-scroll">
          <table data-testid="memory-calibration">
            <caption>Per confidence bucket: results reviewed and the share accepted unchanged</caption>
            <thead>
              <tr>
                <th scope="col">Step</th>
                <th scope="col">Bucket</th>
                <th scope="col" className="num">
                  Reviewed
                </th>
                <th scope="col" className="num">
                  Mean confidence
                </th>
                <th scope="col" className="num">
                  Accepted unchanged
                </th>
                <th scope="col" className="num">
                  Corrected
                </th>
                <th scope="col" className="num">
                  Rejected
                </th>
                <th scope="col" className="num">
                  ECE
                </th>
              </tr>
            </thead>
            <tbody>
              {steps.flatMap((step) =>
                step.rows.map((row, index) => (
                  <tr key={`${step.stepId}-${row.bucket}`} data-step-id={step.stepId}>
                    <th scope="row">{index === 0 && <code>{step.stepId}</code>}</th>
                    <td>{row.bucket}</td>
                    <td className="num">{row.count}</td>
                    <td className="num">{ratio.format(row.meanConfidence)}</td>
                    <td className="num">{share.format(row.acceptedShare)}</td>
                    <td className="num">{row.corrected}</td>
                    <td className="num">{row.rejected}</td>
                    <td className="num">
                      {index === 0 && `${ratio.format(step.expectedCalibrationError)} (of ${step.reviewed})`}
                    </td>
                  </tr>
                )),
              )}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

function Usage({ insights }: { insights: WorkflowInsights }) {
  const { rows, total } = usageRowsOf(insights.usage);
  if (total.steps === 0)
    return (
      <>
        <h3>Usage</h3>
        <p className="muted">No step reported token or cost usage.</p>
      </>
    );
  return (
    <>
      <h3>Usage</h3>
      <div className="table-scroll">
        <table data-testid="memory-usage">
          <caption>Tokens and cost reported by the steps' results (US dollars)</caption>
          <thead>
            <tr>
              <th scope="col">Step</th>
              <th scope="col" className="num">
                Results
              </th>
              <th scope="col" className="num">
                Input tokens
              </th>
              <th scope="col" className="num">
                Output tokens
              </th>
              <th scope="col" className="num">
                Cost
              </th>
            </tr>
          </thead>
          <tbody>
            {[...rows, total].map((row) => (
              <tr key={row.stepId} data-step-id={row.stepId} className={row === total ? 'total' : undefined}>
                <th scope="row">{row === total ? 'Total' : <code>{row.stepId}</code>}</th>
                <td className="num">{count.format(row.steps)}</td>
                <td className="num">{count.format(row.inputTokens)}</td>
                <td className="num">{count.format(row.outputTokens)}</td>
                <td className="num">{formatUsd(row.costUsd)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
