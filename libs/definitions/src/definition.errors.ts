import { LedgerflowError } from '@ledgerflow/domain';
import type { DefinitionIssue } from './definition.types.js';

/**
 * A workflow definition failed to load. `code` is `definition_invalid` (YAML syntax or JSON Schema),
 * `definition_unknown_tool`, `definition_unknown_agent`, `definition_duplicate`, `definition_unreadable`,
 * or the plan's own code (`plan_cycle`, `plan_unknown_dependency`, `workflow_depth_exceeded`, ...).
 * The message starts with the source file; `details` is `{ source, errors: DefinitionIssue[] }`.
 */
export class DefinitionError extends LedgerflowError {
  readonly source: string;
  readonly errors: readonly DefinitionIssue[];

  constructor(code: string, source: string, errors: readonly DefinitionIssue[], details: Record<string, unknown> = {}) {
    super(code, `${source}: ${errors.map(formatIssue).join('; ')}`, false, { ...details, source, errors });
    this.source = source;
    this.errors = errors;
  }
}

/** No definition with this id (and version). Maps to HTTP 404. */
export class UnknownWorkflowError extends LedgerflowError {
  constructor(workflowId: string, version?: string) {
    const what = version === undefined ? `workflow ${workflowId}` : `workflow ${workflowId}@${version}`;
    super('workflow_unknown', `${what} is not defined`, false, {
      workflowId,
      ...(version === undefined ? {} : { version }),
    });
  }
}

function formatIssue(issue: DefinitionIssue): string {
  const where =
    issue.line === undefined
      ? issue.path === ''
        ? '/'
        : issue.path
      : `line ${issue.line}, column ${issue.column ?? 1}`;
  return `${where}: ${issue.message} (${issue.rule})`;
}
