import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { runCli } from './cli.js';
import type { CliIo } from './command.js';
import { allCommands } from './commands.js';
import { installRoot } from './install-root.js';

/** The compiled CLI as users run it (`make build` first), as a process. */
function ledgerflow(...args: string[]): { code: number | null; out: string; err: string } {
  const done = spawnSync(process.execPath, [join(installRoot(), 'tools/cli/bin/ledgerflow.js'), ...args], {
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, LEDGERFLOW_URL: 'http://127.0.0.1:1' },
  });
  return { code: done.status, out: done.stdout, err: done.stderr };
}

async function inProcess(argv: readonly string[], env: CliIo['env'] = {}) {
  let out = '';
  let err = '';
  const code = await runCli(allCommands(), argv, { out: (t) => (out += t), err: (t) => (err += t), env });
  return { code, out, err };
}

/** A stack trace line as Node prints one (`    at fn (file.js:1:2)`): never shown to a user. */
const STACK = /\n\s+at .+:\d+:\d+/;

describe('ledgerflow (commander)', () => {
  it('--version prints the version of tools/cli/package.json', () => {
    const { version } = JSON.parse(readFileSync(join(installRoot(), 'tools/cli/package.json'), 'utf8')) as {
      version: string;
    };
    expect(ledgerflow('--version')).toEqual({ code: 0, out: `${version}\n`, err: '' });
    expect(ledgerflow('-V').out).toBe(`${version}\n`);
  });

  it('--help lists every command group; per-command help shows usage, arguments, options and exit codes', () => {
    const top = ledgerflow('--help');
    expect(top.code).toBe(0);
    for (const word of ['start', 'workflows', 'runs', 'gates', 'audit', 'completion'])
      expect(top.out).toMatch(new RegExp(`^  ${word}\\b`, 'm'));
    const start = ledgerflow('runs', 'start', '--help');
    expect(start.code).toBe(0);
    expect(start.out).toContain('Usage: ledgerflow runs start <workflowId> [--input file.json]');
    expect(start.out).toContain('--idempotency-key <key>');
    expect(start.out).toContain('Exit codes: 0 started');
    expect(ledgerflow('help', 'runs').out).toContain('list, start, watch, show');
  });

  it('names an unknown command or option, with a suggestion, and exits 2', () => {
    const command = ledgerflow('rnus', 'list');
    expect(command).toMatchObject({ code: 2, out: '' });
    expect(command.err).toContain("error: unknown command 'rnus'\n(Did you mean runs?)");
    const verb = ledgerflow('runs', 'lsit');
    expect([verb.code, verb.err]).toEqual([2, expect.stringContaining("unknown command 'lsit'\n(Did you mean list?)")]);
    const option = ledgerflow('runs', 'list', '--limt', '5');
    expect([option.code, option.err]).toEqual([
      2,
      expect.stringContaining("error: unknown option '--limt'\n(Did you mean --limit?)\nusage: ledgerflow runs list"),
    ]);
    expect(ledgerflow().code).toBe(2);
  });

  it('names an unknown command asked for help (--help, -h, help <command>) and exits 2, not printing the parent help', () => {
    for (const args of [
      ['frob', '--help'],
      ['help', 'frob'],
    ]) {
      const top = ledgerflow(...args);
      expect([args.join(' '), top.code, top.out]).toEqual([args.join(' '), 2, '']);
      expect(top.err).toContain("error: unknown command 'frob'\n(ledgerflow --help lists the commands)");
    }
    for (const args of [
      ['runs', 'frob', '--help'],
      ['runs', 'frob', '-h'],
      ['help', 'runs', 'lsit'],
    ]) {
      const verb = ledgerflow(...args);
      expect([args.join(' '), verb.code, verb.out]).toEqual([args.join(' '), 2, '']);
      expect(verb.err).toMatch(/^error: unknown command '(frob|lsit)'\n/);
      expect(verb.err).toContain('(ledgerflow runs --help lists its commands)');
    }
    expect(ledgerflow('runs', 'lsit', '--help').err).toContain("unknown command 'lsit'\n(Did you mean list?)");
    expect(ledgerflow('runs', '--help')).toMatchObject({ code: 0, err: '' });
    expect(ledgerflow('help', 'runs')).toMatchObject({ code: 0, err: '' });
  });

  it('answers --help for every command with exit 0 and its own usage line', async () => {
    for (const command of allCommands()) {
      const { code, out } = await inProcess([...command.path, '--help']);
      expect([command.path.join(' '), code]).toEqual([command.path.join(' '), 0]);
      expect(out).toContain(`Usage: ledgerflow ${command.usage}`);
      expect(out).toContain(command.summary.split('\n')[0]?.slice(0, 30));
    }
  });

  // Commands that act on this machine whatever the gateway (start, stop, nats credentials writing files) or follow a
  // stream until it ends (runs watch, runs start --watch) are left out; every other command meets arbitrary input.
  const FUZZED = allCommands().filter(
    (c) => !['start', 'stop', 'nats credentials', 'runs watch', 'runs start'].includes(c.path.join(' ')),
  );
  const optionNames = [
    ...new Set(FUZZED.flatMap((c) => (c.options ?? []).map((o) => o.flags.split(' ')[0] as string))),
  ];
  const token = fc.oneof(
    fc.string({ unit: 'grapheme', maxLength: 40 }),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.constantFrom(...optionNames, '--', '-', '--help', '-x', '--=', '--limit=-1', '--status=\u0000'),
    fc.string({ minLength: 10_000, maxLength: 70_000, unit: 'binary-ascii' }),
    fc.bigInt().map((n) => String(n * 10n ** 30n)),
  );

  it('property: any argument list ends with exit 0, 1 or 2 and a message, never a stack trace', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.constantFrom(...FUZZED.map((c) => c.path)), fc.array(token, { maxLength: 2 })),
        fc.array(token, { maxLength: 6 }),
        async (path, rest) => {
          const { code, out, err } = await inProcess([...path, ...rest], {
            LEDGERFLOW_URL: 'http://127.0.0.1:1',
            NATS_URL: 'nats://127.0.0.1:1',
            LEDGERFLOW_TOKEN: 't',
            LEDGERFLOW_AUTH_SECRET: 'a development secret of at least 32 characters',
          });
          expect([0, 1, 2]).toContain(code);
          expect(`${out}${err}`).not.toMatch(STACK);
          // A refusal always says why (usage errors on stderr; some checks, e.g. audit's, report on stdout).
          if (code !== 0) expect(`${out}${err}`.trim()).not.toBe('');
        },
      ),
      { numRuns: 300 },
    );
  }, 120_000);

  it('property: the compiled CLI as a process never dies with a stack trace on odd arguments', () => {
    fc.assert(
      fc.property(fc.array(token, { minLength: 1, maxLength: 4 }), (args) => {
        const safe = ['start', 'stop', 'nats'].includes(args[0] ?? '') ? ['x', ...args] : args;
        const { code, out, err } = ledgerflow(...safe.map((a) => a.replaceAll('\u0000', '')));
        expect([0, 1, 2]).toContain(code);
        expect(`${out}${err}`).not.toMatch(STACK);
      }),
      { numRuns: 5 },
    );
  }, 120_000);
});
