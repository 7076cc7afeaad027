import { useEffect, useMemo, useState } from 'react';
import type { WorkflowSummary, WorkflowView } from '@ledgerflow/contracts';
import { formFieldsOf, inputOf, issuesByField } from '../model/schema-form.js';
import type { FormField, FormValues, InputIssue } from '../model/schema-form.js';
import { api, ApiError, describeError } from './api.js';
import { apiAll, apiAllIn } from './api-page.js';
import { useSession } from './identity.js';
import { hrefOf, Link, useRoute } from './router.js';
import { formatTime } from './RunsPage.js';

/** `GET /v1/workflows/{id}`: the versions, and the latest version's `inputSchema` (docs/api.md). */
type WorkflowDetail = WorkflowView & { readonly inputSchema: unknown };

/**
 * Registered workflows (`GET /v1/workflows`), and for the one chosen its versions and a start-run form generated
 * from the latest version's `inputSchema` (`POST /v1/workflows/{id}/runs`, scope `runs:start`), opening the new run.
 */
export function WorkflowsPage({ workflowId }: { workflowId?: string }) {
  const { workflows, error } = useWorkflows();
  return (
    <main id="main">
      <h1>Workflows</h1>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {workflows && workflows.length === 0 && <p className="muted">No workflow is registered.</p>}
      {workflows && workflows.length > 0 && (
        <div className="table-scroll">
          <table>
            <caption>Registered workflows; choose one to see its versions and start a run.</caption>
            <thead>
              <tr>
                <th scope="col">Workflow</th>
                <th scope="col">Title</th>
                <th scope="col">Latest version</th>
                <th scope="col">Versions</th>
              </tr>
            </thead>
            <tbody>
              {workflows.map((workflow) => (
                <tr key={workflow.workflowId} data-workflow-id={workflow.workflowId}>
                  <td>
                    <Link to={{ page: 'workflows', workflowId: workflow.workflowId }}>{workflow.workflowId}</Link>
                  </td>
                  <td>{workflow.title}</td>
                  <td>{workflow.latestVersion}</td>
                  <td>{workflow.versionCount}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {workflowId && <WorkflowDetails key={workflowId} workflowId={workflowId} />}
    </main>
  );
}

/** The registered workflows (`GET /v1/workflows`, read once per page), or the sentence of the error reading them. */
export function useWorkflows(): { workflows?: WorkflowSummary[]; error?: string } {
  const { token } = useSession();
  const [workflows, setWorkflows] = useState<WorkflowSummary[]>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    const abort = new AbortController();
    apiAll<WorkflowSummary>(token, '/v1/workflows', abort.signal).then(
      setWorkflows,
      (failure) => !abort.signal.aborted && setError(describeError(failure)),
    );
    return () => abort.abort();
  }, [token]);
  return { ...(workflows ? { workflows } : {}), ...(error ? { error } : {}) };
}

function WorkflowDetails({ workflowId }: { workflowId: string }) {
  const { token } = useSession();
  const [detail, setDetail] = useState<WorkflowDetail>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    const abort = new AbortController();
    apiAllIn<WorkflowDetail>(token, `/v1/workflows/${encodeURIComponent(workflowId)}`, 'versions', abort.signal).then(
      setDetail,
      (failure) => !abort.signal.aborted && setError(describeError(failure)),
    );
    return () => abort.abort();
  }, [token, workflowId]);
  if (error) {
    return (
      <p role="alert" className="error">
        {error}
      </p>
    );
  }
  if (!detail) return <p className="muted">Loading {workflowId}…</p>;
  return (
    <section aria-labelledby="workflow-title">
      <h2 id="workflow-title">
        {detail.title} <code>{detail.workflowId}</code>
      </h2>
      <div className="table-scroll">
        <table data-testid="workflow-versions">
          <caption>Versions, newest first (a new run starts on the latest, {detail.latestVersion}).</caption>
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Registered</th>
              <th scope="col">By</th>
              <th scope="col">Source</th>
              <th scope="col">Digest</th>
            </tr>
          </thead>
          <tbody>
            {detail.versions.map((version) => (
              <tr key={version.version}>
                <td>{version.version}</td>
                <td>
                  <time dateTime={version.registeredAt}>{formatTime(version.registeredAt)}</time>
                </td>
                <td>{version.registeredBy.id}</td>
                <td>{version.source}</td>
                <td>
                  <code title={version.digest}>{version.digest.slice(0, 19)}…</code>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <StartRunForm workflowId={workflowId} version={detail.latestVersion} inputSchema={detail.inputSchema} />
    </section>
  );
}

function StartRunForm({
  workflowId,
  version,
  inputSchema,
}: {
  workflowId: string;
  version: string;
  inputSchema: unknown;
}) {
  const { token } = useSession();
  const { navigate } = useRoute();
  const fields = useMemo(() => formFieldsOf(inputSchema), [inputSchema]);
  const [values, setValues] = useState<FormValues>({});
  const [problems, setProblems] = useState<Record<string, string[]>>({});
  const [refusal, setRefusal] = useState<string>();
  const [sending, setSending] = useState(false);

  const start = async (): Promise<void> => {
    setRefusal(undefined);
    const made = inputOf(fields, values);
    if ('errors' in made) {
      setProblems(Object.fromEntries(Object.entries(made.errors).map(([name, message]) => [name, [message]])));
      return;
    }
    setProblems({});
    setSending(true);
    try {
      const { runId } = await api<{ runId: string }>(token, `/v1/workflows/${encodeURIComponent(workflowId)}/runs`, {
        method: 'POST',
        body: { input: made.input },
      });
      navigate(hrefOf({ page: 'run', runId }));
    } catch (failure) {
      const issues =
        failure instanceof ApiError && Array.isArray(failure.details?.['errors'])
          ? (failure.details['errors'] as InputIssue[])
          : [];
      setProblems(issuesByField(fields, issues));
      setRefusal(`The gateway refused the run: ${describeError(failure)}`);
    } finally {
      setSending(false);
    }
  };

  return (
    <form
      className="start-form"
      aria-labelledby="start-title"
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        void start();
      }}
    >
      <h3 id="start-title">Start a run of {version}</h3>
      {fields.map((field, index) => (
        <FieldInput
          key={field.name}
          id={`start-field-${index}`}
          field={field}
          value={values[field.name] ?? ''}
          problems={problems[field.name]}
          onChange={(value) => setValues({ ...values, [field.name]: value })}
        />
      ))}
      {refusal && (
        <p role="alert" className="error" data-testid="start-refusal">
          {refusal}
        </p>
      )}
      <button type="submit" disabled={sending}>
        Start run
      </button>
    </form>
  );
}

function FieldInput({
  id,
  field,
  value,
  problems,
  onChange,
}: {
  id: string;
  field: FormField;
  value: string;
  problems: readonly string[] | undefined;
  onChange: (value: string) => void;
}) {
  const described =
    [field.description ? `${id}-hint` : '', problems ? `${id}-problems` : ''].filter(Boolean).join(' ') || undefined;
  const common = {
    id,
    'aria-describedby': described,
    'aria-invalid': problems ? true : undefined,
    required: field.required,
  } as const;
  return (
    <div className="field">
      {field.kind === 'boolean' ? (
        <label className="inline">
          <input
            type="checkbox"
            {...common}
            checked={value === 'true'}
            onChange={(event) => onChange(event.target.checked ? 'true' : '')}
          />{' '}
          {field.label}
        </label>
      ) : (
        <label htmlFor={id}>
          {field.label}
          {field.required ? ' (required)' : ''}
        </label>
      )}
      {field.kind === 'text' && (
        <input type="text" {...common} value={value} onChange={(event) => onChange(event.target.value)} />
      )}
      {(field.kind === 'number' || field.kind === 'integer') && (
        <input
          type="text"
          inputMode={field.kind === 'integer' ? 'numeric' : 'decimal'}
          {...common}
          value={value}
          onChange={(event) => onChange(event.target.value)}
        />
      )}
      {field.kind === 'choice' && (
        <select {...common} value={value} onChange={(event) => onChange(event.target.value)}>
          <option value="">(none)</option>
          {field.options?.map((option) => (
            <option key={option} value={option}>
              {option}
            </option>
          ))}
        </select>
      )}
      {field.kind === 'json' && (
        <textarea
          {...common}
          rows={field.name === '' ? 4 : 2}
          placeholder={field.name === '' ? '{}' : undefined}
          value={value}
          onChange={(event) => onChange(event.target.value)}
        />
      )}
      {field.description && (
        <p id={`${id}-hint`} className="hint">
          {field.description}
        </p>
      )}
      {problems && (
        <ul id={`${id}-problems`} className="error field-problems">
          {problems.map((problem) => (
            <li key={problem}>{problem}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
