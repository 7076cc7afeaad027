import { createPublicKey, type KeyObject } from 'node:crypto';
import { SignJWT, calculateJwkThumbprint, exportJWK, importPKCS8 } from 'jose';
import { GRANT_ISSUER, grantAudience } from '@ledgerflow/contracts';
import type { PolicyDecision } from '@ledgerflow/domain';
import { grantSigningKeyOf } from './grant-key.js';

type WebKey = Awaited<ReturnType<typeof importPKCS8>>;

/** What a grant is scoped to: taken from the run's events, except `digest` (computed by the executor). */
export interface GrantScope {
  readonly runId: string;
  readonly stepId: string;
  readonly attempt: number;
  /** The agent the plan assigns to the step (`sub`). */
  readonly agent: string;
  readonly tool: string;
  readonly action: string;
  /** The idempotency key `<run>/<step>/<attempt>` (`key`). */
  readonly idempotencyKey: string;
  /** `sha256:<hex>` of the input as the tool receives it (`digest`). */
  readonly inputDigest: string;
}

/**
 * Signs step-scoped grants (libs/contracts grants.ts): a JWT, alg EdDSA (Ed25519), with claims `iss`
 * `ledgerflow-policy`, `sub` the agent, `aud` `lf.tool.<tool>.<action>`, `run`, `step`, `attempt`,
 * `tool`, `action`, `key` the idempotency key, `digest` the input digest, `jti` the decision's audit id,
 * `iat` now and `exp` now + TTL (seconds); protected header `kid`: the RFC 7638 thumbprint (SHA-256) of the
 * public key, so workers holding several verify keys during a rotation pick the right one
 * (`LEDGERFLOW_GRANT_VERIFY_KEY`).
 */
export class GrantSigner {
  private webKey?: Promise<WebKey>;
  private keyId?: Promise<string>;
  private readonly key: KeyObject;

  /**
   * @param pem `LEDGERFLOW_GRANT_SIGNING_KEY` (checked here, synchronously).
   * @param ttlSeconds grant lifetime.
   * @param nowMs the clock, milliseconds since the epoch.
   * @throws Error when the key is not an Ed25519 PKCS#8 PEM.
   */
  constructor(
    pem: string,
    readonly ttlSeconds: number,
    private readonly nowMs: () => number = Date.now,
  ) {
    this.key = grantSigningKeyOf(pem);
  }

  /** The grant for a step attempt the run's events let run now. */
  async sign(scope: GrantScope, decision: PolicyDecision): Promise<string> {
    // jose signs fastest with a WebCrypto key; import it once from the validated PKCS#8 key.
    this.webKey ??= importPKCS8(this.key.export({ format: 'pem', type: 'pkcs8' }).toString(), 'EdDSA');
    this.keyId ??= exportJWK(createPublicKey(this.key)).then((jwk) => calculateJwkThumbprint(jwk, 'sha256'));
    const iat = Math.floor(this.nowMs() / 1000);
    const { runId, stepId, attempt, tool, action, idempotencyKey, inputDigest } = scope;
    return new SignJWT({ run: runId, step: stepId, attempt, tool, action, key: idempotencyKey, digest: inputDigest })
      .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT', kid: await this.keyId })
      .setIssuer(GRANT_ISSUER)
      .setSubject(scope.agent)
      .setAudience(grantAudience(tool, action))
      .setJti(decision.auditId)
      .setIssuedAt(iat)
      .setExpirationTime(iat + this.ttlSeconds)
      .sign(await this.webKey);
  }
}
