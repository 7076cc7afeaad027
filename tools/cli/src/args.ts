/**
 * A wrong command line found by a command itself (a malformed value, a missing file, a missing token): `runCli`
 * prints `error: <message>` and the command's usage, and exits with code 2. Commander reports what it checks
 * (unknown options, missing or extra arguments, an option without its value) the same way.
 */
export class UsageError extends Error {}

/**
 * A command's parsed command line. `positional`: the arguments in order (a variadic one spread out); `options`: the
 * options given, by long name without `--` (`idempotency-key`), valued ones as their string, switches as `true`,
 * repeatable ones as every value in order. An option not given is absent.
 */
export interface ParsedArgs {
  readonly positional: readonly string[];
  readonly options: ReadonlyMap<string, string | true | readonly string[]>;
}

/** A valued option's value, if given. @throws UsageError when the option was declared as a switch or repeatable. */
export function stringOption(parsed: ParsedArgs, name: string): string | undefined {
  const value = parsed.options.get(name);
  if (value === undefined || typeof value === 'string') return value;
  throw new UsageError(`--${name} takes one value`);
}
