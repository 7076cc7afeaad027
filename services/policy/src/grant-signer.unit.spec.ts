import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { SignJWT, calculateJwkThumbprint, errors, exportJWK, importPKCS8, jwtVerify } from 'jose';
import { GRANT_ISSUER, grantAudience } from '@ledgerflow/contracts';
import type { PolicyDecision } from '@ledgerflow/domain';
import { grantSigningKeyOf } from './grant-key.js';
import { GrantSigner } from './grant-signer.js';
import type { GrantScope } from './grant-signer.js';
import { DIGEST, grantKeys } from './policy.spec-util.js';

const scope: GrantScope = {
  runId: 'run-7',
  stepId: 'payout',
  attempt: 2,
  agent: 'payout-agent',
  tool: 'billing',
  action: 'payout',
  idempotencyKey: 'run-7/payout/2',
  inputDigest: DIGEST,
};

const decision: PolicyDecision = {
  outcome: 'allow',
  rules: [],
  rationale: 'ok',
  auditId: 'aud-0123456789abcdef0123456789abcdef',
};
const NOW_MS = 1_780_000_000_000;

describe('GrantSigner', () => {
  const keys = grantKeys();
  const publicKey = createPublicKey(keys.publicPem);

  it('signs an EdDSA JWT with the GrantClaims a worker verifies with the public key', async () => {
    const token = await new GrantSigner(keys.privatePem, 300, () => NOW_MS).sign(scope, decision);
    const { payload, protectedHeader } = await jwtVerify(token, publicKey, {
      issuer: GRANT_ISSUER,
      audience: 'lf.tool.billing.payout',
      currentDate: new Date(NOW_MS + 1_000),
    });
    expect(protectedHeader).toEqual({
      alg: 'EdDSA',
      typ: 'JWT',
      kid: await calculateJwkThumbprint(await exportJWK(publicKey), 'sha256'),
    });
    expect(payload).toEqual({
      iss: 'ledgerflow-policy',
      sub: 'payout-agent',
      aud: 'lf.tool.billing.payout',
      run: 'run-7',
      step: 'payout',
      attempt: 2,
      tool: 'billing',
      action: 'payout',
      key: 'run-7/payout/2',
      digest: DIGEST,
      jti: decision.auditId,
      iat: NOW_MS / 1000,
      exp: NOW_MS / 1000 + 300,
    });
  });

  it("gives byte for byte the token jose's SignJWT gives for the same claims, header and key (the wire format)", async () => {
    const signer = new GrantSigner(keys.privatePem, 300, () => NOW_MS);
    const iat = NOW_MS / 1000;
    for (const variant of [
      scope,
      { ...scope, runId: 'run-ü "quoted"', stepId: 's/01', attempt: 17, agent: 'agent\\x' },
    ]) {
      const { runId, stepId, attempt, tool, action, idempotencyKey, inputDigest } = variant;
      const expected = await new SignJWT({
        run: runId,
        step: stepId,
        attempt,
        tool,
        action,
        key: idempotencyKey,
        digest: inputDigest,
      })
        .setProtectedHeader({
          alg: 'EdDSA',
          typ: 'JWT',
          kid: await calculateJwkThumbprint(await exportJWK(publicKey), 'sha256'),
        })
        .setIssuer(GRANT_ISSUER)
        .setSubject(variant.agent)
        .setAudience(grantAudience(tool, action))
        .setJti(decision.auditId)
        .setIssuedAt(iat)
        .setExpirationTime(iat + 300)
        .sign(await importPKCS8(keys.privatePem, 'EdDSA'));
      expect(signer.sign(variant, decision)).toBe(expected);
    }
  });

  it('expires after the TTL', async () => {
    const token = await new GrantSigner(keys.privatePem, 60, () => NOW_MS).sign(scope, decision);
    await expect(jwtVerify(token, publicKey, { currentDate: new Date(NOW_MS + 59_000) })).resolves.toBeDefined();
    await expect(jwtVerify(token, publicKey, { currentDate: new Date(NOW_MS + 61_000) })).rejects.toBeInstanceOf(
      errors.JWTExpired,
    );
  });

  it('is refused under another key and for another tool action', async () => {
    const token = await new GrantSigner(keys.privatePem, 300, () => NOW_MS).sign(scope, decision);
    const other = createPublicKey(grantKeys().publicPem);
    const at = { currentDate: new Date(NOW_MS) };
    await expect(jwtVerify(token, other, at)).rejects.toBeInstanceOf(errors.JWSSignatureVerificationFailed);
    await expect(jwtVerify(token, publicKey, { ...at, audience: 'lf.tool.billing.refund' })).rejects.toBeInstanceOf(
      errors.JWTClaimValidationFailed,
    );
  });

  it('accepts a key written on one line with \\n escapes', async () => {
    const oneLine = keys.privatePem.trim().split('\n').join('\\n');
    const token = await new GrantSigner(oneLine, 300, () => NOW_MS).sign(scope, decision);
    await expect(jwtVerify(token, publicKey, { currentDate: new Date(NOW_MS) })).resolves.toBeDefined();
  });
});

describe('grantSigningKeyOf', () => {
  it.each([
    ['text that is no key', 'not a key', 'must be an Ed25519 private key in PKCS#8 PEM'],
    [
      'an RSA key',
      generateKeyPairSync('rsa', { modulusLength: 1024 })
        .privateKey.export({ format: 'pem', type: 'pkcs8' })
        .toString(),
      'must be an Ed25519 private key, not rsa',
    ],
    ['a public key', grantKeys().publicPem, 'must be an Ed25519 private key in PKCS#8 PEM'],
  ])('refuses %s without quoting it', (_label, pem, message) => {
    let error: Error | undefined;
    try {
      grantSigningKeyOf(pem);
    } catch (e) {
      error = e as Error;
    }
    expect(error?.message).toContain(message);
    expect(error?.message).not.toContain(pem.trim().split('\n')[1] ?? pem);
  });
});
