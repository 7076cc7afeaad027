import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StartGoalResult } from '@ledgerflow/contracts';
import { LedgerflowClient } from '@ledgerflow/sdk';
import { authHeader, devToken, startStack, type Stack } from '@ledgerflow/testing';
import { packageDir } from './paths.js';
import { GOAL_TRIAGE_TOOL_SUBJECTS } from './tools/goal-triage-tools.js';

/** The template workflow of every triage goal (workflows/goal-triage.yaml). */
export const TEMPLATE = 'goal-triage';

/** A sample ticket (tickets/*.json): the run input of one goal. `amount`: the refund asked for, EUR. */
export interface Ticket {
  readonly ticketId: string;
  readonly customerEmail: string;
  readonly subject: string;
  readonly message: string;
  readonly amount?: number;
}

/** The sample tickets, by file name. */
export function readTickets(): Ticket[] {
  const dir = join(packageDir, 'tickets');
  return readdirSync(dir)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => JSON.parse(readFileSync(join(dir, file), 'utf8')) as Ticket);
}

/** `goals/reply-only.json`: the desired outputs of a ticket that asks no refund (a reply draft only). */
export const replyOnly = (): Record<string, unknown> =>
  JSON.parse(readFileSync(join(packageDir, 'goals/reply-only.json'), 'utf8')) as Record<string, unknown>;

/**
 * The body of `POST /v1/goals` for a ticket: the goal in words, the ticket as input, and, for a ticket that asks no
 * refund, desired outputs without `refundId` (else the template's: `replyDraft` and `refundId`); the ticket id is
 * the idempotency key (one ticket, one run).
 */
export function goalOf(ticket: Ticket): Record<string, unknown> {
  const refund = ticket.amount !== undefined;
  return {
    template: TEMPLATE,
    goal: refund
      ? `Answer support ticket ${ticket.ticketId} and refund the ${ticket.amount} EUR the customer asks for`
      : `Answer support ticket ${ticket.ticketId}`,
    input: ticket,
    ...(refund ? {} : { desiredOutputs: replyOnly() }),
    idempotencyKey: ticket.ticketId,
  };
}

/**
 * nats-server and the six services as OS processes, with goal-triage's definitions and policy packs only, and the
 * goal-triage workers (they announce their tools in LF_TOOLS before their ready line). `refunds`: the refund register.
 */
export function startTriageStack(dataDir: string): Promise<Stack> {
  return startStack({
    dataDir,
    env: {
      LEDGERFLOW_DEFINITIONS_DIR: 'examples/goal-triage/workflows',
      LEDGERFLOW_POLICY_DIRS: 'examples/goal-triage/policies',
    },
    extras: [
      {
        name: 'goal-triage-workers',
        script: 'examples/goal-triage/dist/workers.js',
        readyLine: /^ledgerflow:ready goal-triage-workers$/,
        toolSubjects: GOAL_TRIAGE_TOOL_SUBJECTS,
        env: { TRIAGE_REFUNDS_FILE: join(dataDir, 'refunds.jsonl') },
      },
    ],
  });
}

/** What `POST /v1/goals` answered: 202 with the run, or the refusal's error body. */
export type GoalAnswer =
  | { readonly ok: true; readonly result: StartGoalResult & { location: string } }
  | { readonly ok: false; readonly status: number; readonly error: ApiError };

/** The gateway's error body (`{ error: { code, message, details } }`). */
export interface ApiError {
  readonly code: string;
  readonly message: string;
  readonly details?: Record<string, unknown>;
}

/** Sends a goal as a caller with scope runs:start. */
export async function submitGoal(stack: Stack, body: Record<string, unknown>): Promise<GoalAnswer> {
  const response = await fetch(`${stack.gatewayUrl}/v1/goals`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(await authHeader(stack, { sub: 'support-desk', scopes: ['runs:start', 'runs:read'] })),
    },
    body: JSON.stringify(body),
  });
  const json = (await response.json()) as Record<string, unknown>;
  if (response.status === 202) return { ok: true, result: json as unknown as StartGoalResult & { location: string } };
  return { ok: false, status: response.status, error: json.error as ApiError };
}

/** A run's stored events (`GET /v1/runs/{id}/events`), as `{ type, data }`. */
export async function runEvents(
  stack: Stack,
  runId: string,
): Promise<Array<{ type: string; data: Record<string, unknown> }>> {
  const response = await fetch(`${stack.gatewayUrl}/v1/runs/${runId}/events`, {
    headers: await authHeader(stack, { sub: 'support-desk', scopes: ['runs:read'] }),
  });
  if (response.status !== 200) throw new Error(`events of ${runId}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as Array<{ type: string; data: Record<string, unknown> }>;
}

/** A step of a recorded plan, as `PlanCreated.data.plan.steps` holds it. */
export interface PlannedStep {
  readonly id: string;
  readonly tool: string;
  readonly action: string;
  readonly agent: string;
  readonly dependsOn: readonly string[];
}

/**
 * Approves the open gate of `runId` as the first reviewer it names (a token of that reviewer with scope
 * gates:decide), waiting up to `timeoutMs` for it to open. @returns the gate's reviewer and reason.
 * @throws Error when no gate of the run opens in time.
 */
export async function approveGate(
  stack: Stack,
  runId: string,
  comment: string,
  timeoutMs = 30_000,
): Promise<{ reviewer: string; reason: string }> {
  const client = new LedgerflowClient({ baseUrl: stack.gatewayUrl });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await fetch(`${stack.gatewayUrl}/v1/gates?status=open`, {
      headers: await authHeader(stack, { sub: 'support-desk', scopes: ['runs:read'] }),
    });
    const gates = (await response.json()) as Array<{
      gateId: string;
      runId: string;
      reviewers: string[];
      reason: string;
    }>;
    const gate = gates.find((g) => g.runId === runId);
    if (gate !== undefined) {
      const reviewer = gate.reviewers[0] ?? 'support-lead';
      const token = await devToken(stack, { sub: reviewer, scopes: ['gates:decide'] });
      await client.decideGate(gate.gateId, 'approve', { token, comment });
      return { reviewer, reason: gate.reason };
    }
    if (Date.now() > deadline) throw new Error(`no gate opened for run ${runId} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
