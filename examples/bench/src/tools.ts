import { appendFileSync, closeSync, fsyncSync, openSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { defineTool } from '@ledgerflow/sdk';

/** `bench.noop`: returns its input at once (benchmarks measure everything around it). */
export const noopTool = defineTool({
  tool: 'bench',
  action: 'noop',
  handler: async (input: unknown) => ({ echo: input }),
});

/**
 * `bench.record`: sleeps `input.sleepMs`, then appends `{ idempotencyKey, runId, stepId, attempt, grant }` to
 * the JSON Lines ledger at `ledgerPath` (fsynced) unless a line with the same key is there already: a side
 * effect applied at most once per idempotency key, even across worker restarts. Every call, deduplicated
 * or not, is appended to `<ledgerPath>.calls` so tests can see re-dispatches. `grant` is
 * `{ jti, sub, exp }` of the verified step grant (`jti`: the policy decision's audit id), or null when the
 * worker runs without grant verification; the token itself is never written.
 */
export function recordTool(ledgerPath: string) {
  return defineTool({
    tool: 'bench',
    action: 'record',
    handler: async (input: { sleepMs?: number }, ctx) => {
      appendLine(`${ledgerPath}.calls`, { idempotencyKey: ctx.idempotencyKey, at: new Date().toISOString() });
      await sleep(input.sleepMs ?? 0);
      const applied = readLines(ledgerPath).some((line) => line.idempotencyKey === ctx.idempotencyKey);
      if (!applied) {
        const grant = ctx.grant === undefined ? null : { jti: ctx.grant.jti, sub: ctx.grant.sub, exp: ctx.grant.exp };
        appendLine(ledgerPath, { idempotencyKey: ctx.idempotencyKey, runId: ctx.runId, stepId: ctx.stepId, attempt: ctx.attempt, grant });
      }
      return { recorded: !applied };
    },
  });
}

export function readLines(path: string): Array<Record<string, unknown>> {
  try {
    return readFileSync(path, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

function appendLine(path: string, entry: Record<string, unknown>): void {
  appendFileSync(path, `${JSON.stringify(entry)}\n`);
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
