import { ConfigError } from './config-error.js';

/** `EX_CONFIG` from sysexits(3): "something was found in an unconfigured or misconfigured state". */
export const EXIT_CONFIG = 78;

/** Where {@link runOrExit} reports; tests replace it. */
export interface ExitIo {
  writeError(text: string): void;
  exit(code: number): void;
}

const processIo: ExitIo = {
  writeError: (text) => {
    process.stderr.write(text);
  },
  exit: (code) => {
    process.exit(code);
  },
};

/**
 * Runs a service main. A {@link ConfigError} prints its message (every bad variable) to stderr and exits
 * with code 78 (`EX_CONFIG`); any other failure prints its stack and exits with code 1.
 * @example await runOrExit(async () => { const config = loadConfig(ExecutorConfig); await start(config); });
 */
export async function runOrExit(fn: () => unknown, io: ExitIo = processIo): Promise<void> {
  try {
    await fn();
  } catch (error) {
    if (error instanceof ConfigError) {
      io.writeError(`${error.message}\n`);
      io.exit(EXIT_CONFIG);
      return;
    }
    io.writeError(`fatal: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    io.exit(1);
  }
}
