/**
 * @ledgerflow/config: typed, fail-fast configuration from environment variables (README.md,
 * "Configuration"). Declare a class with `@Env` + class-validator rules, `loadConfig` it at start, and
 * wrap the service main in `runOrExit` so a bad variable stops the process with its name (exit 78).
 */
export * from './env.decorator.js';
export * from './env-conversion.js';
export * from './config-error.js';
export * from './required-when.decorator.js';
export * from './load-config.js';
export * from './common.config.js';
export * from './run-or-exit.js';
export * from './file-rules.decorator.js';
