import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { SignJWT, exportJWK } from 'jose';
import { LedgerflowError } from '@ledgerflow/domain';
import { BearerVerifier, bearerTokenOf } from './bearer-verifier.js';

const SECRET = 'a-local-development-secret-of-32-chars!';
const ISSUER = 'https://idp.example.com/';
const AUDIENCE = 'ledgerflow-api';
const hmac = new TextEncoder().encode(SECRET);

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

function token(
  claims: Record<string, unknown> = {},
  options: {
    iss?: string;
    aud?: string | string[];
    exp?: string | number;
    nbf?: string | number;
    sub?: string | null;
  } = {},
) {
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(options.iss ?? ISSUER)
    .setAudience(options.aud ?? AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(options.exp ?? '5m');
  if (options.sub !== null) jwt.setSubject(options.sub ?? 'ana');
  if (options.nbf !== undefined) jwt.setNotBefore(options.nbf);
  return jwt.sign(hmac);
}

async function refusal(promise: Promise<unknown>): Promise<LedgerflowError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof LedgerflowError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

const reason = async (promise: Promise<unknown>) => {
  const error = await refusal(promise);
  return `${error.code}/${String(error.details.reason)}`;
};

describe('BearerVerifier with a local HS256 key', () => {
  const verifier = new BearerVerifier({
    keys: { secret: SECRET },
    issuer: ISSUER,
    audience: AUDIENCE,
    clockToleranceSeconds: 5,
  });

  it('gives the principal: sub, scopes from scope, roles and teams', async () => {
    const principal = await verifier.verify(
      await token({ scope: 'runs:read gates:decide unknown:scope', roles: ['claims-lead'], teams: ['claims'] }),
    );
    expect(principal).toEqual({
      kind: 'human',
      id: 'ana',
      scopes: ['runs:read', 'gates:decide'],
      roles: ['claims-lead'],
      teams: ['claims'],
    });
  });

  it('reads scp and permissions when scope is absent; recognises client-credentials tokens as services', async () => {
    expect((await verifier.verify(await token({ scp: ['runs:start'] }))).scopes).toEqual(['runs:start']);
    expect(
      await verifier.verify(
        await token({ permissions: ['audit:read'], gty: 'client-credentials' }, { sub: 'crm@clients' }),
      ),
    ).toEqual({ kind: 'service', id: 'crm@clients', scopes: ['audit:read'] });
  });

  it.each([
    ['expired', () => token({}, { exp: Math.floor(Date.now() / 1000) - 60 }), 'unauthorized/expired'],
    ['not yet valid', () => token({}, { nbf: Math.floor(Date.now() / 1000) + 120 }), 'unauthorized/not_yet_valid'],
    ['another issuer', () => token({}, { iss: 'https://evil.example.com/' }), 'unauthorized/wrong_issuer'],
    ['another audience', () => token({}, { aud: 'other-api' }), 'unauthorized/wrong_audience'],
    ['no subject', () => token({}, { sub: null }), 'unauthorized/no_subject'],
    [
      'a wrong key',
      () =>
        new SignJWT({})
          .setProtectedHeader({ alg: 'HS256' })
          .setSubject('ana')
          .setIssuer(ISSUER)
          .setAudience(AUDIENCE)
          .setExpirationTime('5m')
          .sign(new TextEncoder().encode('x'.repeat(40))),
      'unauthorized/bad_signature',
    ],
    [
      'alg none',
      async () =>
        `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'ana', iss: ISSUER, aud: AUDIENCE, exp: Math.floor(Date.now() / 1000) + 60 })}.`,
      'unauthorized/wrong_algorithm',
    ],
    ['roles that are not strings', () => token({ roles: [1, 2] }), 'unauthorized/claim_invalid'],
  ])('refuses a token with %s', async (_name, make, expected) => {
    expect(await reason(verifier.verify(await make()))).toBe(expected);
  });

  it('never answers anything but unauthorized to arbitrary strings (fast-check)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string(), fc.stringMatching(/^[A-Za-z0-9_-]{0,40}\.[A-Za-z0-9_-]{0,60}\.[A-Za-z0-9_-]{0,40}$/)),
        async (text) => {
          expect((await refusal(verifier.verify(text))).code).toBe('unauthorized');
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses a token whose payload was altered after signing (fast-check over claims)', async () => {
    const signed = await token({ scope: 'runs:read' });
    const [header, , signature] = signed.split('.');
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('runs:start', 'admin', 'gates:decide runs:operate'),
        fc.string({ maxLength: 20 }),
        async (scope, sub) => {
          const forged = `${header}.${b64({ sub: sub || 'mallory', iss: ISSUER, aud: AUDIENCE, exp: Math.floor(Date.now() / 1000) + 60, scope })}.${signature}`;
          expect((await refusal(verifier.verify(forged))).details.reason).toBe('bad_signature');
        },
      ),
      { numRuns: 50 },
    );
  });
});

describe('BearerVerifier with a local public key', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const verifier = new BearerVerifier({ keys: { publicKeyPem: pem }, issuer: ISSUER, audience: AUDIENCE });

  it('accepts ES256 tokens signed by the private key', async () => {
    const jwt = await new SignJWT({ scope: 'admin' })
      .setProtectedHeader({ alg: 'ES256' })
      .setSubject('ops')
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime('5m')
      .sign(privateKey);
    expect(await verifier.verify(jwt)).toMatchObject({ id: 'ops', scopes: ['admin'] });
  });

  it('refuses an HS256 token keyed with the public key text (algorithm confusion)', async () => {
    const jwt = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('ops')
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(pem));
    expect(await reason(verifier.verify(jwt))).toBe('unauthorized/wrong_algorithm');
  });
});

describe('BearerVerifier with an OIDC provider JWKS (a real HTTP server)', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
  let server: Server;
  let jwksUrl: string;
  let fetches = 0;

  beforeAll(async () => {
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    server = createServer((request, response) => {
      fetches++;
      response.writeHead(request.url === '/jwks.json' ? 200 : 404, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const rs256 = (key: typeof privateKey, kid: string) =>
    new SignJWT({ scope: 'runs:start' })
      .setProtectedHeader({ alg: 'RS256', kid })
      .setSubject('crm')
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime('5m')
      .sign(key);

  it('verifies with the key of the matching kid, fetching the key set once', async () => {
    const verifier = new BearerVerifier({ keys: { jwksUrl }, issuer: ISSUER, audience: AUDIENCE });
    expect(await verifier.verify(await rs256(privateKey, 'k1'))).toMatchObject({ id: 'crm', scopes: ['runs:start'] });
    expect(await verifier.verify(await rs256(privateKey, 'k1'))).toMatchObject({ id: 'crm' });
    expect(fetches).toBe(1);
  });

  it('refuses a token signed by a key the provider does not publish', async () => {
    const verifier = new BearerVerifier({ keys: { jwksUrl }, issuer: ISSUER, audience: AUDIENCE });
    expect(await reason(verifier.verify(await rs256(other.privateKey, 'k1')))).toBe('unauthorized/bad_signature');
    expect(await reason(verifier.verify(await rs256(other.privateKey, 'k9')))).toBe('unauthorized/bad_signature');
  });

  it('answers auth_unavailable (retryable) when the key set cannot be fetched', async () => {
    const verifier = new BearerVerifier({
      keys: { jwksUrl: 'http://127.0.0.1:1/jwks.json' },
      issuer: ISSUER,
      audience: AUDIENCE,
    });
    const error = await refusal(verifier.verify(await rs256(privateKey, 'k1')));
    expect([error.code, error.retryable]).toEqual(['auth_unavailable', true]);
  });
});

describe('bearerTokenOf', () => {
  it('takes the credential of a Bearer header, any case of the scheme', () => {
    expect(bearerTokenOf('Bearer abc.def.ghi')).toBe('abc.def.ghi');
    expect(bearerTokenOf('bearer lfk_0123456789abcdef_x')).toBe('lfk_0123456789abcdef_x');
  });

  it('refuses anything else with unauthorized/missing, never another error (fast-check)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.constant(undefined),
          fc.string().map((s) => `Basic ${s}`),
          fc.string().map((s) => `Bearer ${s} ${s}`),
        ),
        (header) => {
          if (header !== undefined && /^Bearer[ ]+[A-Za-z0-9._~+/-]+=*$/i.test(header)) return;
          let thrown: unknown;
          try {
            bearerTokenOf(header);
          } catch (error) {
            thrown = error;
          }
          expect(thrown).toBeInstanceOf(LedgerflowError);
          expect((thrown as LedgerflowError).details.reason).toBe('missing');
        },
      ),
    );
  });
});
