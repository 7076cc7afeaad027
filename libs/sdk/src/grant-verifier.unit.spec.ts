import { generateKeyPairSync } from 'node:crypto';
import { SignJWT } from 'jose';
import { LedgerflowError } from '@ledgerflow/domain';
import { GRANT_VERIFY_KEY_ENV } from '@ledgerflow/contracts';
import { GRANT_VERIFY_SWITCH_ENV, grantVerifier, grantsFromEnv, type GrantedRequest } from './index.js';
import { signTestGrant, testGrantKeys, type GrantScope } from './grant.spec-util.js';

const keys = testGrantKeys();
const scope: GrantScope = { run: 'run-1', step: 'pay', attempt: 2, tool: 'billing', action: 'payout' };
const request: GrantedRequest = { runId: 'run-1', stepId: 'pay', attempt: 2, idempotencyKey: 'run-1/pay/2', input: {}, tool: 'billing', action: 'payout' };
const verify = grantVerifier({ publicKey: keys.publicKeyPem });

/** The refusal of `grant` for `req`, checked to be a non-retryable grant_invalid that does not echo the token. */
async function refusal(grant: string | undefined, req: GrantedRequest = request, verifier = verify): Promise<LedgerflowError> {
  const error = await verifier(grant, req).then(() => undefined, (e: unknown) => e);
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
    await expect(verify(grant, request)).resolves.toMatchObject({ ...scope, jti: 'audit-7', sub: 'payer', iss: 'ledgerflow-policy', aud: 'lf.tool.billing.payout' });
    await expect(grantVerifier({ publicKey: keys.publicKey })(grant, request)).resolves.toMatchObject({ jti: 'audit-7' });
  });

  it('refuses a missing grant', async () => {
    for (const grant of [undefined, '', '  ']) {
      const error = await refusal(grant);
      expect(error.details).toMatchObject({ reason: 'missing' });
      expect(error.message).toBe('grant missing: lf.tool.billing.payout requires an lf-grant header signed by the policy service');
    }
  });

  it('refuses an expired grant, allowing the clock tolerance', async () => {
    const now = Math.floor(Date.now() / 1000);
    const expired = await refusal(await signTestGrant(keys.privateKey, scope, { issuedAt: now - 400, ttlSeconds: 300 }));
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
    const hs256 = await new SignJWT({ ...scope }).setProtectedHeader({ alg: 'HS256' }).setIssuer('ledgerflow-policy')
      .setAudience('lf.tool.billing.payout').setSubject('a').setJti('j').setIssuedAt().setExpirationTime('5m').sign(new Uint8Array(32));
    expect((await refusal(hs256)).details).toEqual({ reason: 'wrong_algorithm' });
  });

  it('refuses a grant for another tool action, naming both audiences', async () => {
    const grant = await signTestGrant(keys.privateKey, { ...scope, action: 'quote' });
    const error = await refusal(grant);
    expect(error.details).toEqual({ reason: 'wrong_audience', claim: 'aud', expected: 'lf.tool.billing.payout', actual: 'lf.tool.billing.quote' });
    expect(error.message).toBe('grant audience is "lf.tool.billing.quote", this worker serves "lf.tool.billing.payout"');
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
    expect(error.message).toBe(`grant out of scope: claim ${claim} is ${JSON.stringify(value)}, the request's ${field} is ${JSON.stringify(expected)}`);
  });

  it('refuses a grant from another issuer, without a required claim, or that is not a JWT', async () => {
    expect((await refusal(await signTestGrant(keys.privateKey, scope, { claims: { iss: 'someone' } }))).details)
      .toEqual({ reason: 'wrong_issuer', claim: 'iss', expected: 'ledgerflow-policy', actual: 'someone' });
    const noJti = await refusal(await signTestGrant(keys.privateKey, scope, { claims: { jti: undefined } }));
    expect(noJti.details).toEqual({ reason: 'malformed', claim: 'jti' });
    expect((await refusal(await signTestGrant(keys.privateKey, scope, { claims: { attempt: undefined } }))).details).toMatchObject({ reason: 'out_of_scope', claim: 'attempt', actual: null });
    expect((await refusal('not.a-jwt')).details).toMatchObject({ reason: 'malformed' });
  });

  it('refuses at once a key that is not a public Ed25519 key', () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    for (const publicKey of ['not a pem', rsa, keys.privateKey]) {
      expect(() => grantVerifier({ publicKey })).toThrow(expect.objectContaining({ code: 'grant_key_invalid' }));
    }
  });
});

describe('grantsFromEnv', () => {
  it('requires the verify key unless verification is switched off', () => {
    expect(grantsFromEnv({ [GRANT_VERIFY_KEY_ENV]: keys.publicKeyPem })).toEqual({ publicKey: keys.publicKeyPem });
    expect(grantsFromEnv({ [GRANT_VERIFY_SWITCH_ENV]: 'off' })).toBe('disabled');
    expect(() => grantsFromEnv({})).toThrow(`${GRANT_VERIFY_KEY_ENV} is required`);
    expect(() => grantsFromEnv({ [GRANT_VERIFY_SWITCH_ENV]: 'on', [GRANT_VERIFY_KEY_ENV]: ' ' })).toThrow(expect.objectContaining({ code: 'config_invalid' }));
    expect(() => grantsFromEnv({ [GRANT_VERIFY_SWITCH_ENV]: 'no', [GRANT_VERIFY_KEY_ENV]: keys.publicKeyPem })).toThrow('LEDGERFLOW_GRANT_VERIFY must be on or off, got "no"');
    expect(() => grantsFromEnv({ [GRANT_VERIFY_KEY_ENV]: 'garbage' })).toThrow(`${GRANT_VERIFY_KEY_ENV}: grant verify key is not an SPKI PEM public key`);
  });
});
