import { WORKFLOW_VERSION_REGISTERED } from '@ledgerflow/contracts';
import type {
  WorkflowSummary,
  WorkflowVersionRegistered,
  WorkflowVersionView,
  WorkflowView,
} from '@ledgerflow/contracts';
import { LedgerflowError } from '@ledgerflow/domain';
import { compareSemver } from './semver.js';

/** A stored event of a `workflow-<id>` stream, as much of it as the fold reads. */
export interface WorkflowStreamEvent {
  readonly type: string;
  readonly data: unknown;
  /** 0-based revision in its stream. */
  readonly revision: number;
  /** ISO-8601 UTC commit time. */
  readonly recordedAt: string;
}

/** One registered version: the event's data and its commit time. */
export interface RegisteredVersion extends WorkflowVersionRegistered {
  readonly registeredAt: string;
}

/**
 * The versions of one workflow, folded from its stream. `revision` is the stream's last revision (-1: no
 * stream yet), the expected revision of the next append; `versions` newest first by semver precedence.
 */
export interface WorkflowVersions {
  readonly workflowId: string;
  readonly revision: number;
  readonly versions: readonly RegisteredVersion[];
}

/** A version someone asks to register (the event's data). */
export type VersionCandidate = WorkflowVersionRegistered;

/**
 * `workflowId@version` is registered already with another digest: versions are immutable (a run keeps the
 * version it started with), so a changed definition needs a new version. Not retryable; HTTP 409.
 * Details `{ workflowId, version, field: '/version', rule: 'immutable_version', digest, registeredDigest }`.
 */
export class WorkflowVersionExistsError extends LedgerflowError {
  constructor(candidate: VersionCandidate, registered: RegisteredVersion) {
    super(
      'workflow_version_exists',
      `${candidate.workflowId}@${candidate.version} is registered already (${registered.source}, ${registered.registeredAt}) with other content (digest ${registered.digest}); versions are immutable: give the changed definition a new version`,
      false,
      {
        workflowId: candidate.workflowId,
        version: candidate.version,
        field: '/version',
        rule: 'immutable_version',
        digest: candidate.digest,
        registeredDigest: registered.digest,
      },
    );
  }
}

/** The state of a workflow with no stream. */
export const initialWorkflowVersions = (workflowId: string): WorkflowVersions => ({
  workflowId,
  revision: -1,
  versions: [],
});

/** Folds one event of the workflow's stream (unknown types only advance the revision). */
export function evolveWorkflowVersions(state: WorkflowVersions, event: WorkflowStreamEvent): WorkflowVersions {
  if (event.type !== WORKFLOW_VERSION_REGISTERED) return { ...state, revision: event.revision };
  const data = event.data as WorkflowVersionRegistered;
  const versions = [
    ...state.versions.filter((v) => v.version !== data.version),
    { ...data, registeredAt: event.recordedAt },
  ];
  versions.sort((a, b) => compareSemver(b.version, a.version));
  return { ...state, revision: event.revision, versions };
}

/** Folds a whole stream (or the rest of one onto `state`). */
export const foldWorkflowVersions = (
  workflowId: string,
  events: Iterable<WorkflowStreamEvent>,
  state = initialWorkflowVersions(workflowId),
): WorkflowVersions => {
  let folded = state;
  for (const event of events) folded = evolveWorkflowVersions(folded, event);
  return folded;
};

/**
 * The events that register `candidate`: one `WorkflowVersionRegistered`, or none when the same version is
 * registered with the same digest (registering is idempotent).
 * @throws WorkflowVersionExistsError `workflow_version_exists` for the same version with another digest.
 */
export function decideRegistration(state: WorkflowVersions, candidate: VersionCandidate): WorkflowVersionRegistered[] {
  const registered = state.versions.find((v) => v.version === candidate.version);
  if (registered === undefined) return [candidate];
  if (registered.digest === candidate.digest) return [];
  throw new WorkflowVersionExistsError(candidate, registered);
}

const titleOf = (version: RegisteredVersion): string => {
  const title = version.definition['title'];
  return typeof title === 'string' ? title : version.workflowId;
};

/** The list row of a workflow with at least one version (title of the latest), else undefined. */
export function workflowSummaryOf(state: WorkflowVersions): WorkflowSummary | undefined {
  const latest = state.versions[0];
  if (latest === undefined) return undefined;
  return {
    workflowId: state.workflowId,
    title: titleOf(latest),
    latestVersion: latest.version,
    versionCount: state.versions.length,
  };
}

/** The detail view of a workflow with at least one version, else undefined. */
export function workflowViewOf(state: WorkflowVersions): WorkflowView | undefined {
  const summary = workflowSummaryOf(state);
  if (summary === undefined) return undefined;
  const versions = state.versions.map((v): WorkflowVersionView => ({
    version: v.version,
    digest: v.digest,
    source: v.source,
    registeredAt: v.registeredAt,
    registeredBy: v.registeredBy,
    title: titleOf(v),
  }));
  return { workflowId: summary.workflowId, title: summary.title, latestVersion: summary.latestVersion, versions };
}
