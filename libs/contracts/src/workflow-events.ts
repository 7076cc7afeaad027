import type { Actor } from './metadata.js';

/**
 * Workflow definitions as events (docs/definitions.md, "Registering definitions"): one stream per workflow,
 * `workflow-<workflowId>`, holding one `WorkflowVersionRegistered` per version. Versions are immutable.
 */

/** Event type: a version of a workflow definition was registered. */
export const WORKFLOW_VERSION_REGISTERED = 'WorkflowVersionRegistered';

/** Prefix of every workflow stream id (the stream category `workflow`). */
export const WORKFLOW_STREAM_PREFIX = 'workflow-';

/** Stream id of a workflow's versions. */
export const workflowStreamId = (workflowId: string): string => `${WORKFLOW_STREAM_PREFIX}${workflowId}`;

/** Where a registered version came from: the HTTP API / CLI, or a definitions directory the planner reads. */
export type WorkflowVersionSource = 'api' | 'directory';

/**
 * Data of `WorkflowVersionRegistered`.
 * - `definition`: the definition document as written (the YAML parsed to JSON, before defaults are filled in),
 *   so that a later change of the defaults never changes a recorded version.
 * - `digest`: `sha256:` + 64 hex digits over the canonical JSON (RFC 8785 style, `@ledgerflow/audit`) of `definition`.
 * - `registeredBy`: the principal of the verified token (`api`), or the planner (`directory`).
 * - `file`: the file path, for `directory` only.
 */
export interface WorkflowVersionRegistered {
  readonly workflowId: string;
  readonly version: string;
  readonly definition: Readonly<Record<string, unknown>>;
  readonly digest: string;
  readonly source: WorkflowVersionSource;
  readonly registeredBy: Actor;
  readonly file?: string;
}

/**
 * Request on `lf.planner.register-workflow` (from the gateway): a definition's text (YAML, or JSON, which is
 * YAML too), the workflow id of the path it was sent to, and the caller's own bearer token (the planner verifies
 * it and needs `workflows:write`).
 */
export interface RegisterWorkflowRequest {
  readonly workflowId: string;
  readonly text: string;
  readonly token: string;
}

/** Answer of `lf.planner.register-workflow` and of `PUT /v1/workflows/{id}`. `created` false: the same version with the same digest was registered already. */
export interface RegisterWorkflowResult {
  readonly workflowId: string;
  readonly version: string;
  readonly digest: string;
  readonly created: boolean;
}

/** One version as `GET /v1/workflows/{id}` lists it; `registeredAt` is the store's commit time (ISO-8601 UTC). */
export interface WorkflowVersionView {
  readonly version: string;
  readonly digest: string;
  readonly source: WorkflowVersionSource;
  readonly registeredAt: string;
  readonly registeredBy: Actor;
  readonly title: string;
}

/** A workflow as `GET /v1/workflows` lists it: `latestVersion` by semver precedence. */
export interface WorkflowSummary {
  readonly workflowId: string;
  readonly title: string;
  readonly latestVersion: string;
  readonly versionCount: number;
}

/** The body of `GET /v1/workflows/{id}`: its versions newest first (semver precedence). */
export interface WorkflowView {
  readonly workflowId: string;
  readonly title: string;
  readonly latestVersion: string;
  readonly versions: readonly WorkflowVersionView[];
}
