import { SignJWT } from 'jose';
import type { JWTPayload } from 'jose';
import { LedgerflowError } from '@ledgerflow/domain';
import { ReviewerAuth } from './reviewer-auth.js';

const SECRET = 'a-test-secret-of-at-least-32-characters!';
const ISSUER = 'ledgerflow';
const key = (secret: string): Uint8Array => new TextEncoder().encode(secret);

async function token(options: { sub?: string; issuer?: string; secret?: string; expiresAt?: number; alg?: string; claims?: JWTPayload } = {}): Promise<string> {
  const jwt = new SignJWT(options.claims ?? {}).setProtectedHeader({ alg: options.alg ?? 'HS256' }).setIssuedAt().setIssuer(options.issuer ?? ISSUER);
  if (options.sub !== undefined) jwt.setSubject(options.sub);
  jwt.setExpirationTime(options.expiresAt ?? Math.floor(Date.now() / 1000) + 600);
  return jwt.sign(key(options.secret ?? SECRET));
}

async function refusal(promise: Promise<unknown>): Promise<LedgerflowError> {
  try {
    await promise;
  } catch (error) {
    return error as LedgerflowError;
  }
  throw new Error('expected the token to be refused');
}

describe('ReviewerAuth', () => {
  const auth = new ReviewerAuth(SECRET, ISSUER);

  it('a valid HS256 token makes the reviewer a human actor named by sub', async () => {
    expect(await auth.authenticate(`Bearer ${await token({ sub: 'claims-lead' })}`)).toEqual({ kind: 'human', id: 'claims-lead' });
  });

  it('accepts the scheme in any case', async () => {
    expect(await auth.authenticate(`bearer ${await token({ sub: 'alice' })}`)).toEqual({ kind: 'human', id: 'alice' });
  });

  it.each([['no header', undefined], ['an empty header', ''], ['another scheme', 'Basic YWxpY2U6c2VjcmV0'], ['no token', 'Bearer ']])(
    'refuses %s as unauthorized, saying how to send a token',
    async (_label, header) => {
      const error = await refusal(auth.authenticate(header));
      expect(error).toBeInstanceOf(LedgerflowError);
      expect(error.code).toBe('unauthorized');
      expect(error.message).toContain('Authorization: Bearer <JWT>');
    },
  );

  it.each([
    ['signed with another secret', { sub: 'alice', secret: 'another-secret-of-at-least-32-characters' }],
    ['from another issuer', { sub: 'alice', issuer: 'someone-else' }],
    ['expired', { sub: 'alice', expiresAt: Math.floor(Date.now() / 1000) - 60 }],
    ['without sub', {}],
    ['signed with HS512', { sub: 'alice', alg: 'HS512' }],
  ])('refuses a token %s as unauthorized', async (_label, options) => {
    const error = await refusal(auth.authenticate(`Bearer ${await token(options)}`));
    expect(error.code).toBe('unauthorized');
    expect(error.message).toMatch(/^invalid bearer token: /);
  });

  it('refuses a string that is not a JWT', async () => {
    expect((await refusal(auth.authenticate('Bearer not.a.jwt'))).code).toBe('unauthorized');
  });
});

describe('ReviewerAuth roles and teams', () => {
  const auth = new ReviewerAuth(SECRET, ISSUER);

  it('passes the roles and teams claims with the reviewer', async () => {
    const header = `Bearer ${await token({ sub: 'bo', claims: { roles: ['claims-lead'], teams: ['payments', 'claims'] } })}`;
    expect(await auth.authenticate(header)).toEqual({ kind: 'human', id: 'bo', roles: ['claims-lead'], teams: ['payments', 'claims'] });
  });

  it('refuses a roles claim that is not an array of strings', async () => {
    const error = await refusal(auth.authenticate(`Bearer ${await token({ sub: 'bo', claims: { roles: 'claims-lead' } })}`));
    expect(error.code).toBe('unauthorized');
    expect(error.message).toContain('roles claim must be an array of strings');
  });
});
