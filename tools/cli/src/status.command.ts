import { isHolderAlive, readPidLock, readStatusFile, type ProcessStatus, type SupervisorStatusFile } from '@ledgerflow/supervisor';
import { UsageError, parseArgs } from './args.js';
import type { CliCommand, CliIo } from './command.js';
import { dataDirOf } from './start-layout.js';

const usage = 'status [--data-dir <dir>] [--json]';

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
  return [header, ...rows].map((row) => row.map((cell, i) => cell.padEnd(widths[i] as number)).join('  ').trimEnd()).join('\n');
}

/**
 * `ledgerflow status [--data-dir <dir>] [--json]`: what `ledgerflow start` on that data directory runs now,
 * from the status file its supervisor keeps (`<dataDir>/status.json`). Exit 0 while it runs; 1 when it
 * is not running (the last status is still printed when there is one); 2 for usage errors.
 */
async function run(args: readonly string[], io: CliIo): Promise<number> {
  let layout;
  let json: boolean;
  try {
    const { positional, options } = parseArgs(args, ['data-dir'], ['json']);
    if (positional.length > 0) throw new UsageError(`unexpected argument ${positional[0]}`);
    layout = dataDirOf(options.get('data-dir') as string | undefined, io.env);
    json = options.get('json') === true;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`error: ${error.message}\nusage: ledgerflow ${usage}\n`);
    return 2;
  }
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

export const statusCommand: CliCommand = {
  path: ['status'],
  usage,
  summary: 'Show each process of a running `ledgerflow start`: pid, uptime, restarts, ready',
  run,
};
