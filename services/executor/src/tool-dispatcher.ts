import type { NatsConnection } from '@nats-io/nats-core';
import { describeOutputIssues, stepOutputIssues } from '@ledgerflow/definitions';
import { LedgerflowError, stepUsageIssue } from '@ledgerflow/domain';
import type { PlanStep } from '@ledgerflow/domain';
import { headers, subjects } from '@ledgerflow/contracts';
import type { ToolRequest, ToolResult } from '@ledgerflow/contracts';
import type { RunCommand } from '@ledgerflow/domain';
import { requestJson } from '@ledgerflow/messaging';

/** What a tool call ended with; `durationMs` is the wall time of the request/reply in milliseconds. */
export type ToolOutcome =
  | { readonly ok: true; readonly result: ToolResult; readonly durationMs: number }
  | {
      readonly ok: false;
      readonly error: { readonly code: string; readonly message: string; readonly retryable: boolean };
      readonly durationMs: number;
    };

export interface ToolCall {
  readonly tool: string;
  readonly action: string;
  readonly timeoutMs: number;
  readonly request: ToolRequest;
  /** The step-scoped grant from the policy decision, sent as `lf-grant` (never recorded). */
  readonly grant?: string;
  /** The workflow's `requiredSecrets`, encoded for the `lf-secrets` header (never recorded, never logged). */
  readonly secrets?: string;
}

/**
 * Calls a tool action over NATS request/reply (`lf.tool.<tool>.<action>`) with the step's timeout, carrying
 * the idempotency key `<runId>/<stepId>/<attempt>` in the body and the `lf-idempotency-key` header so a
 * re-dispatch after a crash is recognised by the worker, and the step's grant in `lf-grant`. Never throws:
 * every failure is an outcome (a refused grant is the worker's `grant_invalid`, not retryable).
 * A timeout is `step_timeout`, retryable. The call is sent again, with the same key, whenever its reply may have been
 * lost, and the first reply to any copy wins (the workers' dedupe runs the handler once per key, see
 * `KvIdempotencyStore`):
 * - every {@link resendIntervalMs} while no reply came (the worker that took it may have died mid-call: a copy reaches
 *   a live replica, which waits for the dead one's claim to lapse and then runs it);
 * - at once when the connection to NATS was lost and re-established (a reply sent meanwhile is gone);
 * - every 250 ms to 2 s while no worker listens (a worker restarting, or resubscribing after a reconnect); only when
 *   the step's timeout passes with no worker is it `tool_unavailable` (retryable): the timeout passed, no copy was
 *   answered, and a copy found no worker listening (the copies still in flight then are taken to find none either;
 *   on a loaded machine the last one may time out before the server's no-responders status is read).
 */
export async function callTool(nc: NatsConnection, call: ToolCall): Promise<ToolOutcome> {
  const started = performance.now();
  const elapsed = () => Math.round((performance.now() - started) * 1000) / 1000;
  const remainingMs = () => call.timeoutMs - (performance.now() - started);
  const resendMs = resendIntervalMs(call.timeoutMs);
  const pending = new Set<Promise<Settled>>();
  let idleMs = 250;
  /** The last copy's answer that no worker listens, if one came: what a timeout then means. */
  let noWorker: unknown;
  try {
    for (;;) {
      const reconnected = nextReconnect(nc);
      const copy = settle(
        requestJson<ToolResult>(nc, subjects.tool(call.tool, call.action), call.request, {
          timeoutMs: Math.max(1, remainingMs()),
          headers: {
            [headers.runId]: call.request.runId,
            [headers.idempotencyKey]: call.request.idempotencyKey,
            ...(call.grant ? { [headers.grant]: call.grant } : {}),
            ...(call.secrets ? { [headers.secrets]: call.secrets } : {}),
          },
        }),
      );
      pending.add(copy);
      let timer: NodeJS.Timeout | undefined;
      const resendDue = new Promise<typeof RESEND>(
        (resolve) => (timer = setTimeout(() => resolve(RESEND), Math.max(1, Math.min(resendMs, remainingMs())))),
      );
      const first = await Promise.race([
        ...[...pending].map((p) => p.then((settled) => ({ settled, p }))),
        reconnected.then(() => RESEND),
        resendDue,
      ]);
      clearTimeout(timer);
      if (typeof first === 'symbol') {
        if (remainingMs() <= 0) throw new LedgerflowError('nats_timeout', `no reply within ${call.timeoutMs} ms`, true);
        continue;
      }
      const { settled, p } = first;
      if (settled.ok) return { ok: true, result: settled.value, durationMs: elapsed() };
      pending.delete(p);
      // A copy that found no worker listening is sent again after a pause (while others may still answer); any other
      // failure (the tool's error, the timeout) ends the call.
      if (isNoResponders(settled.error)) noWorker = settled.error;
      if (!isNoResponders(settled.error) || remainingMs() <= 50) throw settled.error;
      await new Promise((resolve) => setTimeout(resolve, Math.max(1, Math.min(idleMs, remainingMs() - 25))));
      idleMs = Math.min(2_000, idleMs * 2);
    }
  } catch (error) {
    const timedOut = error instanceof LedgerflowError && error.code === 'nats_timeout';
    return { ok: false, error: toStepError(timedOut && noWorker ? noWorker : error, call), durationMs: elapsed() };
  }
}

/** How often a call with no reply yet is sent again, in ms: a third of the step's timeout, within 1 s..5 s. */
export function resendIntervalMs(timeoutMs: number): number {
  return Math.max(1_000, Math.min(5_000, Math.floor(timeoutMs / 3)));
}

type Settled = { readonly ok: true; readonly value: ToolResult } | { readonly ok: false; readonly error: unknown };

function settle(request: Promise<ToolResult>): Promise<Settled> {
  return request.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

const RESEND: unique symbol = Symbol('resend');

function isNoResponders(error: unknown): boolean {
  return error instanceof LedgerflowError && error.code === 'nats_no_responders';
}
const reconnects = new WeakMap<NatsConnection, { next: Promise<void> }>();

/** Resolves at the connection's next reconnect (one status watcher per connection). */
function nextReconnect(nc: NatsConnection): Promise<void> {
  let watcher = reconnects.get(nc);
  if (watcher === undefined) {
    let fire = (): void => undefined;
    const state = { next: new Promise<void>((resolve) => (fire = resolve)) };
    watcher = state;
    reconnects.set(nc, state);
    void (async () => {
      for await (const status of nc.status()) {
        if (status.type !== 'reconnect') continue;
        const fired = fire;
        state.next = new Promise<void>((resolve) => (fire = resolve));
        fired();
      }
    })();
  }
  return watcher.next;
}

function toStepError(error: unknown, call: ToolCall): { code: string; message: string; retryable: boolean } {
  const name = `${call.tool}.${call.action}`;
  if (error instanceof LedgerflowError) {
    if (error.code === 'nats_timeout') {
      return { code: 'step_timeout', message: `${name} did not answer within ${call.timeoutMs} ms`, retryable: true };
    }
    if (error.code === 'nats_no_responders') {
      return { code: 'tool_unavailable', message: `no worker is serving ${name}`, retryable: true };
    }
    return { code: error.code, message: error.message, retryable: error.retryable };
  }
  return { code: 'tool_call_failed', message: (error as Error).message, retryable: true };
}

/**
 * The outcome as recorded: a result whose `output` fails the step's `outputSchema` becomes the failure
 * `output_invalid` (retryable, so the step's retry policy applies), its message naming each JSON pointer and
 * rule, e.g. `step score output is invalid: /score must be number (type)`. Check the output as the tool sent
 * it (before PII is tokenized). A reported `usage` that is not an object of finite numbers >= 0 under
 * `inputTokens`, `outputTokens`, `costUsd` fails the same way, naming the field, e.g.
 * `step score result is invalid: usage.costUsd must be >= 0, got -1`. Other outcomes pass unchanged.
 */
export function checkedOutcome(step: PlanStep, outcome: ToolOutcome): ToolOutcome {
  if (!outcome.ok) return outcome;
  const usageIssue = stepUsageIssue(outcome.result.usage);
  if (usageIssue !== undefined) {
    const message = `step ${step.id} result is invalid: ${usageIssue.message}`;
    return { ok: false, error: { code: 'output_invalid', message, retryable: true }, durationMs: outcome.durationMs };
  }
  if (step.outputSchema === undefined) return outcome;
  const issues = stepOutputIssues(step.outputSchema, outcome.result.output);
  if (issues.length === 0) return outcome;
  const message = `step ${step.id} output is invalid: ${describeOutputIssues(issues)}`;
  return { ok: false, error: { code: 'output_invalid', message, retryable: true }, durationMs: outcome.durationMs };
}

/** The command that records a tool call's outcome (`runDurationMs`: since `RunTriggered`, for `RunCompleted`). */
export function outcomeCommand(
  stepId: string,
  attempt: number,
  outcome: ToolOutcome,
  runDurationMs: number,
): RunCommand {
  if (!outcome.ok) {
    return {
      type: 'RecordStepFailed',
      data: { stepId, attempt, error: outcome.error, durationMs: outcome.durationMs },
    };
  }
  const { output, confidence, lineage, reasoning, alternatives, addSteps, usage } = outcome.result;
  return {
    type: 'RecordStepSucceeded',
    data: {
      stepId,
      attempt,
      output,
      ...(confidence !== undefined ? { confidence } : {}),
      ...(lineage !== undefined ? { lineage } : {}),
      ...(reasoning !== undefined ? { reasoning } : {}),
      ...(alternatives !== undefined ? { alternatives } : {}),
      ...(addSteps !== undefined ? { addSteps } : {}),
      ...(usage !== undefined ? { usage } : {}),
      durationMs: outcome.durationMs,
      runDurationMs,
    },
  };
}
