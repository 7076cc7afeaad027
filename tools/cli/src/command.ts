import { UsageError } from './args.js';

/** What a command writes to; tests capture it. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  env: Readonly<Record<string, string | undefined>>;
}

/**
 * One `ledgerflow <group> <verb>` command. `run` returns the process exit code: 0 success, 1 the command
 * ran and found a failure (e.g. a policy test case mismatched), 2 usage errors.
 */
export interface CliCommand {
  /** Words after `ledgerflow`, e.g. `['policy', 'test']`. */
  readonly path: readonly string[];
  readonly usage: string;
  readonly summary: string;
  run(args: readonly string[], io: CliIo): Promise<number>;
}

/**
 * A command whose `run` may throw {@link UsageError}: the message and the usage are printed to `io.err` and the
 * exit code is 2. Any other error propagates.
 */
export function usageCheckedCommand(
  path: string[],
  usage: string,
  summary: string,
  run: CliCommand['run'],
): CliCommand {
  return {
    path,
    usage,
    summary,
    run: async (args, io) => {
      try {
        return await run(args, io);
      } catch (error) {
        if (!(error instanceof UsageError)) throw error;
        io.err(`error: ${error.message}\nusage: ledgerflow ${usage}\n`);
        return 2;
      }
    },
  };
}
