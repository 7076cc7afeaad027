import type { KeyObject } from 'node:crypto';
import { SignJWT, importPKCS8 } from 'jose';
import { GRANT_ISSUER, grantAudience } from '@ledgerflow/contracts';
import type { PolicyEvaluateRequest } from '@ledgerflow/contracts';
import type { PolicyDecision } from '@ledgerflow/domain';
import { grantSigningKeyOf } from './grant-key.js';

type WebKey = Awaited<ReturnType<typeof importPKCS8>>;

/**
 * Signs step-scoped grants (libs/contracts grants.ts): a JWT, alg EdDSA (Ed25519), with claims `iss`
 * `ledgerflow-policy`, `sub` the agent, `aud` `lf.tool.<tool>.<action>`, `run`, `step`, `attempt`,
 * `tool`, `action`, `jti` the decision's audit id, `iat` now and `exp` now + TTL (seconds).
 * Workers verify it with the public key (`LEDGERFLOW_GRANT_VERIFY_KEY`).
 */
export class GrantSigner {
  private webKey?: Promise<WebKey>;

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

  private readonly key: KeyObject;

  /** The grant for an allowed step attempt. */
  async sign(request: PolicyEvaluateRequest, decision: PolicyDecision): Promise<string> {
    // jose signs fastest with a WebCrypto key; import it once from the validated PKCS#8 key.
    this.webKey ??= importPKCS8(this.key.export({ format: 'pem', type: 'pkcs8' }).toString(), 'EdDSA');
    const iat = Math.floor(this.nowMs() / 1000);
    return new SignJWT({ run: request.runId, step: request.stepId, attempt: request.attempt, tool: request.tool, action: request.action })
      .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT' })
      .setIssuer(GRANT_ISSUER)
      .setSubject(request.agent)
      .setAudience(grantAudience(request.tool, request.action))
      .setJti(decision.auditId)
      .setIssuedAt(iat)
      .setExpirationTime(iat + this.ttlSeconds)
      .sign(await this.webKey);
  }
}
