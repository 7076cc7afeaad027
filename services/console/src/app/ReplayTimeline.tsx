import { useEffect, useId, useRef, useState } from 'react';
import {
  CHANGE_LABELS,
  checkpointLabel,
  checkpointsOfRun,
  comparedWith,
  PREVIOUS,
  shownValue,
} from '../model/replay.js';
import type { CheckpointList, ForkAnswer, StateDiff } from '../model/replay.js';
import type { ReadPage } from '../model/list-pages.js';
import { api, describeError } from './api.js';
import { apiPage } from './api-page.js';
import { useSession } from './identity.js';
import { hrefOf, useRoute } from './router.js';

const runPath = (runId: string): string => `/v1/runs/${encodeURIComponent(runId)}`;

/**
 * The replay timeline of a run (docs/console.md, "Replay timeline"): a slider over its checkpoints
 * (`GET /v1/runs/{id}/checkpoints`), the state folded at the selected one (`/state?at=`), the diff from another
 * (`/diff?from=&to=`, the one before by default) as added/removed/changed JSON Pointer paths, and "Fork from here"
 * (`POST /v1/runs/{id}/fork`, scope `runs:operate`) after a confirmation, opening the new run. `revision` is the
 * last revision the page holds: the checkpoints are read again when it moves (the run's stream drives it).
 */
export function ReplayTimeline({ runId, revision }: { runId: string; revision: number }) {
  const { token } = useSession();
  const [list, setList] = useState<CheckpointList>();
  const [selected, setSelected] = useState<number>();
  const [compareWith, setCompareWith] = useState(PREVIOUS);
  const [error, setError] = useState<string>();
  const [forking, setForking] = useState(false);
  const slider = useId();
  const compare = useId();

  useEffect(() => {
    const abort = new AbortController();
    // A page of checkpoints is the object {runId, revision, checkpoints}, not an array (docs/api.md, "Lists").
    const read = (path: string) => apiPage(token, path, abort.signal) as unknown as Promise<ReadPage<CheckpointList>>;
    checkpointsOfRun(read, runId).then(
      (answer) => {
        setList(answer);
        setError(undefined);
      },
      (failure) => !abort.signal.aborted && setError(describeError(failure)),
    );
    return () => abort.abort();
  }, [token, runId, revision]);

  const checkpoints = list?.checkpoints ?? [];
  // The newest checkpoint until the person moves the slider.
  const index = Math.min(selected ?? checkpoints.length - 1, checkpoints.length - 1);
  const at = checkpoints[index];
  const from = at ? comparedWith(checkpoints, index, compareWith) : undefined;

  return (
    <section aria-labelledby="replay-title" className="replay">
      <h2 id="replay-title">Replay timeline</h2>
      {error && (
        <p role="alert" className="error">
          The checkpoints could not be read: {error}
        </p>
      )}
      {list && checkpoints.length === 0 && (
        <p className="muted">No checkpoint yet: one is taken when a step ends or a gate is decided.</p>
      )}
      {at && (
        <>
          <div className="replay-controls">
            <label htmlFor={slider}>Checkpoint</label>
            <input
              id={slider}
              type="range"
              min={1}
              max={checkpoints.length}
              step={1}
              value={index + 1}
              aria-valuetext={checkpointLabel(at)}
              disabled={checkpoints.length < 2}
              onChange={(event) => setSelected(Number(event.target.value) - 1)}
            />
            <output htmlFor={slider} data-testid="replay-at">
              <strong>{at.id}</strong> of {checkpoints.length}: {at.summary}
              {at.at && <span className="muted"> · {new Date(at.at).toLocaleString()}</span>}
            </output>
          </div>
          <div className="replay-controls">
            <label htmlFor={compare}>Compare with</label>
            <select id={compare} value={compareWith} onChange={(event) => setCompareWith(event.target.value)}>
              <option value={PREVIOUS}>the checkpoint before</option>
              {checkpoints.map((checkpoint) => (
                <option key={checkpoint.id} value={checkpoint.id}>
                  {checkpoint.id}: {checkpoint.summary}
                </option>
              ))}
            </select>
            <button type="button" className="danger" onClick={() => setForking(true)}>
              Fork from {at.id}…
            </button>
          </div>
          {from ? (
            <DiffTable runId={runId} from={from.id} to={at.id} />
          ) : (
            <p className="muted">{at.id} is the first checkpoint: choose one to compare with.</p>
          )}
          <StateAt runId={runId} at={at.id} />
          {forking && <ForkDialog runId={runId} at={at.id} onClose={() => setForking(false)} />}
        </>
      )}
    </section>
  );
}

/** The diff between two checkpoints, one row per JSON Pointer path. */
function DiffTable({ runId, from, to }: { runId: string; from: string; to: string }) {
  const { token } = useSession();
  const [diff, setDiff] = useState<StateDiff>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    const abort = new AbortController();
    const query = new URLSearchParams({ from, to });
    api<StateDiff>(token, `${runPath(runId)}/diff?${query}`, { signal: abort.signal }).then(
      (answer) => {
        setDiff(answer);
        setError(undefined);
      },
      (failure) => !abort.signal.aborted && setError(describeError(failure)),
    );
    return () => abort.abort();
  }, [token, runId, from, to]);
  if (error)
    return (
      <p role="alert" className="error">
        The diff could not be read: {error}
      </p>
    );
  // A diff of another pair is still shown until this one arrives; its caption names its pair.
  if (!diff) return <p className="muted">Reading the diff…</p>;
  return (
    <div className="table-scroll">
      <table className="replay-diff" data-testid="replay-diff" data-from={diff.from} data-to={diff.to}>
        <caption>
          From {diff.from} to {diff.to}: {diff.changes.length} change{diff.changes.length === 1 ? '' : 's'}
        </caption>
        <thead>
          <tr>
            <th scope="col">Change</th>
            <th scope="col">Path (JSON Pointer)</th>
            <th scope="col">Before</th>
            <th scope="col">After</th>
          </tr>
        </thead>
        <tbody>
          {diff.changes.map((change) => (
            <tr key={`${change.op} ${change.path}`} className={`change-${change.op}`}>
              <td>{CHANGE_LABELS[change.op]}</td>
              <td>
                <code>{change.path}</code>
              </td>
              <td>
                <code>{shownValue(change.from)}</code>
              </td>
              <td>
                <code>{shownValue(change.to)}</code>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The run's state folded up to a checkpoint, as the API answers it, folded away until opened. */
function StateAt({ runId, at }: { runId: string; at: string }) {
  const { token } = useSession();
  const [state, setState] = useState<{ at: string; text: string }>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    const abort = new AbortController();
    api<unknown>(token, `${runPath(runId)}/state?at=${encodeURIComponent(at)}`, { signal: abort.signal }).then(
      (answer) => {
        setState({ at, text: JSON.stringify(answer, null, 2) });
        setError(undefined);
      },
      (failure) => !abort.signal.aborted && setError(describeError(failure)),
    );
    return () => abort.abort();
  }, [token, runId, at]);
  return (
    <details className="replay-state">
      <summary>State at {at}</summary>
      {error ? (
        <p role="alert" className="error">
          The state could not be read: {error}
        </p>
      ) : (
        <pre data-testid="replay-state">{state?.at === at ? state.text : 'Reading…'}</pre>
      )}
    </details>
  );
}

/** Asks before forking; on 202 opens the new run, on a refusal shows the API's answer. */
function ForkDialog({ runId, at, onClose }: { runId: string; at: string; onClose: () => void }) {
  const { token } = useSession();
  const { navigate } = useRoute();
  const dialog = useRef<HTMLDialogElement>(null);
  const [error, setError] = useState<string>();
  const [sending, setSending] = useState(false);
  const title = useId();
  const what = useId();
  useEffect(() => {
    const element = dialog.current;
    if (element && !element.open) element.showModal();
    return () => element?.close();
  }, []);

  const fork = async (): Promise<void> => {
    setSending(true);
    setError(undefined);
    try {
      const answer = await api<ForkAnswer>(token, `${runPath(runId)}/fork`, { method: 'POST', body: { at } });
      onClose();
      navigate(hrefOf({ page: 'run', runId: answer.runId }));
    } catch (failure) {
      setError(`The gateway refused: ${describeError(failure)}`);
      setSending(false);
    }
  };

  return (
    <dialog ref={dialog} aria-labelledby={title} aria-describedby={what} onCancel={onClose} className="confirm">
      <form
        method="dialog"
        onSubmit={(event) => {
          event.preventDefault();
          void fork();
        }}
      >
        <h2 id={title}>Fork this run from {at}?</h2>
        <p id={what}>
          A new run starts from the state at {at}: the steps done by then are carried over with their outputs (no tool
          is called again for them); the rest runs anew, under the policies in force today. Forking twice at one
          checkpoint opens the same run.
        </p>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <div className="dialog-buttons">
          <button type="button" onClick={onClose}>
            Keep this run
          </button>
          <button type="submit" disabled={sending}>
            {sending ? 'Forking…' : `Fork from ${at}`}
          </button>
        </div>
      </form>
    </dialog>
  );
}
