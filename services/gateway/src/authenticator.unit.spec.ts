import { LedgerflowError } from '@ledgerflow/domain';
import type { Principal } from '@ledgerflow/contracts';
import { Authenticator, VERIFIED_TOKENS, VERIFIED_TOKEN_TTL_MS } from './authenticator.js';

/** A compact JWT whose payload is `claims` (the fake verifier below does not check the signature). */
const jwt = (claims: Record<string, unknown>): string =>
  ['{"alg":"HS256"}', JSON.stringify(claims)].map((part) => Buffer.from(part).toString('base64url')).join('.') +
  '.c2ln';

describe('Authenticator', () => {
  let now: number;
  let calls: string[];
  let refuse: boolean;
  const principal = (sub: string): Principal => ({ kind: 'human', id: sub, scopes: ['runs:start'] });
  const verifier = {
    verify: async (token: string): Promise<Principal> => {
      calls.push(token);
      if (refuse) throw new LedgerflowError('unauthorized', 'bad signature', false, { reason: 'bad_signature' });
      return principal(JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).sub as string);
    },
  };
  const accounts = {
    authenticate: async (key: string) => {
      calls.push(key);
      return principal('svc:account');
    },
  };
  let auth: Authenticator;

  beforeEach(() => {
    now = 1_800_000_000_000;
    calls = [];
    refuse = false;
    auth = new Authenticator(verifier, accounts, () => now);
  });

  it('verifies a JWT once, then answers from memory until the time limit', async () => {
    const token = jwt({ sub: 'ada', exp: now / 1000 + 3600 });
    const first = await auth.authenticate(`Bearer ${token}`);
    expect(await auth.authenticate(`Bearer ${token}`)).toBe(first);
    expect(calls).toHaveLength(1);
    expect(Object.isFrozen(first) && Object.isFrozen(first.scopes)).toBe(true);
    now += VERIFIED_TOKEN_TTL_MS;
    await auth.authenticate(`Bearer ${token}`);
    expect(calls).toHaveLength(2);
  });

  it(`remembers at most ${VERIFIED_TOKENS} tokens, forgetting the least recently used`, async () => {
    const tokens = Array.from({ length: VERIFIED_TOKENS + 1 }, (_, index) =>
      jwt({ sub: `user-${index}`, exp: now / 1000 + 3600 }),
    );
    for (const token of tokens.slice(0, VERIFIED_TOKENS)) await auth.authenticate(`Bearer ${token}`);
    await auth.authenticate(`Bearer ${tokens[0]}`); // used again: now the most recent
    await auth.authenticate(`Bearer ${tokens[VERIFIED_TOKENS]}`); // one more: tokens[1] is forgotten
    calls = [];
    await auth.authenticate(`Bearer ${tokens[0]}`);
    await auth.authenticate(`Bearer ${tokens[1]}`);
    expect(calls).toEqual([tokens[1]]);
  });

  it('never remembers past the token exp, nor a refused token, nor an API key', async () => {
    const token = jwt({ sub: 'bob', exp: now / 1000 + 5 });
    await auth.authenticate(`Bearer ${token}`);
    now += 5_000;
    await auth.authenticate(`Bearer ${token}`);
    expect(calls).toHaveLength(2);

    refuse = true;
    const forged = jwt({ sub: 'eve', exp: now / 1000 + 3600 });
    await expect(auth.authenticate(`Bearer ${forged}`)).rejects.toMatchObject({ code: 'unauthorized' });
    await expect(auth.authenticate(`Bearer ${forged}`)).rejects.toMatchObject({ code: 'unauthorized' });
    expect(calls.filter((c) => c === forged)).toHaveLength(2);

    await auth.authenticate('Bearer lfk_0123456789abcdef_secret');
    await auth.authenticate('Bearer lfk_0123456789abcdef_secret');
    expect(calls.filter((c) => c.startsWith('lfk_'))).toHaveLength(2);
  });

  it('refuses a missing or non-bearer header before any verification', async () => {
    await expect(auth.authenticate(undefined)).rejects.toMatchObject({ code: 'unauthorized' });
    await expect(auth.authenticate('Basic abc')).rejects.toMatchObject({ code: 'unauthorized' });
    expect(calls).toEqual([]);
  });
});
