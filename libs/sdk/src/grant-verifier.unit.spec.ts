import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import fc from 'fast-check';
import { SignJWT, calculateJwkThumbprint, exportJWK } from 'jose';
import { canonicalJson } from '@ledgerflow/audit';
import { LedgerflowError } from '@ledgerflow/domain';
import { GRANT_VERIFY_KEY_ENV } from '@ledgerflow/contracts';
import { GRANT_VERIFY_SWITCH_ENV, grantVerifier, grantsFromEnv, type GrantedRequest } from './index.js';
import { signTestGrant, testGrantKeys, type GrantScope } from './grant.spec-util.js';
import { GrantKeyRing, grantPublicKeys } from './grant-keys.js';
import { verifyGrantFast } from './grant-verifier.js';

const keys = testGrantKeys();
const input = { claimId: 'CLM-1', amount: 4_820.5, currency: 'EUR', payee: { iban: 'DE89370400440532013000' } };
const scope: GrantScope = { run: 'run-1', step: 'pay', attempt: 2, tool: 'billing', action: 'payout', input };
const request: GrantedRequest = {
  runId: 'run-1',
  stepId: 'pay',
  attempt: 2,
  idempotencyKey: 'run-1/pay/2',
  input,
  tool: 'billing',
  action: 'payout',
};
const verify = grantVerifier({ publicKey: keys.publicKeyPem });

/** The refusal of `grant` for `req`, checked to be a non-retryable grant_invalid that does not echo the token. */
async function refusal(
  grant: string | undefined,
  req: GrantedRequest = request,
  verifier = verify,
): Promise<LedgerflowError> {
  const error = await verifier(grant, req).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof LedgerflowError)) throw new Error(`expected a LedgerflowError, got ${String(error)}`);
  expect(error.code).toBe('grant_invalid');
  expect(error.retryable).toBe(false);
  if (grant) {
    expect(error.message).not.toContain(grant);
    expect(JSON.stringify(error.details)).not.toContain(grant);
  }
  return error;
}

describe('grantVerifier', () => {
  it('accepts a grant for this step attempt and tool action, and returns its claims', async () => {
    const grant = await signTestGrant(keys.privateKey, scope, { claims: { jti: 'audit-7', sub: 'payer' } });
    await expect(verify(grant, request)).resolves.toMatchObject({
      run: 'run-1',
      step: 'pay',
      attempt: 2,
      tool: 'billing',
      action: 'payout',
      key: 'run-1/pay/2',
      digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
      jti: 'audit-7',
      sub: 'payer',
      iss: 'ledgerflow-policy',
      aud: 'lf.tool.billing.payout',
    });
    await expect(
      verify(grant, {
        ...request,
        idempotencyKeyHeader: 'run-1/pay/2',
        input: JSON.parse(
          JSON.stringify({ payee: input.payee, currency: 'EUR', amount: input.amount, claimId: input.claimId }),
        ),
      }),
    ).resolves.toBeDefined();
    await expect(grantVerifier({ publicKey: keys.publicKey })(grant, request)).resolves.toMatchObject({
      jti: 'audit-7',
    });
  });

  it('refuses a missing grant', async () => {
    for (const grant of [undefined, '', '  ']) {
      const error = await refusal(grant);
      expect(error.details).toMatchObject({ reason: 'missing' });
      expect(error.message).toBe(
        'grant missing: lf.tool.billing.payout requires an lf-grant header signed by the policy service',
      );
    }
  });

  it('refuses an expired grant, allowing the clock tolerance', async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = await refusal(
      await signTestGrant(keys.privateKey, scope, { issuedAt: now - 400, ttlSeconds: 300 }),
    );
    expect(expired.details).toMatchObject({ reason: 'expired', claim: 'exp' });
    expect(expired.message).toMatch(/^grant expired at \d{4}-.*Z \(now .*, clock tolerance 5 s\)$/);
    const justExpired = await signTestGrant(keys.privateKey, scope, { issuedAt: now - 302, ttlSeconds: 300 });
    await expect(verify(justExpired, request)).resolves.toMatchObject({ run: 'run-1' });
    await refusal(justExpired, request, grantVerifier({ publicKey: keys.publicKeyPem, clockToleranceSeconds: 0 }));
  });

  it('refuses a grant signed by another key, or with another algorithm', async () => {
    const forged = await refusal(await signTestGrant(testGrantKeys().privateKey, scope));
    expect(forged.details).toEqual({ reason: 'bad_signature' });
    expect(forged.message).toContain('signature does not verify');
    const hs256 = await new SignJWT({ ...scope })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('ledgerflow-policy')
      .setAudience('lf.tool.billing.payout')
      .setSubject('a')
      .setJti('j')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(new Uint8Array(32));
    expect((await refusal(hs256)).details).toEqual({ reason: 'wrong_algorithm' });
  });

  it('refuses a grant for another tool action, naming both audiences', async () => {
    const grant = await signTestGrant(keys.privateKey, { ...scope, action: 'quote' });
    const error = await refusal(grant);
    expect(error.details).toEqual({
      reason: 'wrong_audience',
      claim: 'aud',
      expected: 'lf.tool.billing.payout',
      actual: 'lf.tool.billing.quote',
    });
    expect(error.message).toBe(
      'grant audience is "lf.tool.billing.quote", this worker serves "lf.tool.billing.payout"',
    );
    const toolClaim = await refusal(await signTestGrant(keys.privateKey, scope, { claims: { tool: 'crm' } }));
    expect(toolClaim.details).toEqual({ reason: 'out_of_scope', claim: 'tool', expected: 'billing', actual: 'crm' });
  });

  it.each([
    ['run', 'run-2', 'runId', 'run-1'],
    ['step', 'refund', 'stepId', 'pay'],
    ['attempt', 1, 'attempt', 2],
  ] as const)('refuses a grant whose %s claim is another step attempt', async (claim, value, field, expected) => {
    const error = await refusal(await signTestGrant(keys.privateKey, scope, { claims: { [claim]: value } }));
    expect(error.details).toEqual({ reason: 'out_of_scope', claim, expected, actual: value });
    expect(error.message).toBe(
      `grant out of scope: claim ${claim} is ${JSON.stringify(value)}, the request's ${field} is ${JSON.stringify(expected)}`,
    );
  });

  it('refuses a grant from another issuer, without a required claim, or that is not a JWT', async () => {
    expect(
      (await refusal(await signTestGrant(keys.privateKey, scope, { claims: { iss: 'someone' } }))).details,
    ).toEqual({ reason: 'wrong_issuer', claim: 'iss', expected: 'ledgerflow-policy', actual: 'someone' });
    const noJti = await refusal(await signTestGrant(keys.privateKey, scope, { claims: { jti: undefined } }));
    expect(noJti.details).toEqual({ reason: 'malformed', claim: 'jti' });
    expect(
      (await refusal(await signTestGrant(keys.privateKey, scope, { claims: { attempt: undefined } }))).details,
    ).toMatchObject({ reason: 'out_of_scope', claim: 'attempt', actual: null });
    expect((await refusal('not.a-jwt')).details).toMatchObject({ reason: 'malformed' });
  });

  it('refuses a grant replayed under another idempotency key (body or lf-idempotency-key header): key_mismatch', async () => {
    const grant = await signTestGrant(keys.privateKey, scope);
    const body = await refusal(grant, { ...request, idempotencyKey: 'run-1/pay/2-replay' });
    expect(body.details).toEqual({
      reason: 'key_mismatch',
      claim: 'key',
      expected: 'run-1/pay/2-replay',
      actual: 'run-1/pay/2',
    });
    const header = await refusal(grant, { ...request, idempotencyKeyHeader: 'run-1/pay/3' });
    expect(header.details).toMatchObject({ reason: 'key_mismatch', expected: 'run-1/pay/3' });
    expect(header.message).toContain('lf-idempotency-key header');
  });

  it('refuses a grant replayed with another input: input_mismatch, never echoing the input', async () => {
    const grant = await signTestGrant(keys.privateKey, scope);
    const error = await refusal(grant, { ...request, input: { ...input, amount: 48_205 } });
    expect(error.details).toMatchObject({ reason: 'input_mismatch', claim: 'digest' });
    expect(JSON.stringify(error)).not.toContain('DE89370400440532013000');
    expect(error.message).not.toContain('48205');
  });

  it('refuses a grant without key or digest claims (signed before grants bound them)', async () => {
    for (const claim of ['key', 'digest']) {
      expect(
        (await refusal(await signTestGrant(keys.privateKey, scope, { claims: { [claim]: undefined } }))).details,
      ).toEqual({ reason: 'malformed', claim });
    }
  });

  it('property: any change of the input or of the idempotency key is refused, the same ones accepted', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.jsonValue(),
        fc.jsonValue(),
        fc.string({ minLength: 1 }),
        async (signed, received, suffix) => {
          const grant = await signTestGrant(keys.privateKey, { ...scope, input: signed });
          const outcome = await verify(grant, { ...request, input: received }).then(
            () => 'accepted',
            (e: LedgerflowError) => e.details?.reason,
          );
          expect(outcome).toBe(canonicalJson(signed) === canonicalJson(received) ? 'accepted' : 'input_mismatch');
          await expect(verify(grant, { ...request, input: signed })).resolves.toBeDefined();
          const replayed = await verify(grant, {
            ...request,
            input: signed,
            idempotencyKey: `run-1/pay/2${suffix}`,
          }).then(
            () => 'accepted',
            (e: LedgerflowError) => e.details?.reason,
          );
          expect(replayed).toBe('key_mismatch');
        },
      ),
      { numRuns: 60 },
    );
  });

  it("during a key rotation verifies with the key whose thumbprint is the grant's kid", async () => {
    const next = testGrantKeys();
    const both = grantVerifier({ publicKey: `${keys.publicKeyPem}\n${next.publicKeyPem}`.replace(/\n/g, '\\n') });
    const kidOf = async (key: KeyObject) => calculateJwkThumbprint(await exportJWK(key), 'sha256');
    for (const signer of [keys, next]) {
      const grant = await signTestGrant(signer.privateKey, scope, { kid: await kidOf(signer.publicKey) });
      await expect(both(grant, request)).resolves.toMatchObject({ run: 'run-1' });
      await expect(both(await signTestGrant(signer.privateKey, scope), request)).resolves.toMatchObject({
        run: 'run-1',
      });
    }
    const stranger = testGrantKeys();
    const unknown = await refusal(
      await signTestGrant(stranger.privateKey, scope, { kid: await kidOf(stranger.publicKey) }),
      request,
      both,
    );
    expect(unknown.details).toMatchObject({ reason: 'bad_signature', kid: await kidOf(stranger.publicKey) });
    const lying = await refusal(
      await signTestGrant(stranger.privateKey, scope, { kid: await kidOf(next.publicKey) }),
      request,
      both,
    );
    expect(lying.details).toEqual({ reason: 'bad_signature' });
  });

  it('refuses at once a key that is not a public Ed25519 key', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 })
      .publicKey.export({ type: 'spki', format: 'pem' })
      .toString();
    for (const publicKey of ['not a pem', rsa, keys.privateKey]) {
      expect(() => grantVerifier({ publicKey })).toThrow(expect.objectContaining({ code: 'grant_key_invalid' }));
    }
  });
});

/** The grant with one character in the middle of its signature changed. */
const tamperedSignature = (grant: string): string => {
  const at = grant.lastIndexOf('.') + 10;
  return `${grant.slice(0, at)}${grant[at] === 'A' ? 'B' : 'A'}${grant.slice(at + 1)}`;
};

describe('verifyGrantFast (the synchronous path of grantVerifier)', () => {
  const ring = new GrantKeyRing(grantPublicKeys(keys.publicKeyPem));
  const fast = (grant: string, audience = 'lf.tool.billing.payout', tolerance = 5) =>
    verifyGrantFast(grant, ring, audience, tolerance);

  it('accepts a grant the policy service signs (with or without kid), with the claims jose returns', async () => {
    const kid = await calculateJwkThumbprint(await exportJWK(keys.publicKey), 'sha256');
    for (const grant of [
      await signTestGrant(keys.privateKey, scope),
      await signTestGrant(keys.privateKey, scope, { kid }),
    ]) {
      expect(fast(grant)).toEqual(await verify(grant, request));
    }
    const webKey = await crypto.subtle.importKey(
      'spki',
      keys.publicKey.export({ type: 'spki', format: 'der' }),
      { name: 'Ed25519' },
      false,
      ['verify'],
    );
    expect(
      verifyGrantFast(
        await signTestGrant(keys.privateKey, scope, { kid }),
        new GrantKeyRing([webKey]),
        'lf.tool.billing.payout',
        5,
      ),
    ).toMatchObject({ run: 'run-1' });
  });

  it('leaves every grant jose refuses to jose (undefined), so refusals keep their reasons', async () => {
    const now = Math.floor(Date.now() / 1000);
    const hs256 = await new SignJWT({ ...scope })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('ledgerflow-policy')
      .setAudience('lf.tool.billing.payout')
      .setSubject('a')
      .setJti('j')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(new Uint8Array(32));
    const good = await signTestGrant(keys.privateKey, scope);
    const refused = [
      await signTestGrant(keys.privateKey, scope, { issuedAt: now - 400, ttlSeconds: 300 }),
      await signTestGrant(keys.privateKey, scope, { claims: { nbf: now + 60 } }),
      await signTestGrant(keys.privateKey, scope, { claims: { iat: 'yesterday' } }),
      await signTestGrant(testGrantKeys().privateKey, scope),
      await signTestGrant(keys.privateKey, scope, { kid: 'another-key' }),
      await signTestGrant(keys.privateKey, scope, { claims: { iss: 'someone' } }),
      await signTestGrant(keys.privateKey, scope, { claims: { aud: ['lf.tool.billing.quote'] } }),
      ...(['jti', 'sub', 'key', 'digest', 'exp', 'iat', 'aud', 'iss'] as const).map((claim) =>
        signTestGrant(keys.privateKey, scope, { claims: { [claim]: undefined } }),
      ),
      hs256,
      'not.a-jwt',
      `${good}.x`,
      tamperedSignature(good),
      `${good.split('.')[0]}.e30.${good.split('.')[2]}`,
    ];
    for (const grant of await Promise.all(refused)) expect(fast(grant)).toBeUndefined();
    expect(fast(good, 'lf.tool.billing.quote')).toBeUndefined();
    expect(
      fast(await signTestGrant(keys.privateKey, scope, { claims: { aud: ['x', 'lf.tool.billing.payout'] } })),
    ).toMatchObject({ run: 'run-1' });
  });
});

describe('grantsFromEnv', () => {
  it('requires the verify key unless verification is switched off', () => {
    expect(grantsFromEnv({ [GRANT_VERIFY_KEY_ENV]: keys.publicKeyPem })).toEqual({ publicKey: keys.publicKeyPem });
    expect(grantsFromEnv({ [GRANT_VERIFY_SWITCH_ENV]: 'off' })).toBe('disabled');
    expect(() => grantsFromEnv({})).toThrow(`${GRANT_VERIFY_KEY_ENV} is required`);
    expect(() => grantsFromEnv({ [GRANT_VERIFY_SWITCH_ENV]: 'on', [GRANT_VERIFY_KEY_ENV]: ' ' })).toThrow(
      expect.objectContaining({ code: 'config_invalid' }),
    );
    expect(() => grantsFromEnv({ [GRANT_VERIFY_SWITCH_ENV]: 'no', [GRANT_VERIFY_KEY_ENV]: keys.publicKeyPem })).toThrow(
      'LEDGERFLOW_GRANT_VERIFY must be on or off, got "no"',
    );
    expect(() => grantsFromEnv({ [GRANT_VERIFY_KEY_ENV]: 'garbage' })).toThrow(
      `${GRANT_VERIFY_KEY_ENV}: grant verify key is not an SPKI PEM public key`,
    );
  });
});
