import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './cli.js';
import { natsCredentialsCommand } from './nats-credentials.command.js';

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli([natsCredentialsCommand], ['nats', 'credentials', ...argv], {
    out: (t) => (out += t),
    err: (t) => (err += t),
    env: {},
  });
  return { code, out, err };
}

describe('ledgerflow nats credentials', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ledgerflow-nats-cli-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('writes one 0600 seed file per principal and the server config, printing paths but no seed', async () => {
    const out = join(dir, 'creds');
    const result = await cli(
      '--out',
      out,
      '--tool-worker',
      'bench-workers=lf.tool.bench.>',
      '--tool-worker=claims=lf.tool.billing.>,lf.tool.fraud.screen',
    );
    expect(result).toMatchObject({ code: 0, err: '' });
    const names = (await readdir(out)).sort();
    expect(names).toEqual([
      'admin.nk',
      'approval.nk',
      'bench-workers.nk',
      'claims.nk',
      'executor.nk',
      'gateway.nk',
      'memory.nk',
      'nats-server.conf',
      'planner.nk',
      'policy.nk',
      'publisher.nk',
    ]);
    for (const name of names) expect((await stat(join(out, name))).mode & 0o777).toBe(0o600);
    const seed = (await readFile(join(out, 'executor.nk'), 'utf8')).trim();
    expect(seed).toMatch(/^SU[A-Z2-7]{56}$/);
    expect(result.out).not.toContain(seed);
    expect(result.out).toContain(join(out, 'executor.nk'));
    const config = await readFile(join(out, 'nats-server.conf'), 'utf8');
    expect(config).toContain('subscribe: { allow: ["lf.tool.billing.>", "lf.tool.fraud.screen"');
    expect(config).not.toContain(seed);
  });

  it('keeps an existing directory with --keep-existing', async () => {
    const out = join(dir, 'kept');
    await cli('--out', out);
    const before = await readFile(join(out, 'planner.nk'), 'utf8');
    const again = await cli('--out', out, '--keep-existing');
    expect(again.code).toBe(0);
    expect(again.out).toContain('kept');
    expect(await readFile(join(out, 'planner.nk'), 'utf8')).toBe(before);
  });

  it('renders a tls block with the server certificate', async () => {
    const out = join(dir, 'tls');
    expect(
      (
        await cli(
          '--out',
          out,
          '--tls-cert',
          '/etc/nats/tls.crt',
          '--tls-key',
          '/etc/nats/tls.key',
          '--tls-ca',
          '/etc/nats/ca.crt',
          '--tls-verify',
        )
      ).code,
    ).toBe(0);
    expect(await readFile(join(out, 'nats-server.conf'), 'utf8')).toContain(
      'tls {\n  cert_file: "/etc/nats/tls.crt"\n  key_file: "/etc/nats/tls.key"\n  ca_file: "/etc/nats/ca.crt"\n  verify: true\n}',
    );
  });

  it.each([
    [[], '--out <dir> is required'],
    [['--out', 'x', '--tool-worker', 'w'], 'expected <name>=<subject>'],
    [['--out', 'x', '--tool-worker', 'w=lf.policy.evaluate'], 'must be lf.tool.<tool>.<action>'],
    [['--out', 'x', '--tool-worker', 'admin=lf.tool.a.>'], 'taken by a Ledgerflow principal'],
    [['--out', 'x', '--tls-cert', 'c.pem'], '--tls-cert and --tls-key go together'],
  ])('refuses %j with exit 2', async (argv, message) => {
    const result = await cli(...argv);
    expect(result.code).toBe(2);
    expect(result.err).toContain(message);
  });
});
