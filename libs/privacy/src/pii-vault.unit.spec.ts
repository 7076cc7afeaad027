import fc from 'fast-check';
import { LedgerflowError } from '@ledgerflow/domain';
import { InMemoryVaultStore } from './in-memory.vault-store.js';
import { isPiiToken, PII_TOKEN_PATTERN } from './pii-key.js';
import { PiiVault } from './pii-vault.js';
import type { VaultEntry, VaultStore } from './vault-store.port.js';
import { CLAIM_RULES, sampleClaim, testKey } from './vault.spec-util.js';

/** The shape of a tokenized {@link sampleClaim}: every masked value is a string. */
interface TokenizedClaim extends Record<string, unknown> {
  claimId: string;
  policy: string;
  amount: number;
  filedOn: string;
  claimant: { name: string; dob: string; email: string };
  payee: { account: string; iban: string };
  notes: string[];
  card: string;
  family: unknown[];
}

const TOKEN = (kind: string): RegExp => new RegExp(`^pii_${kind}_[A-Za-z0-9_-]{22}$`);

function setup(key = testKey()): { vault: PiiVault; store: InMemoryVaultStore; key: Buffer } {
  const store = new InMemoryVaultStore();
  return { vault: new PiiVault({ store, key }), store, key };
}

describe('PiiVault.tokenize', () => {
  it('replaces path values and detector findings by tokens, leaving the rest and the keys alone', async () => {
    const { vault } = setup();
    const input = sampleClaim();
    const { value, tokens } = await vault.tokenize(input, CLAIM_RULES, { runId: 'run-1' });
    const out = value as TokenizedClaim;
    expect(out.claimId).toBe('CLM-2026-0001');
    expect(out.policy).toBe('POL-HOME-100001');
    expect(out.amount).toBe(12345.67);
    expect(out.filedOn).toBe('2026-01-15');
    expect(out.claimant.name).toMatch(TOKEN('path'));
    expect(out.claimant.dob).toMatch(TOKEN('path'));
    expect(out.claimant.email).toMatch(TOKEN('email'));
    expect(out.payee.account).toMatch(TOKEN('path'));
    expect(out.payee.iban).toMatch(TOKEN('iban'));
    expect(out.card).toMatch(TOKEN('card'));
    expect(out.notes[0]).toMatch(/^write to pii_email_[A-Za-z0-9_-]{22} please$/);
    expect(out.notes[1]).toMatch(/^call pii_phone_[A-Za-z0-9_-]{22} or pii_email_[A-Za-z0-9_-]{22} after 2026-01-20$/);
    expect(out.family).toEqual([{ ssn: expect.stringMatching(TOKEN('path')) }, { ssn: null }]);
    expect(out['ada@example.com']).toBe('keys stay');
    expect(tokens).toBe(10);
    expect(input).toEqual(sampleClaim());
    const { ['ada@example.com']: _key, ...rest } = out;
    expect(JSON.stringify(rest)).not.toMatch(/Lovelace|ada@|4111|7946|3704|078-05|1815/);
  });

  it('gives the same token to the same value within a run, and different tokens across runs', async () => {
    const { vault, key } = setup();
    const a = (await vault.tokenize(sampleClaim(), CLAIM_RULES, { runId: 'run-1' })).value as TokenizedClaim;
    expect(a.notes[0].slice(9, 9 + 32)).toBe(a.claimant.email);
    const again = (
      await new PiiVault({ store: new InMemoryVaultStore(), key }).tokenize(sampleClaim(), CLAIM_RULES, {
        runId: 'run-1',
      })
    ).value;
    expect(again).toEqual(a);
    const other = (await vault.tokenize(sampleClaim(), CLAIM_RULES, { runId: 'run-2' })).value as TokenizedClaim;
    expect(other.claimant.email).not.toBe(a.claimant.email);
  });

  it('is idempotent: tokenizing tokenized output changes nothing', async () => {
    const { vault, store } = setup();
    const once = await vault.tokenize(sampleClaim(), CLAIM_RULES, { runId: 'run-1' });
    const entries = store.size;
    const twice = await vault.tokenize(once.value, CLAIM_RULES, { runId: 'run-1' });
    expect(twice).toEqual({ value: once.value, tokens: 0 });
    expect(store.size).toBe(entries);
  });

  it('stores one encrypted entry per distinct token, without the plaintext', async () => {
    const entries: VaultEntry[] = [];
    const inner = new InMemoryVaultStore();
    const spyStore: VaultStore = {
      ...inner,
      get: (t) => inner.get(t),
      deleteRun: (r) => inner.deleteRun(r),
      close: () => inner.close(),
      put: async (e) => {
        entries.push(...e);
        await inner.put(e);
      },
    };
    const vault = new PiiVault({ store: spyStore, key: testKey() });
    await vault.tokenize({ a: 'ada@example.com', b: 'mail ada@example.com' }, CLAIM_RULES, { runId: 'run-1' });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ runId: 'run-1', kind: 'email', keyId: vault.keyId });
    expect(Buffer.from(entries[0]!.ciphertext).toString('latin1')).not.toContain('ada@');
  });
});

describe('PiiVault.detokenize', () => {
  it('restores the original values with their types and positions', async () => {
    const { vault } = setup();
    const { value } = await vault.tokenize(sampleClaim(), CLAIM_RULES, { runId: 'run-1' });
    expect(await vault.detokenize(value)).toEqual({ value: sampleClaim(), unknownTokens: [] });
  });

  it('restores a path token embedded in a longer string as text', async () => {
    const { vault } = setup();
    const { value } = await vault.tokenize({ claimant: { name: 'Ada Lovelace', dob: { year: 1815 } } }, CLAIM_RULES, {
      runId: 'r',
    });
    const { name, dob } = (value as { claimant: { name: string; dob: string } }).claimant;
    const restored = await vault.detokenize({ greeting: `Dear ${name}, born ${dob}` });
    expect(restored.value).toEqual({ greeting: 'Dear Ada Lovelace, born {"year":1815}' });
  });

  it('restores tokens nested inside a path-masked value', async () => {
    const { vault } = setup();
    const first = await vault.tokenize(
      { claimant: { contact: 'ada@example.com' } },
      { ...CLAIM_RULES, paths: [] },
      { runId: 'r' },
    );
    const second = await vault.tokenize(first.value, { ...CLAIM_RULES, paths: ['$.claimant'] }, { runId: 'r' });
    expect((second.value as { claimant: unknown }).claimant).toMatch(TOKEN('path'));
    expect((await vault.detokenize(second.value)).value).toEqual({ claimant: { contact: 'ada@example.com' } });
  });

  it('leaves unknown tokens and tokens of another run (when runId is given) in place and reports them', async () => {
    const { vault } = setup();
    const mine = (await vault.tokenize('ada@example.com', CLAIM_RULES, { runId: 'run-1' })).value as string;
    const theirs = (await vault.tokenize('bob@example.com', CLAIM_RULES, { runId: 'run-2' })).value as string;
    const stranger = 'pii_card_AAAAAAAAAAAAAAAAAAAAAA';
    const result = await vault.detokenize({ mine, theirs, note: `see ${stranger}` }, { runId: 'run-1' });
    expect(result.value).toEqual({ mine: 'ada@example.com', theirs, note: `see ${stranger}` });
    expect([...result.unknownTokens].sort()).toEqual([stranger, theirs].sort());
  });

  it('throws pii_key_mismatch naming LEDGERFLOW_PII_KEY when the key differs', async () => {
    const { vault, store } = setup();
    const { value } = await vault.tokenize('ada@example.com', CLAIM_RULES, { runId: 'run-1' });
    const wrong = new PiiVault({ store, key: testKey() });
    await expect(wrong.detokenize(value)).rejects.toThrow(LedgerflowError);
    await expect(wrong.detokenize(value)).rejects.toMatchObject({
      code: 'pii_key_mismatch',
      message: expect.stringContaining('LEDGERFLOW_PII_KEY'),
    });
  });

  it('throws pii_vault_corrupt when an entry was tampered with', async () => {
    const key = testKey();
    const inner = new InMemoryVaultStore();
    const tampering: VaultStore = {
      put: (e) => inner.put(e),
      get: async (tokens) =>
        new Map(
          [...(await inner.get(tokens))].map(([t, e]) => [
            t,
            { ...e, ciphertext: Buffer.from(e.ciphertext).map((b, i) => (i === 0 ? b ^ 1 : b)) },
          ]),
        ),
      deleteRun: (r) => inner.deleteRun(r),
      close: () => inner.close(),
    };
    const vault = new PiiVault({ store: tampering, key });
    const { value } = await vault.tokenize('ada@example.com', CLAIM_RULES, { runId: 'run-1' });
    await expect(vault.detokenize(value)).rejects.toMatchObject({ code: 'pii_vault_corrupt' });
  });
});

describe('PiiVault.forgetRun', () => {
  it("erases one run's entries: its tokens stay masked, other runs are untouched", async () => {
    const { vault } = setup();
    const one = await vault.tokenize(sampleClaim(), CLAIM_RULES, { runId: 'run-1' });
    const two = await vault.tokenize(sampleClaim(), CLAIM_RULES, { runId: 'run-2' });
    expect(await vault.forgetRun('run-1')).toBe(8);
    const forgotten = await vault.detokenize(one.value);
    expect(forgotten.value).toEqual(one.value);
    expect(forgotten.unknownTokens).toHaveLength(8);
    expect((await vault.detokenize(two.value)).value).toEqual(sampleClaim());
    expect(await vault.forgetRun('run-1')).toBe(0);
  });
});

describe('PiiVault properties', () => {
  const json = fc.jsonValue().map((v) => JSON.parse(JSON.stringify(v)) as unknown);
  const pii = fc.constantFrom(
    'ada@example.com',
    '+44 20 7946 0958',
    '4111 1111 1111 1111',
    'DE89370400440532013000',
    '555-123-4567',
  );
  // Surrounding words from letters that spell no currency code (a currency next to digits reads as an amount).
  const words = fc.stringMatching(/^[qwxyz ]{0,8}$/);
  const withPii = fc.tuple(json, fc.array(fc.tuple(words, pii, words), { maxLength: 4 })).map(([base, texts]) => ({
    base,
    texts: texts.map(([a, p, b]) => `${a} ${p} ${b}`),
    claimant: { name: base },
  }));

  it('detokenize(tokenize(v)) equals v, and tokenizing twice equals once', async () => {
    const { vault } = setup();
    await fc.assert(
      fc.asyncProperty(withPii, async (value) => {
        const once = await vault.tokenize(value, CLAIM_RULES, { runId: 'prop' });
        expect(JSON.stringify(once.value)).not.toMatch(/ada@example\.com|4111 1111|DE8937|7946 0958|555-123-4567/);
        expect((await vault.detokenize(once.value)).value).toEqual(value);
        expect((await vault.tokenize(once.value, CLAIM_RULES, { runId: 'prop' })).value).toEqual(once.value);
      }),
      { numRuns: 150 },
    );
  });
});

describe('PII_TOKEN_PATTERN', () => {
  it('recognises tokens, not look-alikes', () => {
    expect(PII_TOKEN_PATTERN.test('x pii_email_abcdefghijklmnopqrstuv y')).toBe(true);
    expect(isPiiToken('pii_path_abcdefghijklmnopqrstu-')).toBe(true);
    expect(isPiiToken('pii_ssn_abcdefghijklmnopqrstuv')).toBe(false);
    expect(isPiiToken('pii_email_abcdefghijklmnopqrstu')).toBe(false);
    expect(PII_TOKEN_PATTERN.test('xpii_email_abcdefghijklmnopqrstuv')).toBe(false);
  });
});
