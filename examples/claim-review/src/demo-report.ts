import type { RunTrace } from '@ledgerflow/contracts';

/** Formats rows as a fixed-width text table (header, rule, rows). */
export function table(headers: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number>>): string {
  const cells = rows.map((row) => row.map(String));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((row) => (row[i] ?? '').length)));
  const line = (row: readonly string[]) =>
    row
      .map((cell, i) => cell.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

/** The per-run trace table of the demo: step, tool, action, status, duration_ms, policy result. */
export function traceTable(trace: RunTrace): string {
  const rows = trace.steps.map((s) => [
    s.step,
    s.tool,
    s.action,
    s.status + (s.attempts > 1 ? ` (${s.attempts} attempts)` : ''),
    s.duration_ms === null ? '-' : s.duration_ms.toFixed(1),
    (s.policy ?? '-') +
      (s.gate ? ` -> gate ${s.gate.status}${s.gate.decided_by ? ` by ${s.gate.decided_by}` : ''}` : ''),
  ]);
  return table(['step', 'tool', 'action', 'status', 'duration_ms', 'policy'], rows);
}
