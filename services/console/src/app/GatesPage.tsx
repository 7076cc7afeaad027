import { useCallback, useEffect, useState } from 'react';
import { describeError } from './api.js';
import { apiAll } from './api-page.js';
import { useSession } from './identity.js';
import type { Session } from './identity.js';
import { LiveBadge } from './LiveBadge.js';
import { GateCard } from './GateCard.js';
import type { GateSummary } from './GateCard.js';
import { followStream } from './sse.js';
import type { StreamState } from './sse.js';

interface GateLists {
  /** Open gates naming the signed-in person (by id, role or team): `GET /v1/gates?reviewer=me`. */
  readonly mine: readonly GateSummary[];
  /** Other open gates, read with `runs:read`; undefined without it. */
  readonly others?: readonly GateSummary[];
}

const canReadAll = (session: Session): boolean =>
  session.identity.kind === 'api_key' ||
  session.identity.scopes.some((scope) => scope === 'runs:read' || scope === 'admin');

/**
 * The gates inbox: the open gates the signed-in person may decide, each with its SLA, context package and decision
 * (approve, optionally with a corrected output; reject with a reason; redirect with a plan revision); with `runs:read`, the other open gates too, each saying whom it names. The API decides who may decide:
 * its refusal is shown as it answered. Kept current by `GET /v1/stream?types=GateOpened,GateDecided,GateEscalated`.
 */
export function GatesPage() {
  const session = useSession();
  const { token } = session;
  const [lists, setLists] = useState<GateLists>();
  const [error, setError] = useState<string>();
  const [stream, setStream] = useState<StreamState>({ kind: 'connecting' });
  const [notice, setNotice] = useState<string>();

  const load = useCallback(
    async (signal?: AbortSignal) => {
      try {
        const mine = await apiAll<GateSummary>(token, '/v1/gates?reviewer=me&status=open', signal);
        const all = canReadAll(session) ? await apiAll<GateSummary>(token, '/v1/gates?status=open', signal) : undefined;
        const mineIds = new Set(mine.map((gate) => gate.gateId));
        setLists({ mine, ...(all ? { others: all.filter((gate) => !mineIds.has(gate.gateId)) } : {}) });
        setError(undefined);
      } catch (failure) {
        if (!signal?.aborted) setError(describeError(failure));
      }
    },
    [token, session],
  );

  useEffect(() => {
    const abort = new AbortController();
    void followStream({
      path: '/v1/stream?types=GateOpened,GateDecided,GateEscalated',
      token,
      onUpdate: () => void load(abort.signal),
      onState: (state) => {
        setStream(state);
        // (Re)connected: read the lists, so nothing decided while disconnected is missed. A reviewer without
        // runs:read may not follow the stream (403): the lists are still read once.
        if (state.kind === 'live' || state.kind === 'refused') void load(abort.signal);
      },
      signal: abort.signal,
    });
    return () => abort.abort();
  }, [token, load]);

  const decided = (message: string): void => {
    setNotice(message);
    void load();
  };
  return (
    <main id="main">
      <div className="title-row">
        <h1>Gates</h1>
        <LiveBadge state={stream} />
      </div>
      <p role="status" className="ok" data-testid="gate-notice">
        {notice ?? ''}
      </p>
      {error && (
        <p role="alert" className="error">
          Gates could not be read: {error}
        </p>
      )}
      <section aria-labelledby="mine-title">
        <h2 id="mine-title">Waiting for you</h2>
        {lists && lists.mine.length === 0 && <p className="muted">No open gate names you.</p>}
        {lists?.mine.map((gate) => (
          <GateCard key={gate.gateId} gate={gate} onDecided={decided} />
        ))}
      </section>
      {lists?.others && (
        <section aria-labelledby="others-title">
          <h2 id="others-title">Other open gates</h2>
          <p className="muted">
            These gates do not name you ({describeReviewer(session)}), so the gateway will refuse your decision.
          </p>
          {lists.others.length === 0 && <p className="muted">None.</p>}
          {lists.others.map((gate) => (
            <GateCard key={gate.gateId} gate={gate} onDecided={decided} />
          ))}
        </section>
      )}
    </main>
  );
}

function describeReviewer({ identity }: Session): string {
  const parts = [`you are ${identity.subject}`];
  if (identity.roles.length) parts.push(`roles ${identity.roles.join(', ')}`);
  if (identity.teams.length) parts.push(`teams ${identity.teams.join(', ')}`);
  return parts.join('; ');
}
