import type { Actor } from './metadata.js';

/**
 * Policy packs as events (docs/policies.md, "Applying packs"): one stream per pack, `policypack-<name>`, holding one
 * `PolicyPackVersionRegistered` per version. Versions are immutable; the policy service is the one writer and
 * decides with the highest version (semver) of every pack.
 */

/** Event type: a version of a policy pack was registered. */
export const POLICY_PACK_VERSION_REGISTERED = 'PolicyPackVersionRegistered';

/** Prefix of every policy pack stream id (the stream category `policypack`). */
export const POLICY_PACK_STREAM_PREFIX = 'policypack-';

/** Stream category of pack streams, as relayed events name it (`lf.evt.policypack.<streamId>.<EventType>`). */
export const POLICY_PACK_CATEGORY = 'policypack';

/** Stream id of a pack's versions. */
export const policyPackStreamId = (pack: string): string => `${POLICY_PACK_STREAM_PREFIX}${pack}`;

/** Where a registered version came from: the HTTP API / CLI, or a directory of `LEDGERFLOW_POLICY_DIRS`. */
export type PolicyPackSource = 'api' | 'directory';

/**
 * Data of `PolicyPackVersionRegistered`.
 * - `pack`, `version`: the pack's name (`^[a-z][a-z0-9-]{0,62}$`) and `MAJOR.MINOR.PATCH`, as its files declare them.
 * - `files`: file name -> text, the sources exactly as written (`*.cedar`, or one `*.yaml`/`*.yml` obligation pack).
 * - `digest`: `sha256:` + 64 hex digits over the canonical JSON of `files` (keys sorted).
 * - `kind`: `capability | approval | privacy | compliance`, as read from the files.
 * - `registeredBy`: the principal of the verified token (`api`), or the policy service (`directory`).
 */
export interface PolicyPackVersionRegistered {
  readonly pack: string;
  readonly version: string;
  readonly kind: string;
  readonly files: Readonly<Record<string, string>>;
  readonly digest: string;
  readonly source: PolicyPackSource;
  readonly registeredBy: Actor;
}

/**
 * Request on `lf.policy.register-pack` (from the gateway): the pack of the path, the version and files of the body,
 * and the caller's own bearer token (the policy service verifies it and needs `workflows:write`).
 */
export interface RegisterPolicyPackRequest {
  readonly pack: string;
  readonly version: string;
  readonly files: Readonly<Record<string, string>>;
  readonly token: string;
}

/** Answer of `lf.policy.register-pack` and of `PUT /v1/policy-packs/{name}`. `created` false: same version, same digest. */
export interface RegisterPolicyPackResult {
  readonly pack: string;
  readonly version: string;
  readonly digest: string;
  readonly created: boolean;
  /** The version new decisions use (highest by semver): `version` unless a higher one is registered. */
  readonly activeVersion: string;
}

/** One version as `GET /v1/policy-packs/{name}` lists it; `registeredAt` is the store's commit time (ISO-8601 UTC). */
export interface PolicyPackVersionView {
  readonly version: string;
  readonly kind: string;
  readonly digest: string;
  readonly source: PolicyPackSource;
  readonly registeredAt: string;
  readonly registeredBy: Actor;
  readonly files: readonly string[];
}

/** A pack as `GET /v1/policy-packs` lists it: `activeVersion` is the highest by semver precedence. */
export interface PolicyPackSummary {
  readonly pack: string;
  readonly kind: string;
  readonly activeVersion: string;
  readonly versionCount: number;
}

/** The body of `GET /v1/policy-packs/{name}`: versions newest first, the active one's files in full. */
export interface PolicyPackView extends PolicyPackSummary {
  readonly versions: readonly PolicyPackVersionView[];
  readonly files: Readonly<Record<string, string>>;
}

/** A stored event of a `policypack-<name>` stream, as much of it as the fold reads. */
export interface PolicyPackStreamEvent {
  readonly type: string;
  readonly data: unknown;
  /** 0-based revision in its stream. */
  readonly revision: number;
  /** ISO-8601 UTC commit time. */
  readonly recordedAt: string;
}

/** One registered version: the event's data and its commit time. */
export interface RegisteredPackVersion extends PolicyPackVersionRegistered {
  readonly registeredAt: string;
}

/** The versions of one pack: `revision` -1 when it has no stream; `versions` newest first (semver). */
export interface PolicyPackVersions {
  readonly pack: string;
  readonly revision: number;
  readonly versions: readonly RegisteredPackVersion[];
}

/**
 * Precedence of pack versions, which are plain `MAJOR.MINOR.PATCH` (no pre-release or build part, unlike
 * workflow versions): numeric, part by part. Negative, 0 or positive.
 */
export function comparePackVersions(a: string, b: string): number {
  const [x, y] = [a.split('.').map(Number), b.split('.').map(Number)];
  for (let i = 0; i < 3; i += 1) {
    const diff = (x[i] ?? 0) - (y[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

/** The state of a pack with no stream. */
export const initialPolicyPackVersions = (pack: string): PolicyPackVersions => ({ pack, revision: -1, versions: [] });

/** Folds one event of the pack's stream (unknown types only advance the revision). */
export function evolvePolicyPackVersions(state: PolicyPackVersions, event: PolicyPackStreamEvent): PolicyPackVersions {
  if (event.type !== POLICY_PACK_VERSION_REGISTERED) return { ...state, revision: event.revision };
  const data = event.data as PolicyPackVersionRegistered;
  const versions = [
    ...state.versions.filter((v) => v.version !== data.version),
    { ...data, registeredAt: event.recordedAt },
  ];
  versions.sort((a, b) => comparePackVersions(b.version, a.version));
  return { ...state, revision: event.revision, versions };
}

/** Folds a whole stream (or the rest of one onto `state`). */
export function foldPolicyPackVersions(
  pack: string,
  events: Iterable<PolicyPackStreamEvent>,
  state = initialPolicyPackVersions(pack),
): PolicyPackVersions {
  let folded = state;
  for (const event of events) folded = evolvePolicyPackVersions(folded, event);
  return folded;
}

/** The list row of a pack with at least one version, else undefined. */
export function policyPackSummaryOf(state: PolicyPackVersions): PolicyPackSummary | undefined {
  const active = state.versions[0];
  if (active === undefined) return undefined;
  return { pack: state.pack, kind: active.kind, activeVersion: active.version, versionCount: state.versions.length };
}

/** The detail view of a pack with at least one version, else undefined. */
export function policyPackViewOf(state: PolicyPackVersions): PolicyPackView | undefined {
  const summary = policyPackSummaryOf(state);
  const active = state.versions[0];
  if (summary === undefined || active === undefined) return undefined;
  const versions = state.versions.map((v): PolicyPackVersionView => ({
    version: v.version,
    kind: v.kind,
    digest: v.digest,
    source: v.source,
    registeredAt: v.registeredAt,
    registeredBy: v.registeredBy,
    files: Object.keys(v.files).sort(),
  }));
  return { ...summary, versions, files: active.files };
}
