import { isHolderAlive, readPidLock } from '@ledgerflow/supervisor';
import { UsageError, stringOption } from './args.js';
import type { ParsedArgs } from './args.js';
import type { CliCommand, CliIo } from './command.js';
import { dataDirOf } from './start-layout.js';

const usage = 'stop [--data-dir <dir>] [--timeout-seconds <n>]';

/**
 * `ledgerflow stop [--data-dir <dir>] [--timeout-seconds <n>]`: sends SIGTERM to the `ledgerflow start` that
 * holds the data directory's pid lock and waits (default 60 s) until it has stopped its processes and exited.
 * Exit 0 once stopped; 1 when nothing runs there or it is still running after the timeout; 2 for usage errors.
 */
async function run(args: ParsedArgs, io: CliIo): Promise<number> {
  const layout = dataDirOf(stringOption(args, 'data-dir'), io.env);
  const timeoutMs = Number(stringOption(args, 'timeout-seconds') ?? 60) * 1000;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
    throw new UsageError('--timeout-seconds must be a positive number');
  const holder = readPidLock(layout.pidFile);
  if (!holder || !isHolderAlive(holder.pid, holder.script)) {
    io.err(`Ledgerflow is not running on ${layout.root}${holder ? ` (stale pid file of pid ${holder.pid})` : ''}\n`);
    return 1;
  }
  process.kill(holder.pid, 'SIGTERM');
  io.out(`sent SIGTERM to Ledgerflow (pid ${holder.pid}); waiting for it to stop\n`);
  const deadline = Date.now() + timeoutMs;
  while (isHolderAlive(holder.pid, holder.script)) {
    if (Date.now() > deadline) {
      io.err(
        `Ledgerflow (pid ${holder.pid}) is still running after ${timeoutMs / 1000} s; see ${layout.logsDir}/supervisor.log\n`,
      );
      return 1;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  io.out('stopped\n');
  return 0;
}

export const stopCommand: CliCommand = {
  path: ['stop'],
  usage,
  summary: 'Stop the `ledgerflow start` running on a data directory',
  options: [
    {
      flags: '--data-dir <dir>',
      description: 'the data directory (default LEDGERFLOW_DATA_DIR, else .data/ledgerflow)',
    },
    { flags: '--timeout-seconds <n>', description: 'how long to wait for it to stop (default 60)' },
  ],
  details: 'Exit codes: 0 stopped, 1 nothing runs there or it still runs after the timeout, 2 usage errors.',
  run,
};
