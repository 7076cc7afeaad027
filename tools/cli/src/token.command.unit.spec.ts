import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeJwt, jwtVerify } from 'jose';
import { tempDir } from '@ledgerflow/testing';
import { runCli } from './cli.js';
import { parseTokenArgs, tokenCommand } from './token.command.js';

const SECRET = 'a-development-secret-of-at-least-32-characters';

async function cli(argv: string[], env: Record<string, string | undefined>) {
  let out = '';
  let err = '';
  const code = await runCli([tokenCommand], argv, {
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
    env,
  });
  return { code, out: out.trim(), err };
}

describe('ledgerflow token', () => {
  it('signs a reviewer token with LEDGERFLOW_AUTH_SECRET: sub, roles, teams, scope, iss, aud and the ttl', async () => {
    const { code, out } = await cli(
      ['token', '--user', 'ana', '--roles', 'claims-lead, auditor', '--teams=claims', '--ttl', '30m'],
      { LEDGERFLOW_AUTH_SECRET: SECRET },
    );
    expect(code).toBe(0);
    const { payload } = await jwtVerify(out, new TextEncoder().encode(SECRET), {
      issuer: 'ledgerflow',
      audience: 'ledgerflow-api',
    });
    expect(payload).toMatchObject({
      sub: 'ana',
      roles: ['claims-lead', 'auditor'],
      teams: ['claims'],
      scope: 'runs:read gates:decide',
    });
    expect((payload.exp as number) - (payload.iat as number)).toBe(1800);
  });

  it('takes scopes, issuer and audience as given, and else the key `ledgerflow start` wrote into the data directory', async () => {
    const dataDir = await tempDir('ledgerflow-token-');
    await mkdir(join(dataDir, 'secrets'), { recursive: true });
    await writeFile(join(dataDir, 'secrets', 'auth-secret'), `${SECRET}\n`);
    const env = { LEDGERFLOW_AUTH_ISSUER: 'https://id.example', LEDGERFLOW_AUTH_AUDIENCE: 'ops' };
    const { code, out } = await cli(
      ['token', '--user', 'op', '--scopes', 'runs:start,runs:read', '--data-dir', dataDir],
      env,
    );
    expect(code).toBe(0);
    const { payload } = await jwtVerify(out, new TextEncoder().encode(SECRET), {
      issuer: 'https://id.example',
      audience: 'ops',
    });
    expect([payload.scope, payload.roles, (payload.exp as number) - (payload.iat as number)]).toEqual([
      'runs:start runs:read',
      undefined,
      3600,
    ]);
    const missing = await cli(['token', '--user', 'op', '--data-dir', join(dataDir, 'nowhere')], {});
    expect([missing.code, missing.err]).toEqual([
      1,
      expect.stringContaining('LEDGERFLOW_AUTH_SECRET is not set and no development token key in'),
    ]);
  });

  it('refuses a missing user, an unknown scope and a malformed ttl with exit 2, naming the option', async () => {
    expect(() => parseTokenArgs([])).toThrow('--user <id> is required');
    expect(() => parseTokenArgs(['--user', 'a', '--scopes', 'runs:read,runs:destroy'])).toThrow(
      '--scopes: unknown scope runs:destroy',
    );
    expect(() => parseTokenArgs(['--user', 'a', '--scopes', ','])).toThrow('--scopes must name at least one scope');
    for (const ttl of ['1 hour', '0h', '90', '-1h'])
      expect(() => parseTokenArgs(['--user', 'a', '--ttl', ttl])).toThrow('--ttl must be');
    const refused = await cli(['token', '--user'], { LEDGERFLOW_AUTH_SECRET: SECRET });
    expect([refused.code, refused.err]).toEqual([2, expect.stringContaining('usage: ledgerflow token --user <id>')]);
    expect(decodeJwt((await cli(['token', '--user', 'x'], { LEDGERFLOW_AUTH_SECRET: SECRET })).out).sub).toBe('x');
  });
});
