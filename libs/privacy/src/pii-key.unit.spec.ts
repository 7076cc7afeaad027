import { randomBytes } from 'node:crypto';
import { deriveKeys, makeToken, parsePiiKey } from './pii-key.js';

function failure(text: string | undefined): { code?: string; message: string; details?: unknown } {
  try {
    parsePiiKey(text);
  } catch (error) {
    return error as { code: string; message: string; details: unknown };
  }
  throw new Error('expected parsePiiKey to throw');
}

describe('parsePiiKey', () => {
  it('reads 32 bytes in standard or URL-safe base64, with or without padding', () => {
    const key = randomBytes(32);
    expect(parsePiiKey(key.toString('base64'))).toEqual(key);
    expect(parsePiiKey(` ${key.toString('base64')}\n`)).toEqual(key);
    expect(parsePiiKey(key.toString('base64url'))).toEqual(key);
    expect(parsePiiKey(key.toString('base64').replace('=', ''))).toEqual(key);
  });

  it.each([
    ['unset', undefined, 'required'],
    ['empty', '  ', 'required'],
    ['16 bytes', randomBytes(16).toString('base64'), 'base64'],
    ['not base64', `${'!'.repeat(43)}=`, 'base64'],
  ])('refuses %s with config_invalid naming LEDGERFLOW_PII_KEY, never showing the value', (_label, text, rule) => {
    const error = failure(text);
    expect(error.code).toBe('config_invalid');
    expect(error.message).toContain('LEDGERFLOW_PII_KEY');
    expect(error.message).toContain('openssl rand -base64 32');
    if (text?.trim()) expect(error.message).not.toContain(text.trim());
    expect(error.details).toEqual({ issues: [expect.objectContaining({ variable: 'LEDGERFLOW_PII_KEY', rule })] });
  });
});

describe('tokens', () => {
  it('are pii_<kind>_ + 22 base64url chars, keyed: another key gives another token and key id', () => {
    const a = deriveKeys(randomBytes(32));
    const b = deriveKeys(randomBytes(32));
    expect(makeToken(a.tokens, 'run', 'email', '"x"')).toMatch(/^pii_email_[A-Za-z0-9_-]{22}$/);
    expect(makeToken(a.tokens, 'run', 'email', '"x"')).toBe(makeToken(a.tokens, 'run', 'email', '"x"'));
    expect(makeToken(a.tokens, 'run', 'email', '"x"')).not.toBe(makeToken(b.tokens, 'run', 'email', '"x"'));
    expect(a.keyId).toMatch(/^[0-9a-f]{16}$/);
    expect(a.keyId).not.toBe(b.keyId);
  });
});
