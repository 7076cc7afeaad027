import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { UsageError } from './args.js';
import type { ParsedArgs } from './args.js';
import type { CliCommand, CliIo } from './command.js';

/** The CLI's version: `version` of tools/cli/package.json (read next to `src/` and `dist/` alike). */
export function cliVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}

const usageAfterPath = (command: CliCommand): string => command.usage.split(' ').slice(command.path.length).join(' ');

/** The parsed command line of a commander command that has just parsed: its arguments and the options given. */
function parsedArgsOf(leaf: Command): ParsedArgs {
  const positional = (leaf.processedArgs as unknown[]).flatMap((value) =>
    value === undefined ? [] : Array.isArray(value) ? (value as string[]) : [value as string],
  );
  const values = leaf.opts();
  const options = new Map<string, string | true | readonly string[]>();
  for (const option of leaf.options) {
    const value = values[option.attributeName()] as string | true | string[] | undefined;
    const given = Array.isArray(value) ? value.length > 0 : value !== undefined;
    if (given && option.long) options.set(option.long.slice(2), value as string | true | readonly string[]);
  }
  return { positional, options };
}

/** Adds `command`'s arguments, options and help to the commander command `leaf`. */
function declare(leaf: Command, command: CliCommand): Command {
  leaf.description(command.summary).usage(usageAfterPath(command));
  for (const argument of command.arguments ?? []) leaf.argument(argument.name, argument.description);
  for (const spec of command.options ?? []) {
    const option = new Option(spec.flags, spec.description);
    if (spec.repeatable) option.argParser((value: string, previous: string[] = []) => [...previous, value]);
    leaf.addOption(option);
  }
  if (command.details) leaf.addHelpText('after', `\n${command.details}`);
  return leaf.showHelpAfterError(`usage: ledgerflow ${command.usage}\n(ledgerflow ${command.path.join(' ')} --help)`);
}

/**
 * The commander program of `commands`: one subcommand per group (`runs`, `gates`, ...) holding its verbs, a
 * top-level command for a one-word path (`start`). Output goes to `io`; nothing exits the process (commander's
 * exits are thrown as `CommanderError`). `onRun` receives the command chosen and its parsed command line.
 */
export function buildProgram(
  commands: readonly CliCommand[],
  io: CliIo,
  onRun: (command: CliCommand, args: ParsedArgs) => Promise<void>,
): Command {
  const program = new Command('ledgerflow')
    .description('Ledgerflow: policy-governed, replayable workflows (docs/operations.md)')
    .version(cliVersion(), '-V, --version', 'print the version of ledgerflow')
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.out(text), writeErr: (text) => io.err(text) })
    .showSuggestionAfterError(true)
    .showHelpAfterError('(ledgerflow --help lists the commands)')
    .addHelpText(
      'after',
      "\nledgerflow <group> --help lists a group's commands; ledgerflow <group> <command> --help shows its arguments and options.\n" +
        'Exit codes: 0 done, 1 the command ran and failed (or was refused), 2 a wrong command line.\n' +
        'Gateway: LEDGERFLOW_URL (default: the one `ledgerflow start` runs, else http://127.0.0.1:8080); token: LEDGERFLOW_TOKEN.',
    );
  const groups = new Map<string, Command>();
  for (const command of commands) {
    const [first, ...rest] = command.path as [string, ...string[]];
    let parent = program;
    if (rest.length > 0) {
      let group = groups.get(first);
      if (group === undefined) {
        group = program.command(first);
        groups.set(first, group);
      }
      parent = group;
    }
    const leaf = declare(parent.command(rest.join(' ') || first), command);
    leaf.action(async () => onRun(command, parsedArgsOf(leaf)));
  }
  for (const [name, group] of groups) {
    const verbs = group.commands.map((c) => c.name());
    group
      .description(verbs.join(', '))
      .usage('<command> [options]')
      .showHelpAfterError(`(ledgerflow ${name} --help lists its commands)`);
  }
  return program;
}

/**
 * `argv` without its help requests (`--help`, `-h`, a leading `help`) when it names a command that does not exist
 * (`ledgerflow frob --help`, `ledgerflow runs frob --help`), so that commander reports the unknown command (exit 2)
 * instead of printing the parent's help as if the command were known; `argv` itself otherwise. Walks the command
 * tree over the operands: above a leaf the only options are `--help` and `--version`, which take no value.
 */
function withoutHelpForUnknownCommand(program: Command, argv: readonly string[]): readonly string[] {
  let current = program;
  const operands = argv.filter((arg, i) => !arg.startsWith('-') && !(i === 0 && arg === 'help'));
  for (const operand of operands) {
    if (current.commands.length === 0) return argv;
    const next = current.commands.find((c) => c.name() === operand || c.aliases().includes(operand));
    if (next === undefined)
      return argv.filter((arg, i) => arg !== '--help' && arg !== '-h' && !(i === 0 && arg === 'help'));
    current = next;
  }
  return argv;
}

/**
 * Runs `argv` (without `node` and the script) against `commands` with commander: `--version`, `--help` (also
 * per group and per command, and `ledgerflow help <command>`), and the chosen command's `run`.
 * @returns the exit code: the command's, 0 for help and version, 2 for a wrong command line (an unknown command, even
 *   with `--help`, or option, a missing or extra argument, an option without its value, a `UsageError` from the command: the
 *   message, a suggestion when commander has one, and the command's usage are printed to `io.err`), also for a bare
 *   `ledgerflow` or group (their help is printed to `io.err`).
 */
export async function runCli(commands: readonly CliCommand[], argv: readonly string[], io: CliIo): Promise<number> {
  let code = 0;
  const program = buildProgram(commands, io, async (command, args) => {
    try {
      code = await command.run(args, io);
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      io.err(`error: ${error.message}\nusage: ledgerflow ${command.usage}\n`);
      code = 2;
    }
  });
  try {
    await program.parseAsync([...withoutHelpForUnknownCommand(program, argv)], { from: 'user' });
    return code;
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    return error.exitCode === 0 ? 0 : 2;
  }
}

/**
 * Parses one command's arguments (after its path) as `runCli` would, for commands whose parsing is tested alone.
 * @throws UsageError with commander's message (e.g. `unknown option '--follow'`).
 */
export function parseCommandLine(command: Omit<CliCommand, 'run'>, args: readonly string[]): ParsedArgs {
  const silent: CliIo = { out: () => undefined, err: () => undefined, env: {} };
  let parsed: ParsedArgs | undefined;
  const program = buildProgram([{ ...command, run: async () => 0 }], silent, async (_command, args) => {
    parsed = args;
  });
  try {
    program.parse([...command.path, ...args], { from: 'user' });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    throw new UsageError(error.message.replace(/^error: /, ''));
  }
  if (parsed === undefined) throw new UsageError(`${command.path.join(' ')}: nothing parsed`);
  return parsed;
}
