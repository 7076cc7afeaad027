/**
 * Step-scoped grants (docs/policies.md, "Grants"; docs/security.md, "Grants"): when the run's events
 * say a step attempt may run now, the policy service signs a short-lived JWT (EdDSA / Ed25519, `jose`) that
 * lets exactly that attempt call exactly one tool action, once, with exactly one input. The executor sends
 * it in the `lf-grant` header; a tool worker verifies it before running its handler (and before its dedupe
 * store) and refuses a missing, expired, forged, out-of-scope or replayed grant with code `grant_invalid`.
 */

import { subjects } from './subjects.js';

/** `iss` of every grant. */
export const GRANT_ISSUER = 'ledgerflow-policy';

/** `aud` of a grant: the tool action it is valid for. */
export const grantAudience = (tool: string, action: string): string => subjects.tool(tool, action);

/** Default lifetime of a grant, in seconds (configurable in the policy service). */
export const DEFAULT_GRANT_TTL_SECONDS = 300;

/**
 * The claims of a grant. Its protected header is `{alg: "EdDSA", typ: "JWT", kid}`, `kid` the RFC 7638 JWK
 * thumbprint (SHA-256, base64url) of the signing key's public key: a worker holding several verify keys
 * (while the signing key is rotated) verifies with the key of that thumbprint. Times are JWT NumericDates (seconds since the epoch).
 * - `sub`: the agent the step runs as (from the run's plan); `aud`: `lf.tool.<tool>.<action>`;
 * - `run`, `step`, `attempt`: the step attempt it is scoped to;
 * - `key`: the tool call's idempotency key `<run>/<step>/<attempt>` (`stepIdempotencyKey` of libs/domain); a worker
 *   refuses the grant when the request's key (body `idempotencyKey` and `lf-idempotency-key` header)
 *   differs (`details.reason` `key_mismatch`), so a grant cannot run the tool under another key;
 * - `digest`: the input digest ({@link INPUT_DIGEST_FORMAT}) of the input exactly as the tool receives it
 *   (after the executor revealed PII tokens); a worker refuses the grant when the digest of the input it
 *   received differs (`input_mismatch`), so a grant cannot run the tool with another input;
 * - `jti`: the decision's audit id, so a worker's log line links to the recorded `StepPolicyEvaluated`.
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
  readonly key: string;
  readonly digest: string;
  readonly jti: string;
  readonly iat: number;
  readonly exp: number;
}

/**
 * How the `digest` claim is written: `sha256:` followed by 64 lower-case hex digits of SHA-256 over the
 * UTF-8 bytes of the input's canonical JSON (RFC 8785 style, `canonicalJson` in `@ledgerflow/audit`;
 * computed by `inputDigestOf` there, the one function the executor and the SDK share).
 */
export const INPUT_DIGEST_FORMAT = /^sha256:[0-9a-f]{64}$/;

/** Environment variable holding the policy service's Ed25519 private key (PKCS#8 PEM). */
export const GRANT_SIGNING_KEY_ENV = 'LEDGERFLOW_GRANT_SIGNING_KEY';
/** Environment variable holding the matching public key (SPKI PEM) for tool workers. */
export const GRANT_VERIFY_KEY_ENV = 'LEDGERFLOW_GRANT_VERIFY_KEY';
