import {
  isHolderAlive,
  readPidLock,
  readStatusFile,
  type ProcessStatus,
  type SupervisorStatusFile,
} from '@ledgerflow/supervisor';
import { UsageError, stringOption } from './args.js';
import type { ParsedArgs } from './args.js';
import type { CliCommand, CliIo } from './command.js';
import { dataDirOf } from './start-layout.js';

const usage = 'status [--data-dir <dir>] [--json] [--wait <seconds>]';

/** `1h02m`, `3m05s`, `12s` from milliseconds. */
export function formatUptime(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const [h, m, sec] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m${String(sec).padStart(2, '0')}s`;
  return `${sec}s`;
}

function lastExitOf(p: ProcessStatus): string {
  if (!p.lastExit) return '-';
  return `${p.lastExit.signal ?? `code ${p.lastExit.code}`} at ${p.lastExit.at}`;
}

/** The status file as a table: one row per process (pid, state, uptime, restarts, ready, last exit). */
export function statusTable(status: SupervisorStatusFile, now: number): string {
  const rows = status.processes.map((p) => [
    p.name,
    p.pid === null ? '-' : String(p.pid),
    p.state,
    p.startedAt ? formatUptime(now - Date.parse(p.startedAt)) : '-',
    String(p.restarts),
    p.ready ? 'yes' : 'no',
    lastExitOf(p),
  ]);
  const header = ['PROCESS', 'PID', 'STATE', 'UPTIME', 'RESTARTS', 'READY', 'LAST EXIT'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  return [header, ...rows]
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i] as number))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/**
 * `ledgerflow status [--data-dir <dir>] [--json]`: what `ledgerflow start` on that data directory runs now,
 * from the status file its supervisor keeps (`<dataDir>/status.json`). Exit 0 while it runs; 1 when it
 * is not running (the last status is still printed when there is one); 2 for usage errors. With `--wait <seconds>`
 * (1..3600) it first waits until it runs with every process ready (e.g. after `ledgerflow start &` in a script), and
 * exits 1 when that does not happen in time.
 */
async function run(args: ParsedArgs, io: CliIo): Promise<number> {
  const layout = dataDirOf(stringOption(args, 'data-dir'), io.env);
  const json = args.options.has('json');
  const wait = stringOption(args, 'wait');
  const waitSeconds = wait === undefined ? 0 : Number(wait);
  if (wait !== undefined && !(Number.isInteger(waitSeconds) && waitSeconds >= 1 && waitSeconds <= 3600))
    throw new UsageError(`--wait must be a whole number of seconds from 1 to 3600, got ${wait}`);
  if (waitSeconds > 0) await waitUntilReady(layout, waitSeconds * 1000);
  const holder = readPidLock(layout.pidFile);
  const running = holder !== undefined && isHolderAlive(holder.pid, holder.script);
  let status: SupervisorStatusFile;
  try {
    status = readStatusFile(layout.statusFile);
  } catch (error) {
    io.err(`Ledgerflow is not running on ${layout.root}: ${(error as Error).message}\n`);
    return 1;
  }
  if (json) io.out(`${JSON.stringify({ running, ...status }, null, 2)}\n`);
  else {
    const head = running
      ? `Ledgerflow is running on ${layout.root} (supervisor pid ${status.supervisorPid}, up ${formatUptime(Date.now() - Date.parse(status.startedAt))}); gateway ${status.info.gatewayUrl ?? '?'}`
      : `Ledgerflow is not running on ${layout.root}; last status at ${status.updatedAt}:`;
    io.out(`${head}\n${statusTable(status, running ? Date.now() : Date.parse(status.updatedAt))}\n`);
  }
  return running ? 0 : 1;
}

/** Polls every 250 ms until the instance runs with every process ready, or `timeoutMs` passed. */
async function waitUntilReady(layout: { pidFile: string; statusFile: string }, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const holder = readPidLock(layout.pidFile);
    if (holder !== undefined && isHolderAlive(holder.pid, holder.script)) {
      try {
        const status = readStatusFile(layout.statusFile);
        // The status file of this supervisor (not one left by an earlier start), every process ready.
        if (
          status.supervisorPid === holder.pid &&
          status.processes.length > 0 &&
          status.processes.every((p) => p.ready)
        )
          return;
      } catch {
        /* not written yet */
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

export const statusCommand: CliCommand = {
  path: ['status'],
  usage,
  summary: 'Show each process of a running `ledgerflow start`: pid, uptime, restarts, ready',
  options: [
    {
      flags: '--data-dir <dir>',
      description: 'the data directory (default LEDGERFLOW_DATA_DIR, else .data/ledgerflow)',
    },
    { flags: '--json', description: 'the status file as JSON, with `running`' },
    { flags: '--wait <seconds>', description: 'first wait up to this long (1..3600) until every process is ready' },
  ],
  details: 'Exit codes: 0 running, 1 not running (or not ready within --wait), 2 usage errors.',
  run,
};
