/** A wrong command line: the command prints the message and its usage, and exits with code 2. */
export class UsageError extends Error {}

export interface ParsedArgs<V = string | true> {
  readonly positional: string[];
  readonly options: Map<string, V>;
}

/**
 * Splits a command's arguments into positional ones and `--name value` / `--name=value` options (`valued`)
 * and `--name` switches (`flags`, set to `true`).
 * @throws UsageError naming an unknown option or a valued option without its value.
 */
export function parseArgs(
  args: readonly string[],
  valued: readonly string[],
  flags: readonly string[] = [],
): ParsedArgs {
  const positional: string[] = [];
  const options = new Map<string, string | true>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const [name, inline] = arg.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    if (flags.includes(name)) options.set(name, true);
    else if (valued.includes(name)) {
      const value = inline ?? args[++i];
      if (value === undefined) throw new UsageError(`--${name} needs a value`);
      options.set(name, value);
    } else throw new UsageError(`unknown option --${name}`);
  }
  return { positional, options };
}

/** {@link parseArgs} for commands without switches: every option has a string value. */
export function parseValuedArgs(args: readonly string[], valued: readonly string[]): ParsedArgs<string> {
  return parseArgs(args, valued) as ParsedArgs<string>;
}
