import { createHash } from 'node:crypto';
import { appendFileSync, closeSync, fsyncSync, openSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { defineTool, result, ToolError } from '@ledgerflow/sdk';
import type { ToolContext } from '@ledgerflow/sdk';

/** `bench.noop`: returns its input at once (benchmarks measure everything around it). */
export const noopTool = defineTool({
  tool: 'bench',
  action: 'noop',
  handler: async (input: unknown) => ({ echo: input }),
});

/**
 * `bench.secrets`: answers which secrets the call received and a SHA-256 fingerprint of each (first 12 hex), so a
 * test can check the value arrived without the value itself ever reaching an output (outputs are stored).
 */
export const secretsTool = defineTool({
  tool: 'bench',
  action: 'secrets',
  handler: async (_input: unknown, ctx) => ({
    received: Object.fromEntries(
      Object.entries(ctx.secrets).map(([name, value]) => [
        name,
        createHash('sha256').update(value).digest('hex').slice(0, 12),
      ]),
    ),
  }),
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
      return { recorded: appendOnce(ledgerPath, 'idempotencyKey', ledgerEntry(ctx)) };
    },
  });
}

/**
 * `bench.apply` (retries after an effect that applied): sleeps `input.sleepMs`, then appends
 * `{ idempotencyKey, effectKey, runId, stepId, attempt, grant }` to the ledger at `ledgerPath` unless a line with the
 * same `effectKey` (`<runId>/<stepId>`, the same for every attempt of the step) is there already, as the payout of
 * examples/claim-review dedupes. On attempts up to `input.failAttempts` (default 0) it then fails with
 * `upstream_reply_lost` (retryable): an upstream that applied the effect and whose reply was lost, so the step's
 * retry finds the effect applied and must not apply it again. Calls are appended to `<ledgerPath>.calls` as by
 * `bench.record`; returns `{ applied, attempt }` (`applied`: whether this call wrote the line).
 */
export function applyTool(ledgerPath: string) {
  return defineTool({
    tool: 'bench',
    action: 'apply',
    handler: async (input: { sleepMs?: number; failAttempts?: number }, ctx) => {
      appendLine(`${ledgerPath}.calls`, { idempotencyKey: ctx.idempotencyKey, at: new Date().toISOString() });
      await sleep(input.sleepMs ?? 0);
      const applied = appendOnce(ledgerPath, 'effectKey', { ...ledgerEntry(ctx), effectKey: ctx.effectKey });
      if (ctx.attempt <= (input.failAttempts ?? 0)) {
        throw new ToolError(
          'upstream_reply_lost',
          `attempt ${ctx.attempt} of ${ctx.stepId}: the upstream applied ${ctx.effectKey}, its reply was lost`,
          { retryable: true },
        );
      }
      return { applied, attempt: ctx.attempt };
    },
  });
}

/** A ledger line of the call `ctx`: its keys, run, step, attempt and verified grant (`{ jti, sub, exp }` or null). */
function ledgerEntry(ctx: ToolContext): Record<string, unknown> {
  const grant = ctx.grant === undefined ? null : { jti: ctx.grant.jti, sub: ctx.grant.sub, exp: ctx.grant.exp };
  return { idempotencyKey: ctx.idempotencyKey, runId: ctx.runId, stepId: ctx.stepId, attempt: ctx.attempt, grant };
}

/** Appends `entry` (fsynced) unless a line of the ledger has the same value under `key`; true when it did. */
function appendOnce(ledgerPath: string, key: string, entry: Record<string, unknown>): boolean {
  if (readLines(ledgerPath).some((line) => line[key] === entry[key])) return false;
  appendLine(ledgerPath, entry);
  return true;
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

/**
 * `bench.flaky` (failure tests): fails with `upstream_rejected` (not retryable) while the attempt is at most
 * `input.failAttempts` (default: every attempt), then returns `{ attempt, agent }`: `agent` is the grant's subject,
 * the agent the step ran as (null without grant verification).
 */
export const flakyTool = defineTool({
  tool: 'bench',
  action: 'flaky',
  handler: async (input: { failAttempts?: number }, ctx) => {
    if (ctx.attempt <= (input.failAttempts ?? Number.MAX_SAFE_INTEGER)) {
      throw new ToolError('upstream_rejected', `the upstream system rejected attempt ${ctx.attempt} of ${ctx.stepId}`, {
        retryable: false,
      });
    }
    return { attempt: ctx.attempt, agent: ctx.grant?.sub ?? null };
  },
});

/**
 * `bench.token` and `bench.refresh_token` (recovery tests): `token` fails with `token_expired` (not retryable) until
 * `refresh_token` ran for the same run in this worker process (kept in memory), then returns `{ refreshed: true }`;
 * with input `{ expired: false }` the token is still valid and it returns `{ refreshed: false }` at once.
 */
export function tokenTools() {
  const refreshed = new Set<string>();
  return [
    defineTool({
      tool: 'bench',
      action: 'refresh_token',
      handler: async (_input: unknown, ctx) => {
        refreshed.add(ctx.runId);
        return { token: `token-${ctx.attempt}` };
      },
    }),
    defineTool({
      tool: 'bench',
      action: 'token',
      handler: async (input: { expired?: boolean } | undefined, ctx) => {
        if (input?.expired === false && !refreshed.has(ctx.runId)) return { refreshed: false };
        if (!refreshed.has(ctx.runId))
          throw new ToolError('token_expired', `the access token of run ${ctx.runId} has expired`, {
            retryable: false,
          });
        return { refreshed: true };
      },
    }),
  ];
}

/**
 * `bench.invoice` (run-time added steps): reads an invoice in `input.currency`; when it differs from
 * `input.bookCurrency` its result asks for a step `convert_currency` (`bench.noop` as agent `input.convertAs`, after
 * this step) that converts the total. The result carries `addSteps` beside the output (the executor records them).
 */
export const invoiceTool = defineTool({
  tool: 'bench',
  action: 'invoice',
  handler: async (input: { currency: string; bookCurrency: string; total?: number; convertAs: string }, ctx) => {
    const output = { currency: input.currency, total: input.total ?? 100 };
    if (input.currency === input.bookCurrency) return output;
    const convert = {
      id: 'convert_currency',
      tool: 'bench',
      action: 'noop',
      agent: input.convertAs,
      dependsOn: [ctx.stepId],
      input: { from: input.currency, to: input.bookCurrency, total: output.total },
    };
    return { ...result(output), addSteps: [convert] };
  },
});

/** `bench.expand` (depth limit tests): asks for `input.count` more `bench.noop` steps (`extra_1`, ...) as agent `input.agent`, after this step. */
export const expandTool = defineTool({
  tool: 'bench',
  action: 'expand',
  handler: async (input: { count: number; agent: string }, ctx) => {
    const addSteps = Array.from({ length: input.count }, (_, i) => ({
      id: `extra_${i + 1}`,
      tool: 'bench',
      action: 'noop',
      agent: input.agent,
      dependsOn: [ctx.stepId],
      input: { n: i + 1 },
    }));
    return { ...result({ requested: input.count }), addSteps };
  },
});
