import { useCallback, useEffect, useState } from 'react';
import type { RecommendationView } from '@ledgerflow/contracts';
import { canDecideRecommendations, orderedForReview } from '../model/memory-recommendations.js';
import { apiPage } from './api-page.js';
import { describeError } from './api.js';
import { useSession } from './identity.js';
import { MemoryRecommendation } from './MemoryRecommendation.js';

/** What the last decision made on this page came to: the API's answer, or its refusal. */
interface DecisionOutcome {
  readonly ok: boolean;
  readonly message: string;
}

/** Every page of `path`, following `Link: <...>; rel="next"` (docs/api.md) until the last. */
async function allPages<T>(token: string, path: string, signal: AbortSignal): Promise<T[]> {
  const items: T[] = [];
  for (let next: string | undefined = path; next;) {
    const page: Awaited<ReturnType<typeof apiPage<T>>> = await apiPage<T>(token, next, signal);
    items.push(...page.items);
    next = page.next;
  }
  return items;
}

/**
 * A workflow's recommendations (`GET /v1/workflows/{id}/recommendations`, every page), the proposed ones first, each
 * with its evidence, projected effect, decision, what was applied and the measured impact. With `workflows:write`
 * (or `admin`) a proposed one can be accepted or rejected here; the API's answer or refusal is said above the list,
 * and the list is read again after either.
 */
export function MemoryRecommendations({ workflowId }: { workflowId: string }) {
  const session = useSession();
  const { token } = session;
  const [recommendations, setRecommendations] = useState<RecommendationView[]>();
  const [error, setError] = useState<string>();
  const [outcome, setOutcome] = useState<DecisionOutcome>();
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    const abort = new AbortController();
    allPages<RecommendationView>(
      token,
      `/v1/workflows/${encodeURIComponent(workflowId)}/recommendations?limit=100`,
      abort.signal,
    ).then(
      (listed) => {
        setRecommendations(orderedForReview(listed));
        setError(undefined);
      },
      (failure) => !abort.signal.aborted && setError(describeError(failure)),
    );
    return () => abort.abort();
  }, [token, workflowId, generation]);
  const onDecided = useCallback((ok: boolean, message: string) => {
    setOutcome({ ok, message });
    setGeneration((n) => n + 1);
  }, []);
  const canDecide = canDecideRecommendations(session.identity);

  return (
    <section aria-labelledby="recommendations-title" data-testid="memory-recommendations">
      <h2 id="recommendations-title">Recommendations</h2>
      {!canDecide && (
        <p className="muted" data-testid="recommendations-read-only">
          Accepting or rejecting a recommendation needs the scope workflows:write; your token does not carry it.
        </p>
      )}
      {outcome && (
        <p
          role={outcome.ok ? 'status' : 'alert'}
          className={outcome.ok ? 'ok' : 'error'}
          data-testid="recommendation-outcome"
        >
          {outcome.message}
        </p>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {recommendations && recommendations.length === 0 && (
        <p className="muted">No recommendation yet: memory proposes one when the history supports it.</p>
      )}
      {recommendations?.map((recommendation) => (
        <MemoryRecommendation
          key={recommendation.recommendationId}
          recommendation={recommendation}
          canDecide={canDecide}
          onDecided={onDecided}
        />
      ))}
    </section>
  );
}
