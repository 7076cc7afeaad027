import { decodeJwt } from 'jose';
import { principalOf, signDevToken } from '@ledgerflow/auth';
import { decodeIdentity, isExpired, TokenFormatError } from './jwt-claims.js';

const settings = {
  authSecret: 'a-test-secret-of-at-least-32-characters!!',
  authIssuer: 'ledgerflow',
  authAudience: 'ledgerflow-api',
};

describe('decodeIdentity', () => {
  it('reads what the gateway reads from a development token: subject, scopes, roles, teams', async () => {
    const token = await signDevToken(settings, {
      sub: 'claims-lead',
      scopes: ['runs:read', 'gates:decide'],
      roles: ['claims-lead'],
      teams: ['claims'],
    });
    const identity = decodeIdentity(`Bearer ${token}`);
    const principal = principalOf(decodeJwt(token));
    expect(identity).toMatchObject({
      kind: 'jwt',
      subject: principal.id,
      scopes: principal.scopes,
      roles: principal.roles,
      teams: principal.teams,
      service: false,
      issuer: 'ledgerflow',
    });
    expect(identity.expiresAt).toBe((decodeJwt(token).exp ?? 0) * 1000);
  });

  it('takes scp or permissions when there is no scope claim, and recognises services as the gateway does', () => {
    const unsigned = (claims: object) => `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;
    expect(decodeIdentity(unsigned({ sub: 'bo', scp: ['runs:read'] })).scopes).toEqual(['runs:read']);
    expect(decodeIdentity(unsigned({ sub: 'bo', permissions: ['admin'] })).scopes).toEqual(['admin']);
    expect(decodeIdentity(unsigned({ sub: 'bo', roles: 'a b' })).roles).toEqual(['a', 'b']);
    for (const claims of [{ sub: 'crm@clients' }, { sub: 'svc:crm' }, { sub: 'crm', gty: 'client-credentials' }]) {
      expect(decodeIdentity(unsigned(claims)).service).toBe(principalOf(claims).kind === 'service');
      expect(decodeIdentity(unsigned(claims)).service).toBe(true);
    }
    expect(decodeIdentity(unsigned({ sub: 'bo', ünï: 'çødé' })).subject).toBe('bo');
  });

  it('accepts an API key as opaque', () => {
    const key = `lfk_0123456789abcdef_${'A'.repeat(43)}`;
    expect(decodeIdentity(key)).toEqual({
      kind: 'api_key',
      subject: 'lfk_0123456789abcdef',
      scopes: [],
      roles: [],
      teams: [],
      service: true,
    });
  });

  it('refuses what is not a token, saying why', () => {
    expect(() => decodeIdentity('hello')).toThrow(TokenFormatError);
    expect(() => decodeIdentity('hello')).toThrow(/three dot-separated parts/);
    expect(() => decodeIdentity('a.!!!.c')).toThrow(/base64url-encoded JSON/);
    expect(() => decodeIdentity(`e30.${Buffer.from('{"scope":"admin"}').toString('base64url')}.s`)).toThrow(
      /no subject/,
    );
  });

  it('says when a token has expired', () => {
    const identity = decodeIdentity(
      `e30.${Buffer.from(JSON.stringify({ sub: 'bo', exp: 1000 })).toString('base64url')}.s`,
    );
    expect(isExpired(identity, 999_999)).toBe(false);
    expect(isExpired(identity, 1_000_000)).toBe(true);
    expect(isExpired(decodeIdentity(`e30.${Buffer.from('{"sub":"bo"}').toString('base64url')}.s`), Date.now())).toBe(
      false,
    );
  });
});
