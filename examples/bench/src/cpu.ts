import { readFile } from 'node:fs/promises';

/** Linux's USER_HZ: /proc/<pid>/stat counts CPU time in ticks of 1/100 s on every mainstream kernel configuration. */
const TICKS_PER_SECOND = 100;

/**
 * CPU time a process has used so far, in milliseconds: utime + stime + cutime + cstime from `/proc/<pid>/stat`
 * (fields 14-17; its waited-for children included), resolution 10 ms. NaN when the process is gone or not on Linux.
 */
export async function cpuMillis(pid: number): Promise<number> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count fields after its closing one.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0);
    return (ticks * 1000) / TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

/** CPU milliseconds of each named process, read at one moment. */
export async function cpuSnapshot(pids: ReadonlyMap<string, number>): Promise<Map<string, number>> {
  const entries = await Promise.all([...pids].map(async ([name, pid]) => [name, await cpuMillis(pid)] as const));
  return new Map(entries);
}

/** Per-process CPU milliseconds spent between two snapshots, divided by `units` (e.g. steps completed). */
export function cpuPerUnit(
  before: ReadonlyMap<string, number>,
  after: ReadonlyMap<string, number>,
  units: number,
): Map<string, number> {
  const result = new Map<string, number>();
  for (const [name, start] of before) result.set(name, ((after.get(name) ?? Number.NaN) - start) / units);
  return result;
}
