import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LedgerflowError } from '@ledgerflow/domain';
import { loadWebhookSecrets } from './webhooks.secrets.js';

const dir = mkdtempSync(join(tmpdir(), 'webhook-secrets-'));
let n = 0;
const file = (text: string, ext = 'yaml'): string => {
  const path = join(dir, `secrets-${++n}.${ext}`);
  writeFileSync(path, text);
  return path;
};
const whsec = `whsec_${randomBytes(32).toString('base64')}`;

function problemOf(path: string, env: Record<string, string> = {}): string {
  try {
    loadWebhookSecrets(path, env);
  } catch (error) {
    expect(error).toBeInstanceOf(LedgerflowError);
    expect(error).toMatchObject({ code: 'webhook_secrets_invalid', retryable: false });
    const message = (error as Error).message;
    expect(message).toContain(`LEDGERFLOW_WEBHOOK_SECRETS_FILE=${path}: `);
    expect(message).not.toContain(whsec);
    return message;
  }
  throw new Error('expected the file to be refused');
}

describe('loadWebhookSecrets', () => {
  it('reads both schemes from YAML, with GitHub defaults and lower-case header names', () => {
    const path = file(`
claim-review: { scheme: standard-webhooks, secret: ${whsec} }
github-push:
  scheme: hmac-sha256
  secret: [a-new-shared-secret-1, an-old-shared-secret-0]
custom:
  scheme: hmac-sha256
  secretEnv: CUSTOM_HOOK_SECRET
  header: X-Signature
  prefix: ''
  idempotencyHeader: X-Delivery-Id
`);
    const secrets = loadWebhookSecrets(path, { CUSTOM_HOOK_SECRET: 'from-the-environment' });
    expect(secrets.get('claim-review')).toEqual({ scheme: 'standard-webhooks', secrets: [whsec] });
    expect(secrets.get('github-push')).toEqual({
      scheme: 'hmac-sha256',
      secrets: ['a-new-shared-secret-1', 'an-old-shared-secret-0'],
      header: 'x-hub-signature-256',
      prefix: 'sha256=',
      idempotencyHeader: 'x-github-delivery',
    });
    expect(secrets.get('custom')).toEqual({
      scheme: 'hmac-sha256',
      secrets: ['from-the-environment'],
      header: 'x-signature',
      prefix: '',
      idempotencyHeader: 'x-delivery-id',
    });
  });

  it('reads JSON, and no file means no workflow accepts webhooks', () => {
    const path = file(JSON.stringify({ wf: { scheme: 'standard-webhooks', secretEnv: ['NEW', 'OLD'] } }), 'json');
    expect(loadWebhookSecrets(path, { NEW: whsec, OLD: whsec }).get('wf')).toEqual({
      scheme: 'standard-webhooks',
      secrets: [whsec, whsec],
    });
    expect(loadWebhookSecrets(undefined).size).toBe(0);
    expect(loadWebhookSecrets('').size).toBe(0);
  });

  it.each([
    [
      'an unknown scheme',
      'wf: { scheme: basic, secret: x }',
      '/wf/scheme: must be one of ["standard-webhooks","hmac-sha256"]',
    ],
    ['no secret', 'wf: { scheme: hmac-sha256 }', '/wf: needs exactly one of secret or secretEnv'],
    [
      'both secret and secretEnv',
      'wf: { scheme: hmac-sha256, secret: a-long-enough-secret, secretEnv: X }',
      '/wf: needs exactly one of secret or secretEnv',
    ],
    [
      'an unknown property',
      'wf: { scheme: hmac-sha256, secret: a-long-enough-secret, algo: md5 }',
      '/wf/algo: is not an allowed property',
    ],
    [
      'an HMAC setting on standard-webhooks',
      `wf: { scheme: standard-webhooks, secret: ${whsec}, header: X-Sig }`,
      '/wf/header: is not a setting of the standard-webhooks scheme',
    ],
    [
      'a short Standard Webhooks key',
      'wf: { scheme: standard-webhooks, secret: whsec_c2hvcnQ= }',
      '/wf/secret: must be whsec_ followed by the base64 of at least 24 random bytes',
    ],
    ['a short HMAC secret', 'wf: { scheme: hmac-sha256, secret: short }', '/wf/secret: must be at least 16 characters'],
    [
      'a bad header name',
      'wf: { scheme: hmac-sha256, secret: a-long-enough-secret, header: "X Sig" }',
      '/wf/header: must match pattern',
    ],
    ['a list instead of a mapping', '- wf', '/: must be object'],
    ['broken YAML', 'wf: { scheme: [', 'cannot be read as YAML or JSON'],
  ])('refuses %s, naming the file and the problem', (_case, text, problem) => {
    expect(problemOf(file(text))).toContain(problem);
  });

  it('refuses a secretEnv whose variable is unset, naming it', () => {
    expect(problemOf(file('wf: { scheme: hmac-sha256, secretEnv: HOOK_SECRET }'))).toContain(
      '/wf/secretEnv: variable HOOK_SECRET is unset or empty',
    );
  });

  it('refuses a file that does not exist', () => {
    expect(problemOf(join(dir, 'missing.yaml'))).toContain('cannot be read');
  });
});
