/**
 * Step-scoped grants (design brief, "Tools"; governance issue): on `allow` the policy service signs a
 * short-lived JWT (EdDSA / Ed25519, `jose`) that lets exactly one step attempt call exactly one tool
 * action. The executor sends it in the `lf-grant` header; a tool worker verifies it before running its
 * handler and refuses a missing, expired, forged or out-of-scope grant with code `grant_invalid`.
 */

/** `iss` of every grant. */
export const GRANT_ISSUER = 'ledgerflow-policy';

/** `aud` of a grant: the tool action it is valid for. */
export const grantAudience = (tool: string, action: string): string => `lf.tool.${tool}.${action}`;

/** Default lifetime of a grant, in seconds (configurable in the policy service). */
export const DEFAULT_GRANT_TTL_SECONDS = 300;

/**
 * The claims of a grant. Times are JWT NumericDates (seconds since the epoch).
 * - `sub`: the agent the step runs as; `aud`: `lf.tool.<tool>.<action>`;
 * - `run`, `step`, `attempt`: the step attempt it is scoped to (matches the tool request and its
 *   idempotency key `<run>/<step>/<attempt>`);
 * - `jti`: the decision's audit id, so a worker's log line links to the recorded decision.
 */
export interface GrantClaims {
  readonly iss: typeof GRANT_ISSUER;
  readonly sub: string;
  readonly aud: string;
  readonly run: string;
  readonly step: string;
  readonly attempt: number;
  readonly tool: string;
  readonly action: string;
  readonly jti: string;
  readonly iat: number;
  readonly exp: number;
}

/** Environment variable holding the policy service's Ed25519 private key (PKCS#8 PEM). */
export const GRANT_SIGNING_KEY_ENV = 'LEDGERFLOW_GRANT_SIGNING_KEY';
/** Environment variable holding the matching public key (SPKI PEM) for tool workers. */
export const GRANT_VERIFY_KEY_ENV = 'LEDGERFLOW_GRANT_VERIFY_KEY';
