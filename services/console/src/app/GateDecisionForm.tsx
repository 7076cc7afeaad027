import { useId, useRef, useState } from 'react';
import type { FormEvent } from 'react';
import { parseRevision, revisionTemplate } from '../model/gate-review.js';
import { appended, EMPTY_HISTORY, runEventsAfter } from '../model/run-events.js';
import type { RunEventRecord } from '../model/run-events.js';
import { api, describeError } from './api.js';
import { apiPage } from './api-page.js';
import { useSession } from './identity.js';

type Outcome = 'approve' | 'reject' | 'redirect';

/** The redirect editor's starting text: the gated step again under a new id, its dependants removed. */
async function revisionDraftOf(token: string, runId: string, stepId: string): Promise<string> {
  const events = await runEventsAfter((path) => apiPage<RunEventRecord>(token, path), runId);
  return JSON.stringify(revisionTemplate(appended(EMPTY_HISTORY, events).state.plan, stepId), null, 2);
}

/**
 * Approve, reject (a reason required) or redirect with a plan revision typed as JSON; on a confidence gate, approve
 * with a corrected output. `POST /v1/gates/{gateId}/decision` (`GateDecisionBody`, services/gateway/src/gateway.dto.ts):
 * the API validates the revision and decides who may decide, and its refusal is shown as it answered. One request
 * at a time: a second click while one is in flight sends nothing.
 */
export function GateDecisionForm({
  gateId,
  runId,
  stepId,
  heldOutput,
  onDecided,
}: {
  gateId: string;
  runId: string;
  stepId: string;
  heldOutput?: unknown;
  onDecided: (message: string) => void;
}) {
  const { token } = useSession();
  const [comment, setComment] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const sending = useRef(false);
  const [revision, setRevision] = useState<string>();
  const [corrected, setCorrected] = useState<string>();
  const ids = { reason: useId(), revision: useId(), corrected: useId() };
  const confidence = heldOutput !== undefined;

  async function send(outcome: Outcome): Promise<void> {
    setError(undefined);
    if (outcome === 'reject' && comment.trim() === '')
      return setError('Give a reason to reject: it is recorded with the decision.');
    const body: Record<string, unknown> = { outcome, ...(comment.trim() ? { comment: comment.trim() } : {}) };
    if (outcome === 'redirect') {
      const parsed = parseRevision(revision ?? '');
      if ('error' in parsed) return setError(parsed.error);
      body.revision = parsed.revision;
    }
    if (outcome === 'approve' && corrected !== undefined) {
      try {
        body.correctedOutput = JSON.parse(corrected) as unknown;
      } catch (failure) {
        return setError(`The corrected output is not JSON: ${(failure as Error).message}`);
      }
    }
    if (sending.current) return;
    sending.current = true;
    setBusy(true);
    try {
      const result = await api<{ outcome: string }>(token, `/v1/gates/${encodeURIComponent(gateId)}/decision`, {
        method: 'POST',
        body,
      });
      onDecided(`Gate of step ${stepId} (run ${runId.slice(0, 8)}) ${result.outcome}.`);
    } catch (failure) {
      setError(`The gateway refused the decision: ${describeError(failure)}`);
    } finally {
      sending.current = false;
      setBusy(false);
    }
  }

  const openRedirect = async (): Promise<void> => {
    setError(undefined);
    try {
      setRevision(await revisionDraftOf(token, runId, stepId));
    } catch (failure) {
      setRevision(JSON.stringify({ addSteps: [], removeStepIds: [] }, null, 2));
      setError(`The plan could not be read to start the revision: ${describeError(failure)}`);
    }
  };

  const submit = (event: FormEvent<HTMLFormElement>): void => {
    event.preventDefault();
    const value = ((event.nativeEvent as SubmitEvent).submitter as HTMLButtonElement | null)?.value;
    void send(value === 'reject' || value === 'redirect' ? value : 'approve');
  };
  return (
    <form onSubmit={submit}>
      <label htmlFor={ids.reason}>Reason (required to reject)</label>
      <textarea
        id={ids.reason}
        rows={2}
        maxLength={2000}
        value={comment}
        onChange={(event) => setComment(event.target.value)}
      />
      {confidence && (
        <p>
          <label>
            <input
              type="checkbox"
              checked={corrected !== undefined}
              onChange={(event) => setCorrected(event.target.checked ? JSON.stringify(heldOutput, null, 2) : undefined)}
            />{' '}
            Approve with a corrected output
          </label>
        </p>
      )}
      {corrected !== undefined && (
        <>
          <label htmlFor={ids.corrected}>
            Corrected output (JSON: recorded as ground truth, read by the dependants)
          </label>
          <textarea
            id={ids.corrected}
            className="json-editor"
            rows={8}
            spellCheck={false}
            value={corrected}
            onChange={(event) => setCorrected(event.target.value)}
          />
        </>
      )}
      {revision !== undefined && (
        <>
          <label htmlFor={ids.revision}>
            Plan revision (JSON: addSteps replace the gated step, removeStepIds its not-started dependants)
          </label>
          <textarea
            id={ids.revision}
            className="json-editor"
            rows={14}
            spellCheck={false}
            value={revision}
            onChange={(event) => setRevision(event.target.value)}
          />
        </>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <div className="buttons">
        <button type="submit" name="outcome" value="approve" disabled={busy}>
          {corrected === undefined ? 'Approve' : 'Approve with this output'}
        </button>
        <button type="submit" name="outcome" value="reject" disabled={busy} className="danger">
          Reject
        </button>
        {revision === undefined ? (
          <button type="button" disabled={busy} onClick={() => void openRedirect()}>
            Redirect…
          </button>
        ) : (
          <>
            <button type="submit" name="outcome" value="redirect" disabled={busy}>
              Send the redirect
            </button>
            <button type="button" disabled={busy} onClick={() => setRevision(undefined)}>
              Drop the revision
            </button>
          </>
        )}
      </div>
    </form>
  );
}
