import { Fragment, useId, useRef, useState } from 'react';
import type { RecommendationView } from '@ledgerflow/contracts';
import { formatUtc } from '../model/memory-insights.js';
import {
  appliedSentence,
  decisionRequestOf,
  effectRowsOf,
  impactRowsOf,
  MAX_DECISION_COMMENT,
  proposalSentence,
  RECOMMENDATION_KIND_LABELS,
} from '../model/memory-recommendations.js';
import { api, describeError } from './api.js';
import { useSession } from './identity.js';
import { MemoryEvidence } from './MemoryEvidence.js';

/**
 * One recommendation: kind, status, summary, what it proposes, its evidence and projected effect; once decided, by
 * whom, when and why; once applied, the rule or workflow version in force; once measured, the impact before and after.
 * A proposed one offers Accept and Reject (with an optional comment) when `canDecide`.
 */
export function MemoryRecommendation({
  recommendation,
  canDecide,
  onDecided,
}: {
  recommendation: RecommendationView;
  canDecide: boolean;
  onDecided: (ok: boolean, message: string) => void;
}) {
  const titleId = useId();
  const effects = effectRowsOf(recommendation.projectedEffect);
  return (
    <article
      className="recommendation"
      aria-labelledby={titleId}
      data-recommendation-id={recommendation.recommendationId}
      data-status={recommendation.status}
    >
      <h3 id={titleId}>
        {RECOMMENDATION_KIND_LABELS[recommendation.kind]}{' '}
        <span className={`badge status-${recommendation.status}`} data-testid="recommendation-status">
          {recommendation.status}
        </span>
      </h3>
      <p>{recommendation.summary}</p>
      <p>
        <strong>Proposal:</strong> {proposalSentence(recommendation)}
      </p>
      <h4>Evidence</h4>
      <MemoryEvidence evidence={recommendation.evidence} />
      {effects.length > 0 && (
        <>
          <h4>Projected effect</h4>
          <dl className="facts">
            {effects.map((effect) => (
              <Fragment key={effect.label}>
                <dt>{effect.label}</dt>
                <dd>{effect.value}</dd>
              </Fragment>
            ))}
          </dl>
        </>
      )}
      {recommendation.decidedBy && (
        <p data-testid="recommendation-decision">
          {recommendation.status === 'rejected' ? 'Rejected' : 'Accepted'} by {recommendation.decidedBy}
          {recommendation.decidedAt && ` on ${formatUtc(recommendation.decidedAt)}`}
          {recommendation.comment && `: “${recommendation.comment}”`}
        </p>
      )}
      {recommendation.applied && (
        <p className="ok" data-testid="recommendation-applied">
          {appliedSentence(recommendation.applied)}
        </p>
      )}
      {recommendation.impact && <Impact impact={recommendation.impact} />}
      {recommendation.status === 'proposed' && canDecide && (
        <DecisionForm recommendation={recommendation} onDecided={onDecided} />
      )}
    </article>
  );
}

function Impact({ impact }: { impact: NonNullable<RecommendationView['impact']> }) {
  return (
    <div className="table-scroll">
      <table data-testid="recommendation-impact">
        <caption>Measured impact (runs just before and just after the change), {formatUtc(impact.measuredAt)}</caption>
        <thead>
          <tr>
            <th scope="col">Figure</th>
            <th scope="col" className="num">
              Before
            </th>
            <th scope="col" className="num">
              After
            </th>
          </tr>
        </thead>
        <tbody>
          {impactRowsOf(impact).map((row) => (
            <tr key={row.label}>
              <th scope="row">{row.label}</th>
              <td className="num">{row.before}</td>
              <td className="num">{row.after}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Accept or reject with an optional comment; one request at a time (a double click sends one). */
function DecisionForm({
  recommendation,
  onDecided,
}: {
  recommendation: RecommendationView;
  onDecided: (ok: boolean, message: string) => void;
}) {
  const { token } = useSession();
  const commentId = useId();
  const [comment, setComment] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const sending = useRef(false);

  async function decide(decision: 'accept' | 'reject'): Promise<void> {
    setError(undefined);
    const request = decisionRequestOf(recommendation.recommendationId, decision, comment);
    if ('error' in request) return setError(request.error);
    if (sending.current) return;
    sending.current = true;
    setBusy(true);
    try {
      const decided = await api<RecommendationView>(token, request.path, { method: 'POST', body: request.body });
      onDecided(true, `${recommendation.summary}: ${decided.status}.`);
    } catch (failure) {
      onDecided(false, `The gateway refused the decision: ${describeError(failure)}`);
    } finally {
      sending.current = false;
      setBusy(false);
    }
  }

  return (
    <form className="recommendation-decision" onSubmit={(event) => event.preventDefault()}>
      <label htmlFor={commentId}>Comment (optional)</label>
      <textarea
        id={commentId}
        rows={2}
        maxLength={MAX_DECISION_COMMENT}
        value={comment}
        onChange={(event) => setComment(event.target.value)}
      />
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <div className="actions">
        <button type="button" disabled={busy} onClick={() => void decide('accept')}>
          Accept
        </button>
        <button type="button" className="danger" disabled={busy} onClick={() => void decide('reject')}>
          Reject
        </button>
      </div>
    </form>
  );
}
