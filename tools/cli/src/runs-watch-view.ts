import type { RunUpdate, RunView } from '@ledgerflow/sdk';

/**
 * What `ledgerflow runs watch` prints: a table of a run's steps (as `GET /v1/runs/{id}` folds them), one line per
 * update when stdout is not a terminal, and the outcome. Pure functions of their inputs.
 */

/** One step as `GET /v1/runs/{id}` lists it (fields the table uses). */
interface StepRow {
  readonly stepId?: string;
  readonly status?: string;
  readonly attempt?: number;
  readonly durationMs?: number;
}

const HEADER = ['STEP', 'STATUS', 'ATTEMPT', 'DURATION'] as const;

/** `1234` -> `1.2 s`, `87` -> `87 ms`, undefined -> `-`. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return '-';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** The run's steps as aligned text lines (header first), in plan order; then a line with the run's status. */
export function stepTable(run: RunView): string[] {
  const steps = (Array.isArray(run.steps) ? run.steps : []) as StepRow[];
  const rows = steps.map((step) => [
    step.stepId ?? '?',
    step.status ?? 'pending',
    String(step.attempt ?? '-'),
    formatDuration(step.durationMs),
  ]);
  const widths = HEADER.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] as string).length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] as number))
      .join('  ')
      .trimEnd();
  return [line(HEADER), ...rows.map(line), `run ${run.runId}: ${run.status}`];
}

/** One update as a plain line: position, event type, step and attempt when named, the run's status after it. */
export function updateLine(update: RunUpdate): string {
  const step =
    update.stepId === undefined
      ? ''
      : ` ${update.stepId}${update.attempt === undefined ? '' : ` (attempt ${update.attempt})`}`;
  return `[${update.position}] ${update.occurredAt} ${update.type}${step} -> run ${update.status}`;
}

/**
 * The outcome line and exit code of a finished run: 0 for `completed`; 1 for `failed` (with the failure's code and
 * reason) or `cancelled`.
 */
export function outcomeOf(run: RunView): { line: string; code: number } {
  const failure = run.failure as { code?: string; reason?: string } | undefined;
  if (run.status === 'completed') return { line: `run ${run.runId} completed`, code: 0 };
  if (run.status === 'failed')
    return {
      line: `run ${run.runId} failed: ${failure?.code ?? 'unknown'}: ${failure?.reason ?? ''}`.trimEnd(),
      code: 1,
    };
  return { line: `run ${run.runId} ${run.status}`, code: 1 };
}

/** ANSI: move the cursor to the start of the line `lines` up and clear to the end of the screen (ECMA-48 CPL, ED). */
export function eraseLines(lines: number): string {
  return lines > 0 ? `\u001b[${lines}F\u001b[J` : '';
}
