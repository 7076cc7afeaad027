/**
 * @ledgerflow/supervisor: keeps a set of child processes running on one machine. Restarts a process that
 * exits on its own with exponential backoff, logs each exit and restart as a JSON line, keeps a status per
 * process (also as a file for other commands to read), and guards a data directory with a pid lock.
 */
export * from './backoff.js';
export * from './process-types.js';
export * from './supervisor.js';
export * from './status-file.js';
export * from './pid-lock.js';
export * from './service-node-args.js';
