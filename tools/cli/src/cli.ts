import type { CliCommand, CliIo } from './command.js';

/**
 * Dispatches `argv` (without `node` and the script) to the command whose path it starts with; prints
 * usage for `--help`, no arguments, or an unknown command (exit code 2).
 */
export async function runCli(commands: readonly CliCommand[], argv: readonly string[], io: CliIo): Promise<number> {
  const match = commands
    .filter((command) => command.path.every((word, i) => argv[i] === word))
    .sort((a, b) => b.path.length - a.path.length)[0];
  if (!match || argv.includes('--help') || argv.includes('-h')) {
    const lines = [
      'usage: ledgerflow <command> [options]',
      '',
      ...commands.map((c) => `  ${c.usage.padEnd(58)} ${c.summary}`),
    ];
    (match || argv.length === 0 || argv.includes('--help') ? io.out : io.err)(`${lines.join('\n')}\n`);
    return match || argv.includes('--help') || argv.includes('-h') ? 0 : 2;
  }
  return match.run(argv.slice(match.path.length), io);
}
