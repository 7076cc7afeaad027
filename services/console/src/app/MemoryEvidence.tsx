import type { RecommendationEvidence } from '@ledgerflow/contracts';
import { windowOf } from '../model/memory-insights.js';
import { Link } from './router.js';

/**
 * The evidence behind a finding or a recommendation (`RecommendationEvidence`, libs/contracts/src/memory.ts): the
 * runs it covers, occurrences (and how many had the wanted outcome), the window of the first and last occurrence,
 * kind-specific figures, and the example runs, each linked to its run page.
 */
export function MemoryEvidence({ evidence }: { evidence: RecommendationEvidence }) {
  const figures = Object.entries(evidence.figures ?? {});
  return (
    <dl className="facts evidence">
      <dt>Runs covered</dt>
      <dd>{evidence.runs}</dd>
      <dt>Occurrences</dt>
      <dd>
        {evidence.occurrences}
        {evidence.succeeded !== undefined && ` (${evidence.succeeded} then succeeded)`}
      </dd>
      <dt>Window</dt>
      <dd>{windowOf(evidence)}</dd>
      {figures.length > 0 && (
        <>
          <dt>Figures</dt>
          <dd>{figures.map(([name, value]) => `${name} ${Math.round(value * 1000) / 1000}`).join(', ')}</dd>
        </>
      )}
      {evidence.exampleRunIds.length > 0 && (
        <>
          <dt>Example runs</dt>
          <dd>
            <ul className="example-runs">
              {evidence.exampleRunIds.map((runId) => (
                <li key={runId}>
                  <Link to={{ page: 'run', runId }} title={`Run ${runId}`}>
                    <code>{runId.slice(0, 8)}</code>
                  </Link>
                </li>
              ))}
            </ul>
          </dd>
        </>
      )}
    </dl>
  );
}
