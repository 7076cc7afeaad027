import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './cli.js';
import { triggersCommand } from './triggers.command.js';

/** `ledgerflow triggers publish`: what it refuses before touching NATS (exit 2, the rule named). */
describe('triggers publish arguments', () => {
  const cli = async (args: string[], env: Record<string, string> = { NATS_URL: 'nats://127.0.0.1:1' }) => {
    let err = '';
    const code = await runCli([triggersCommand], ['triggers', ...args], {
      out: () => undefined,
      err: (t) => {
        err += t;
      },
      env,
    });
    return { code, err };
  };

  it('names the rule broken: unknown verb, workflow id, key, input file, extra argument, missing NATS settings', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lf-triggers-'));
    await writeFile(join(dir, 'bad.json'), '{ not json');
    for (const [args, message] of [
      [['publish'], "missing required argument 'workflowId'"],
      [['publish', 'Hello.World'], 'a workflow id matching'],
      [['publish', 'hello', 'extra'], "too many arguments for 'publish'"],
      [['publish', 'hello', '--idempotency-key', 'x'.repeat(201)], '--idempotency-key must be 1..200 characters'],
      [['publish', 'hello', '--input', join(dir, 'missing.json')], 'ENOENT'],
      [['publish', 'hello', '--input', join(dir, 'bad.json')], 'is not valid JSON'],
    ] as const) {
      const { code, err } = await cli([...args]);
      expect([args.join(' '), code]).toEqual([args.join(' '), 2]);
      expect(err).toContain(message);
      expect(err).toContain('usage: ledgerflow triggers publish <workflowId>');
    }
    const unknownVerb = await cli(['send', 'hello']);
    expect([unknownVerb.code, unknownVerb.err]).toEqual([
      2,
      "error: unknown command 'send'\n(ledgerflow triggers --help lists its commands)\n",
    ]);
    const noNats = await cli(['publish', 'hello', '--data-dir', join(dir, 'nowhere')], {});
    expect(noNats.code).toBe(2);
    expect(noNats.err).toContain('NATS_URL is not set and no ledgerflow start runs on');
  });

  it('fails with exit 1 when NATS cannot be reached', async () => {
    let err = '';
    const code = await runCli([triggersCommand], ['triggers', 'publish', 'hello'], {
      out: () => undefined,
      err: (t) => {
        err += t;
      },
      env: { NATS_URL: 'nats://127.0.0.1:1' },
    });
    expect(code).toBe(1);
    expect(err).toContain('cannot connect to NATS at nats://127.0.0.1:1');
  });
});
