import { useEffect, useId, useState } from 'react';
import { reviewerStanding } from '../model/gate-review.js';
import { api, describeError } from './api.js';
import { GateContext } from './GateContext.js';
import type { GateContextView } from './GateContext.js';
import { GateDecisionForm } from './GateDecisionForm.js';
import { useSession } from './identity.js';
import { Link } from './router.js';
import { formatTime } from './RunsPage.js';
import { SlaCountdown } from './SlaCountdown.js';

/** One line of `GET /v1/gates` (services/gateway/src/runs.projection.ts, `GateSummary`). */
export interface GateSummary {
  readonly gateId: string;
  readonly runId: string;
  readonly stepId: string;
  readonly status: string;
  readonly source: string;
  readonly level: number;
  readonly reviewers: readonly string[];
  readonly reason: string;
  readonly openedAt: string;
  readonly dueAt?: string;
}

/**
 * An open gate: why it holds the step, whom it names (and whether that is the signed-in person, and why not), its
 * deadline counting down with the escalation level, its context package (`GET /v1/gates/{gateId}`, read again when
 * the gate escalates), and the decision form.
 */
export function GateCard({ gate, onDecided }: { gate: GateSummary; onDecided: (message: string) => void }) {
  const { token, identity } = useSession();
  const [context, setContext] = useState<GateContextView>();
  const [contextError, setContextError] = useState<string>();
  const titleId = useId();
  const standing = reviewerStanding(gate.reviewers, identity);

  useEffect(() => {
    const abort = new AbortController();
    api<{ context: GateContextView }>(token, `/v1/gates/${encodeURIComponent(gate.gateId)}`, {
      signal: abort.signal,
    }).then(
      (body) => setContext(body.context),
      (failure) => !abort.signal.aborted && setContextError(describeError(failure)),
    );
    return () => abort.abort();
  }, [token, gate.gateId, gate.level]);

  return (
    <article className="gate" aria-labelledby={titleId} data-gate-id={gate.gateId}>
      <h3 id={titleId}>
        Step <code>{gate.stepId}</code> of run{' '}
        <Link to={{ page: 'run', runId: gate.runId }}>{gate.runId.slice(0, 8)}</Link>
      </h3>
      <dl className="facts">
        <dt>Why</dt>
        <dd>{gate.reason}</dd>
        <dt>Reviewers</dt>
        <dd>{gate.reviewers.join(', ')}</dd>
        <dt>Opened</dt>
        <dd>
          <time dateTime={gate.openedAt}>{formatTime(gate.openedAt)}</time> ({gate.source})
        </dd>
        <dt>SLA</dt>
        <dd>
          <SlaCountdown dueAt={gate.dueAt} level={gate.level} escalateTo={context?.gate.escalateTo} />
        </dd>
      </dl>
      <p className={standing.named ? 'muted' : 'warning'} data-testid="gate-standing">
        {standing.why}
      </p>
      {contextError && (
        <p role="alert" className="error">
          The context could not be read: {contextError}
        </p>
      )}
      {context && <GateContext context={context} />}
      <GateDecisionForm
        gateId={gate.gateId}
        runId={gate.runId}
        stepId={gate.stepId}
        heldOutput={context?.exception?.output}
        onDecided={onDecided}
      />
    </article>
  );
}
