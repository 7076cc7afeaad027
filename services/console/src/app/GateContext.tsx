import type { ConfidenceException, GateState, RuleResult } from '@ledgerflow/domain';
import { Json } from './StepPanel.js';

/** `context` of `GET /v1/gates/{gateId}` (`GateContextView` in services/gateway/src/gate-context.ts). */
export interface GateContextView {
  readonly gate: GateState;
  readonly run: {
    readonly runId: string;
    readonly workflowId?: string;
    readonly workflowVersion?: string;
    readonly status: string;
  };
  readonly upstream: ReadonlyArray<{
    readonly stepId: string;
    readonly name: string;
    readonly tool: string;
    readonly action: string;
    readonly status: string;
    readonly output?: unknown;
    readonly confidence?: number;
    readonly cumulativeConfidence?: number;
  }>;
  readonly pending: {
    readonly stepId: string;
    readonly name?: string;
    readonly tool?: string;
    readonly action?: string;
    readonly agent?: string;
    readonly status?: string;
    readonly attempt: number;
    readonly input?: unknown;
    readonly output?: unknown;
  };
  readonly rules: readonly RuleResult[];
  readonly policy?: { readonly outcome: string; readonly rationale: string; readonly auditId: string };
  readonly exception?: ConfidenceException;
}

/**
 * What a reviewer decides on: the pending action, the policy rules that required the gate, the confidence package of
 * a confidence gate, and the upstream steps' outputs, all as stored (masked or tokenized before storage).
 */
export function GateContext({ context }: { context: GateContextView }) {
  const { pending, rules, policy, exception, upstream } = context;
  return (
    <details className="gate-context" data-testid="gate-context" open>
      <summary>Context</summary>
      <h4>Pending action</h4>
      <p data-testid="gate-pending">
        <code>
          {pending.tool}.{pending.action}
        </code>{' '}
        by {pending.agent ?? 'unknown agent'}, attempt {pending.attempt}
        {pending.status ? ` (${pending.status})` : ''}
      </p>
      {pending.input !== undefined && <Json value={pending.input} label={`Input of ${pending.stepId}`} />}

      {rules.length > 0 && (
        <>
          <h4>Rules that required the gate</h4>
          <div className="table-scroll">
            <table data-testid="gate-rules">
              <thead>
                <tr>
                  <th scope="col">Rule</th>
                  <th scope="col">Pack</th>
                  <th scope="col">Message</th>
                </tr>
              </thead>
              <tbody>
                {rules.map((rule) => (
                  <tr key={`${rule.pack}/${rule.rule}`}>
                    <td>{rule.rule}</td>
                    <td>
                      <code>{rule.pack}</code>
                    </td>
                    <td>{rule.message}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {policy && (
            <p className="muted small">
              {policy.outcome}: {policy.rationale} (audit {policy.auditId})
            </p>
          )}
        </>
      )}

      {exception && (
        <>
          <h4>Confidence package</h4>
          <dl className="facts" data-testid="gate-confidence">
            <dt>Confidence</dt>
            <dd>{exception.confidence ?? 'not reported'}</dd>
            <dt>Cumulative</dt>
            <dd>{exception.cumulativeConfidence}</dd>
            <dt>Threshold</dt>
            <dd>
              {exception.minConfidence} (
              {exception.basis === 'step' ? "the step's own" : "the workflow's, over the path"})
            </dd>
            <dt>Reasoning</dt>
            <dd>{exception.reasoning ?? 'none given'}</dd>
          </dl>
          <h5>Output held for review</h5>
          <Json value={exception.output} label="Output held for review" />
          {exception.alternatives && exception.alternatives.length > 0 && (
            <>
              <h5>Alternatives</h5>
              <Json value={exception.alternatives} label="Alternatives" />
            </>
          )}
        </>
      )}

      <h4>Upstream steps</h4>
      {upstream.length === 0 ? (
        <p className="muted">none: the step depends on nothing</p>
      ) : (
        upstream.map((step) => (
          <details key={step.stepId} data-testid={`upstream-${step.stepId}`}>
            <summary>
              {step.name} <code className="muted">{step.stepId}</code> · {step.status}
              {step.confidence === undefined ? '' : ` · confidence ${step.confidence}`}
              {step.cumulativeConfidence === undefined ? '' : ` (cumulative ${step.cumulativeConfidence})`}
            </summary>
            <Json value={step.output} label={`Output of ${step.stepId}`} />
          </details>
        ))
      )}
    </details>
  );
}
