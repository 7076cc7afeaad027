import { spawnSync } from 'node:child_process';
import { runCli } from './cli.js';
import { allCommands } from './commands.js';

async function script(shell: string): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(allCommands(), ['completion', shell], {
    out: (t) => (out += t),
    err: (t) => (err += t),
    env: {},
  });
  return { code, out, err };
}

/** What bash offers for the words typed so far (the last one being completed), with the generated script loaded. */
function complete(bash: string, words: string[]): string[] {
  const program = `${bash}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _ledgerflow; printf '%s\\n' "\${COMPREPLY[@]}"; complete -p ledgerflow >&2`;
  const done = spawnSync('bash', ['--norc', '--noprofile', '-c', program], { encoding: 'utf8' });
  expect([done.status, done.stderr]).toEqual([0, 'complete -o default -F _ledgerflow ledgerflow\n']);
  return done.stdout.split('\n').filter(Boolean);
}

describe('ledgerflow completion', () => {
  it('bash: completes command groups, their commands and each command’s options through compgen', async () => {
    const { code, out } = await script('bash');
    expect(code).toBe(0);
    expect(complete(out, ['ledgerflow', 'ru'])).toEqual(['runs']);
    expect(complete(out, ['ledgerflow', 'runs', 'st'])).toEqual(['start', 'state']);
    expect(complete(out, ['ledgerflow', 'workflows', 'v'])).toEqual(['validate']);
    expect(complete(out, ['ledgerflow', 'runs', 'start', 'hello', '--input', 'in.json', '--'])).toEqual([
      '--input',
      '--idempotency-key',
      '--watch',
      '--plain',
      '--help',
    ]);
    expect(complete(out, ['ledgerflow', 'audit', 'export', 'r-1', '--o'])).toEqual(['--out']);
    // Every command of the CLI is offered under its group (the script is generated from the same tree).
    for (const command of allCommands()) {
      const [first, ...rest] = command.path as [string, ...string[]];
      expect(complete(out, ['ledgerflow', first.slice(0, 3)])).toContain(first);
      if (rest.length > 0) expect(complete(out, ['ledgerflow', first, ''])).toContain(rest[0]);
    }
  });

  it('zsh: the same completion through bashcompinit; another shell is a usage error', async () => {
    const { code, out } = await script('zsh');
    expect(code).toBe(0);
    expect(out.startsWith('#compdef ledgerflow\n')).toBe(true);
    expect(out).toContain('bashcompinit');
    expect(out).toContain((await script('bash')).out);
    expect(await script('fish')).toMatchObject({
      code: 2,
      err: expect.stringContaining('the shell must be bash or zsh'),
    });
  });
});
