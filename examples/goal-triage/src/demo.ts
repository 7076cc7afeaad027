/**
 * The goal-triage demo: starts nats-server and every Ledgerflow service as its own OS process (data under
 * `.data/demo-goal-triage/`), plus the goal-triage tool workers (which announce their tools in LF_TOOLS), posts every
 * sample ticket in `tickets/` as a goal of the `goal-triage` template (`POST /v1/goals`), prints each generated plan
 * (`PlanGenerated` and `PlanCreated` from `GET /v1/runs/{id}/events`) or the refusal, approves the refund gate above
 * 250 EUR as the support lead it names, prints each run's outcome (steps, the reply draft, the refund), and stops
 * everything. Exit code 0 when every ticket ended as expected (TCK-1004's 5,400 EUR refund refused by policy, the
 * others completed), 1 otherwise. Run: `node examples/goal-triage/dist/demo.js` (after the build).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { LedgerflowClient } from '@ledgerflow/sdk';
import { devToken, repoRoot } from '@ledgerflow/testing';
import type { Stack } from '@ledgerflow/testing';
import {
  approveGate,
  goalOf,
  readTickets,
  runEvents,
  startTriageStack,
  submitGoal,
  type PlannedStep,
  type Ticket,
} from './goal-triage-stack.js';

const RUN_TIMEOUT_MS = 30_000;
/** Above this refund (EUR) the triage-refunds pack opens a gate (policies/triage-refunds@1.0.0.yaml). */
const GATE_ABOVE = 250;
/** Tickets the policy dry run refuses (refund above 2,000 EUR, policies/triage-refund-ceiling@1.0.0.cedar). */
const REFUSED = new Set(['TCK-1004']);

async function main(): Promise<number> {
  const dataDir = join(repoRoot(), '.data', 'demo-goal-triage');
  rmSync(dataDir, { recursive: true, force: true });
  log(`starting nats-server, 6 services and the goal-triage workers (data under ${dataDir}) ...`);
  const stack = await startTriageStack(dataDir);
  log(`stack ready: gateway ${stack.gatewayUrl}; no language model is used: the catalog generator plans every goal`);
  try {
    let failures = 0;
    for (const ticket of readTickets()) if (!(await triage(stack, ticket))) failures += 1;
    log(failures === 0 ? 'every ticket ended as expected' : `${failures} ticket(s) did not end as expected`);
    return failures === 0 ? 0 : 1;
  } finally {
    await stack.stop();
    log('stopped every process');
  }
}

/** One ticket as a goal: the plan or the refusal, the gate, the outcome. @returns whether it ended as expected. */
async function triage(stack: Stack, ticket: Ticket): Promise<boolean> {
  const body = goalOf(ticket);
  const refund = ticket.amount === undefined ? 'no refund asked' : `refund of ${ticket.amount} EUR asked`;
  out(`\n${ticket.ticketId}  "${ticket.subject}"  (${refund})\n  goal: ${String(body.goal)}\n`);
  const answer = await submitGoal(stack, body);
  if (!answer.ok) {
    out(`  refused (HTTP ${answer.status} ${answer.error.code}): ${answer.error.message}\n`);
    return REFUSED.has(ticket.ticketId);
  }
  const { runId, generator } = answer.result;
  const events = await runEvents(stack, runId);
  const generated = events.find((event) => event.type === 'PlanGenerated')?.data ?? {};
  const created = events.find((event) => event.type === 'PlanCreated')?.data ?? {};
  const steps = (created.plan as { steps: PlannedStep[] } | undefined)?.steps ?? [];
  out(
    `  run ${runId}: plan by ${String(created.author)} (generator ${generator}, catalog ${String(generated.catalogDigest).slice(0, 19)}...)\n`,
  );
  for (const step of steps) {
    const after = step.dependsOn.length === 0 ? 'at start' : `after ${step.dependsOn.join(', ')}`;
    out(`    ${step.id.padEnd(15)} ${`${step.tool}.${step.action}`.padEnd(20)} ${step.agent.padEnd(13)} ${after}\n`);
  }
  if ((ticket.amount ?? 0) > GATE_ABOVE) {
    const gate = await approveGate(stack, runId, 'Checked against the contract: refund approved.', RUN_TIMEOUT_MS);
    out(`  gate approved by ${gate.reviewer}: ${gate.reason}\n`);
  }
  const client = new LedgerflowClient({
    baseUrl: stack.gatewayUrl,
    token: await devToken(stack, { sub: 'support-desk', scopes: ['runs:read'] }),
  });
  const run = await client.waitForRun(runId, { timeoutMs: RUN_TIMEOUT_MS });
  const done = await runEvents(stack, runId);
  const output = (stepId: string) =>
    done.find((event) => event.type === 'StepSucceeded' && event.data.stepId === stepId)?.data.output as
      Record<string, unknown> | undefined;
  out(`  outcome: ${run.status}\n`);
  const refunded = output('refund');
  if (refunded) out(`  refund: ${String(refunded.refundId)} (${String(refunded.refundedAmount)} EUR)\n`);
  const draft = output('draft_reply')?.replyDraft;
  if (typeof draft === 'string') out(`  reply draft:\n${draft.replace(/^/gm, '    | ')}\n`);
  return run.status === 'completed' && !REFUSED.has(ticket.ticketId);
}

const out = (text: string): void => void process.stdout.write(text);
const log = (message: string): void => out(`[goal-triage demo] ${message}\n`);

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    process.stderr.write(`[goal-triage demo] failed: ${error.stack ?? error.message}\n`);
    process.exit(1);
  },
);
