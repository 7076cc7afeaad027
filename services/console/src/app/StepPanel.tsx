import { lineageOf } from '@ledgerflow/domain';
import type { PlanStep, RunState } from '@ledgerflow/domain';
import { grantScopeOf } from '../model/grant-scope.js';
import { attemptsOf } from '../model/run-events.js';
import type { RunEventRecord } from '../model/run-events.js';
import { NODE_STATUS_LABELS, nodeStatusOf } from '../model/node-status.js';
import { formatTime } from './RunsPage.js';
import { TraceLink } from './TraceLink.js';

/** JSON as stored (PII already tokenised by the privacy pack before anything was persisted). */
export function Json({ value, label }: { value: unknown; label: string }) {
  if (value === undefined) return <p className="muted">none recorded</p>;
  return (
    <pre className="json" tabIndex={0} aria-label={label}>
      {JSON.stringify(value, null, 2)}
    </pre>
  );
}

/**
 * One step of the run: what ran it, its attempts, the policy decision and the grant it scoped, its confidence and
 * lineage (`lineageOf`, the function `GET /v1/runs/{id}/state` answers each step's `lineage` with), the run's trace
 * id, and its input and output as stored.
 */
export function StepPanel({
  step,
  state,
  events,
  traceId,
}: {
  step: PlanStep;
  state: RunState;
  events: readonly RunEventRecord[];
  traceId?: string | undefined;
}) {
  const current = state.steps[step.id];
  const grant = grantScopeOf(state, events, step.id);
  const lineage = current?.status === 'succeeded' ? lineageOf(state, step.id) : undefined;
  const attempts = attemptsOf(events, step.id);
  const decision = current?.decision;
  const gate = current?.gateId ? state.gates[current.gateId] : undefined;
  return (
    <section className="panel" aria-labelledby="step-panel-title" data-testid="step-panel">
      <h2 id="step-panel-title">
        Step {step.name} <code className="muted">{step.id}</code>
      </h2>
      <dl className="facts">
        <dt>Status</dt>
        <dd>{NODE_STATUS_LABELS[nodeStatusOf(state, step)]}</dd>
        <dt>Agent</dt>
        <dd>{step.agent}</dd>
        <dt>Tool</dt>
        <dd>
          {step.tool}.{step.action}
        </dd>
        <dt>Depends on</dt>
        <dd>{step.dependsOn.join(', ') || 'nothing'}</dd>
        {current?.confidence !== undefined && (
          <>
            <dt>Confidence</dt>
            <dd data-testid="step-confidence">{current.confidence}</dd>
          </>
        )}
        {current?.cumulativeConfidence !== undefined && (
          <>
            <dt>Cumulative confidence</dt>
            <dd>{current.cumulativeConfidence}</dd>
          </>
        )}
        {traceId && (
          <>
            <dt>Trace</dt>
            <dd>
              <TraceLink traceId={traceId} />
            </dd>
          </>
        )}
        {current?.error && (
          <>
            <dt>Last error</dt>
            <dd>
              {current.error.code}: {current.error.message}
            </dd>
          </>
        )}
        {current?.blocked && (
          <>
            <dt>Blocked</dt>
            <dd>
              {current.blocked.code}: {current.blocked.reason}
            </dd>
          </>
        )}
        {gate && (
          <>
            <dt>Gate</dt>
            <dd>
              {gate.status}
              {gate.status === 'open'
                ? `, for ${gate.reviewers.join(', ')}`
                : gate.decidedBy
                  ? ` by ${gate.decidedBy}`
                  : ''}
              {gate.comment ? `: “${gate.comment}”` : ''}
            </dd>
          </>
        )}
      </dl>

      <h3>Attempts</h3>
      {attempts.length === 0 ? (
        <p className="muted">not started</p>
      ) : (
        <div className="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Started</th>
                <th scope="col">Outcome</th>
                <th scope="col">Duration</th>
              </tr>
            </thead>
            <tbody>
              {attempts.map((attempt) => (
                <tr key={attempt.attempt}>
                  <td>{attempt.attempt}</td>
                  <td>
                    <time dateTime={attempt.startedAt}>{formatTime(attempt.startedAt)}</time>
                  </td>
                  <td>
                    {attempt.outcome}
                    {attempt.error ? ` (${attempt.error.code})` : ''}
                  </td>
                  <td>{attempt.durationMs === undefined ? '' : `${attempt.durationMs} ms`}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <h3>Policy decision</h3>
      {decision ? (
        <>
          <p>
            <span className={`badge decision-${decision.outcome}`}>{decision.outcome}</span> {decision.rationale}{' '}
            <span className="muted">audit {decision.auditId}</span>
          </p>
          <div className="table-scroll">
            <table data-testid="policy-rules">
              <thead>
                <tr>
                  <th scope="col">Rule</th>
                  <th scope="col">Pack</th>
                  <th scope="col">Result</th>
                  <th scope="col">Message</th>
                </tr>
              </thead>
              <tbody>
                {decision.rules.map((rule) => (
                  <tr key={`${rule.pack}/${rule.rule}`}>
                    <td>{rule.rule}</td>
                    <td>
                      <code>{rule.pack}</code>
                    </td>
                    <td>{rule.result}</td>
                    <td>{rule.message}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : (
        <p className="muted">not evaluated yet</p>
      )}

      <h3>Grant scope</h3>
      {grant ? (
        <dl className="facts" data-testid="grant-scope">
          <dt>Tool action</dt>
          <dd>
            <code>{grant.audience}</code>, once, with the input below
          </dd>
          <dt>As agent</dt>
          <dd>{grant.agent}</dd>
          <dt>Attempt</dt>
          <dd>
            {grant.attempt} (key <code>{grant.idempotencyKey}</code>)
          </dd>
          <dt>Decision</dt>
          <dd>audit {grant.auditId}</dd>
        </dl>
      ) : (
        <p className="muted">no grant: the attempt has not started under a policy decision</p>
      )}

      <h3>Lineage</h3>
      {lineage ? (
        <dl className="facts" data-testid="lineage">
          <dt>Source</dt>
          <dd>
            {lineage.source ?? 'not reported'}
            {lineage.fresh === undefined ? '' : lineage.fresh ? ' (read fresh)' : ' (from a cache)'}
          </dd>
          <dt>Computed from</dt>
          <dd>{lineage.upstream.join(', ') || 'the run input only'}</dd>
          <dt>Reviewed</dt>
          <dd>{lineage.reviewed ? (lineage.corrected ? 'yes, output corrected by the reviewer' : 'yes') : 'no'}</dd>
          {lineage.carriedOver && (
            <>
              <dt>Carried over</dt>
              <dd>from the run this one was forked from</dd>
            </>
          )}
        </dl>
      ) : (
        <p className="muted">no output yet</p>
      )}

      <h3>Input (as stored)</h3>
      <Json value={current?.input} label={`Input of ${step.id}`} />
      <h3>Output (as stored)</h3>
      <Json value={current?.output} label={`Output of ${step.id}`} />
    </section>
  );
}
