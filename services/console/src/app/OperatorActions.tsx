import { useEffect, useRef, useState } from 'react';
import type { RunState } from '@ledgerflow/domain';
import {
  operatorRequestOf,
  reasonRequired,
  runActionsOf,
  stepActionsOf,
  substituteAgentsOf,
} from '../model/operator-actions.js';
import type { OperatorAction } from '../model/operator-actions.js';
import { api, describeError } from './api.js';
import { useSession } from './identity.js';

/** The answer of an operator command (docs/operations.md): the run's status after it and the event types appended. */
interface CommandAnswer {
  readonly status: string;
  readonly events: readonly string[];
}

interface Pending {
  readonly action: OperatorAction;
  readonly stepId?: string;
  readonly stepName?: string;
}

const VERBS: Readonly<Record<OperatorAction, string>> = {
  retry: 'Retry',
  skip: 'Skip',
  cancel: 'Cancel run',
  pause: 'Pause',
  resume: 'Resume',
};
const EXPLAINED: Readonly<Record<OperatorAction, string>> = {
  retry:
    'The step runs again now, as a new attempt (as a substitute agent if you pick one); the policy decides it again.',
  skip: 'The optional step is marked skipped; the steps after it go on without its output.',
  cancel:
    'The run ends as cancelled. Running steps may still record their results, but nothing new starts. This cannot be undone.',
  pause: 'Nothing new starts until the run is resumed; running steps still record their results.',
  resume: 'Steps whose dependencies are done start again.',
};

/**
 * Operator actions on a run that is not over (docs/console.md, "Operator actions"): pause or resume, cancel, retry a
 * failed step (optionally as a substitute agent of the plan), skip an optional step. Each asks for confirmation in a
 * modal `<dialog>`, with a reason (required where the API requires one); a refusal is shown as the API answered it.
 * The run's own stream shows the outcome in the page.
 */
export function OperatorActions({ runId, state }: { runId: string; state: RunState }) {
  const [pending, setPending] = useState<Pending>();
  const [notice, setNotice] = useState<string>();
  const runActions = runActionsOf(state);
  const stepActions = stepActionsOf(state);
  if (runActions.length === 0 && stepActions.length === 0 && !notice) return null;
  return (
    <section aria-labelledby="operate-title" className="operate" data-testid="operator-actions">
      <h2 id="operate-title">Operator actions</h2>
      {state.pause && (
        <p className="warning">
          Paused: {state.pause.reason}
          {state.pause.stepId ? ` (step ${state.pause.stepId})` : ''}
        </p>
      )}
      <div className="actions">
        {runActions.map((action) => (
          <button
            key={action}
            type="button"
            className={action === 'cancel' ? 'danger' : undefined}
            onClick={() => setPending({ action })}
          >
            {VERBS[action]}
          </button>
        ))}
      </div>
      {stepActions.length > 0 && (
        <ul className="step-actions" aria-label="Step actions">
          {stepActions.map(({ action, stepId, stepName }) => (
            <li key={`${action}-${stepId}`}>
              <button
                type="button"
                onClick={() => setPending({ action, stepId, stepName })}
                data-action={`${action}-${stepId}`}
              >
                {VERBS[action]} {stepName}
              </button>
            </li>
          ))}
        </ul>
      )}
      {notice && (
        <p role="status" data-testid="operator-notice">
          {notice}
        </p>
      )}
      {pending && (
        <ConfirmDialog
          runId={runId}
          pending={pending}
          agents={pending.stepId && pending.action === 'retry' ? substituteAgentsOf(state, pending.stepId) : []}
          onClose={() => setPending(undefined)}
          onDone={(answer) => {
            setPending(undefined);
            setNotice(
              `${VERBS[pending.action]}${pending.stepName ? ` ${pending.stepName}` : ''}: done; the run is ${answer.status} (${answer.events.join(', ') || 'no new event'}).`,
            );
          }}
        />
      )}
    </section>
  );
}

function ConfirmDialog({
  runId,
  pending,
  agents,
  onClose,
  onDone,
}: {
  runId: string;
  pending: Pending;
  agents: readonly string[];
  onClose: () => void;
  onDone: (answer: CommandAnswer) => void;
}) {
  const { token } = useSession();
  const dialog = useRef<HTMLDialogElement>(null);
  const [reason, setReason] = useState('');
  const [agent, setAgent] = useState('');
  const [error, setError] = useState<string>();
  const [sending, setSending] = useState(false);
  const { action, stepId, stepName } = pending;
  const needsReason = reasonRequired(action);
  useEffect(() => {
    const element = dialog.current;
    if (element && !element.open) element.showModal();
    return () => element?.close();
  }, []);

  const confirm = async (): Promise<void> => {
    if (needsReason && !reason.trim()) {
      setError(`Give a reason to ${action === 'cancel' ? 'cancel the run' : 'skip the step'}.`);
      return;
    }
    setSending(true);
    setError(undefined);
    try {
      const { path, body } = operatorRequestOf(runId, action, { ...(stepId ? { stepId } : {}), agent, reason });
      onDone(await api<CommandAnswer>(token, path, { method: 'POST', body }));
    } catch (failure) {
      setError(`The gateway refused: ${describeError(failure)}`);
    } finally {
      setSending(false);
    }
  };

  const title = `${VERBS[action]}${stepName ? ` step ${stepName}` : ''}?`;
  return (
    <dialog
      ref={dialog}
      aria-labelledby="confirm-title"
      aria-describedby="confirm-what"
      onCancel={onClose}
      className="confirm"
    >
      <form
        method="dialog"
        onSubmit={(event) => {
          event.preventDefault();
          void confirm();
        }}
      >
        <h2 id="confirm-title">{title}</h2>
        <p id="confirm-what">{EXPLAINED[action]}</p>
        {agents.length > 0 && (
          <>
            <label htmlFor="confirm-agent">Run as</label>
            <select id="confirm-agent" value={agent} onChange={(event) => setAgent(event.target.value)}>
              <option value="">the step's own agent</option>
              {agents.map((candidate) => (
                <option key={candidate} value={candidate}>
                  {candidate} (substitute)
                </option>
              ))}
            </select>
          </>
        )}
        <label htmlFor="confirm-reason">{needsReason ? 'Reason (required)' : 'Reason (optional)'}</label>
        <textarea id="confirm-reason" rows={2} value={reason} onChange={(event) => setReason(event.target.value)} />
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <div className="actions">
          <button type="submit" className={action === 'cancel' ? 'danger' : undefined} disabled={sending}>
            {`Confirm: ${VERBS[action].toLowerCase()}`}
          </button>
          <button type="button" onClick={onClose}>
            Keep the run as it is
          </button>
        </div>
      </form>
    </dialog>
  );
}
