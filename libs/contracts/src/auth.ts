/**
 * Who may call the HTTP API (docs/security.md, "HTTP"). Every endpoint but health and OpenAPI needs a
 * bearer credential: a JWT from the configured issuer (OIDC/JWKS, or a local key on one machine) or a
 * service account's API key. Each operation needs one scope; `admin` holds them all.
 */

/** The scopes of the HTTP API, one per kind of operation. */
export const SCOPES = {
  /** Start runs (`POST /v1/workflows/{id}/runs`). */
  runsStart: 'runs:start',
  /** Read runs, their events, traces, checkpoints, state, diffs, gates and statistics. */
  runsRead: 'runs:read',
  /** Operate runs: retry, skip, revise, cancel, fork. */
  runsOperate: 'runs:operate',
  /** Decide gates (and read the gates one may decide); the gate must also name the caller. */
  gatesDecide: 'gates:decide',
  /** Export a run's hash-chained audit trail. */
  auditRead: 'audit:read',
  /** Apply workflow definitions and policy packs. */
  workflowsWrite: 'workflows:write',
  /** Everything above, plus service accounts. */
  admin: 'admin',
} as const;

export type Scope = (typeof SCOPES)[keyof typeof SCOPES];

/** Every scope, in the order of {@link SCOPES}. */
export const ALL_SCOPES: readonly Scope[] = Object.values(SCOPES);

/** `aud` the gateway expects of bearer JWTs unless `LEDGERFLOW_AUTH_AUDIENCE` says otherwise. */
export const DEFAULT_AUTH_AUDIENCE = 'ledgerflow-api';

/** `iss` of tokens signed with the local key unless `LEDGERFLOW_AUTH_ISSUER` says otherwise. */
export const DEFAULT_AUTH_ISSUER = 'ledgerflow';

/**
 * A caller as authenticated: a human (a JWT's `sub`) or a service account (its id, from an API key or a
 * client-credentials JWT whose `sub` starts with `svc:`). `roles` and `teams` are what gates match
 * reviewers against; `scopes` what the API authorizes.
 */
export interface Principal {
  readonly kind: 'human' | 'service';
  readonly id: string;
  readonly scopes: readonly Scope[];
  readonly roles?: readonly string[];
  readonly teams?: readonly string[];
}

/** Prefix of service account API keys: `lfk_<accountId>_<secret>`. */
export const API_KEY_PREFIX = 'lfk_';
