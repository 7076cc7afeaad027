import type { ParsedArgs } from './args.js';

/** What a command writes to; tests capture it. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  env: Readonly<Record<string, string | undefined>>;
}

/** A positional argument, in commander syntax: `<run-id>` required, `[file]` optional, `<file...>` one or more. */
export interface CliArgument {
  readonly name: string;
  readonly description: string;
}

/** An option, in commander syntax: `--status <status>` takes a value, `--mine` is a switch. */
export interface CliOption {
  readonly flags: string;
  readonly description: string;
  /** The option may be given several times; its value is then every value in order (`--worker a --worker b`). */
  readonly repeatable?: boolean;
}

/**
 * One `ledgerflow <group> <verb>` (or `ledgerflow <verb>`) command, declared for commander (cli.ts), which parses
 * and checks its command line and writes its `--help`. `run` returns the process exit code: 0 success, 1 the
 * command ran and found a failure (e.g. a policy test case mismatched, the gateway refused), 2 usage errors
 * (`UsageError`, thrown by `run` or found by commander).
 */
export interface CliCommand {
  /** Words after `ledgerflow`, e.g. `['policy', 'test']`. */
  readonly path: readonly string[];
  /** The usage line after `ledgerflow`, path included (`runs watch <runId> [--until <EventType>] [--plain]`). */
  readonly usage: string;
  /** One line for the command lists. */
  readonly summary: string;
  readonly arguments?: readonly CliArgument[];
  readonly options?: readonly CliOption[];
  /** Printed after the options in `--help`: exit codes, environment, examples. */
  readonly details?: string;
  run(args: ParsedArgs, io: CliIo): Promise<number>;
}
