import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runIdFor, type ToolCatalogEntry } from '@ledgerflow/contracts';
import { LedgerflowClient } from '@ledgerflow/sdk';
import { authHeader, devToken, tempDir, type Stack } from '@ledgerflow/testing';
import {
  approveGate,
  goalOf,
  readTickets,
  runEvents,
  startTriageStack,
  submitGoal,
  TEMPLATE,
  type PlannedStep,
  type Ticket,
} from './goal-triage-stack.js';

/**
 * Goal-driven triage over the real stack (nats-server, the six services as OS processes, SQLite, the goal-triage
 * workers announcing their tools in LF_TOOLS): each sample ticket is posted as a goal (POST /v1/goals) of the
 * goal-triage template; the catalog generator plans it, PlanGenerated (generator catalog) and PlanCreated (author
 * planner:catalog) are recorded before any step, and the run completes; a refund above 250 EUR waits for the support
 * lead; one above 2,000 EUR is refused by the policy dry run; a fork reads the recorded plan and generates nothing.
 */
describe('goal-triage end to end', () => {
  let stack: Stack;
  let client: LedgerflowClient;
  let dataDir: string;
  const tickets = new Map<string, Ticket>(readTickets().map((ticket) => [ticket.ticketId, ticket]));
  const ticket = (id: string): Ticket => tickets.get(id) as Ticket;

  beforeAll(async () => {
    dataDir = await tempDir('ledgerflow-goal-triage-');
    stack = await startTriageStack(dataDir);
    client = new LedgerflowClient({
      baseUrl: stack.gatewayUrl,
      token: await devToken(stack, { sub: 'support-desk', scopes: ['runs:read', 'runs:operate'] }),
    });
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
  }, 30_000);

  const planOf = async (runId: string) => {
    const events = await runEvents(stack, runId);
    const created = events.find((event) => event.type === 'PlanCreated');
    const plan = (created?.data.plan as { steps: PlannedStep[] } | undefined)?.steps ?? [];
    return { events, author: created?.data.author, steps: plan.map((s) => [s.id, [...s.dependsOn]]) };
  };
  const outputOf = (events: Awaited<ReturnType<typeof runEvents>>, stepId: string) =>
    events.find((event) => event.type === 'StepSucceeded' && event.data.stepId === stepId)?.data.output as
      Record<string, unknown> | undefined;

  it("serves the workers' tools in the catalog (GET /v1/tools) with their schemas and cost hints", async () => {
    const response = await fetch(`${stack.gatewayUrl}/v1/tools`, {
      headers: await authHeader(stack, { sub: 'support-desk', scopes: ['runs:read'] }),
    });
    const entries = (await response.json()) as ToolCatalogEntry[];
    expect(entries.map((e) => `${e.tool}.${e.action}`)).toEqual([
      'billing.refund',
      'crm.lookup_account',
      'support.classify',
      'support.draft_reply',
    ]);
    expect(entries.every((e) => e.worker === 'goal-triage-workers' && (e.cost?.usd ?? 0) > 0)).toBe(true);
  });

  it('plans a refund ticket (PlanGenerated, then PlanCreated by planner:catalog) and runs it to completion', async () => {
    const answer = await submitGoal(stack, goalOf(ticket('TCK-1002')));
    if (!answer.ok) throw new Error(`goal refused: ${JSON.stringify(answer.error)}`);
    expect(answer.result).toMatchObject({ created: true, generator: 'catalog', steps: 4 });
    const { runId } = answer.result;
    const run = await client.waitForRun(runId, { timeoutMs: 30_000 });
    expect(run.status).toBe('completed');
    const { events, author, steps } = await planOf(runId);
    expect(events.slice(0, 3).map((event) => event.type)).toEqual(['RunTriggered', 'PlanGenerated', 'PlanCreated']);
    expect(events[1]?.data).toMatchObject({
      generator: 'catalog',
      attempts: [{ issues: [] }],
      catalogDigest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
    });
    expect(events[1]?.data).not.toHaveProperty('model');
    expect(author).toBe('planner:catalog');
    expect(steps).toEqual([
      ['lookup_account', []],
      ['refund', ['lookup_account']],
      ['classify', []],
      ['draft_reply', ['classify', 'lookup_account', 'refund']],
    ]);
    expect(outputOf(events, 'refund')).toMatchObject({ refundedAmount: 49.9, currency: 'EUR' });
    const refundId = String(outputOf(events, 'refund')?.refundId);
    expect(String(outputOf(events, 'draft_reply')?.replyDraft)).toContain(
      `EUR 49.90 to your account (reference ${refundId})`,
    );
    // The customer's email reached the CRM tool, but the run stream holds a token in its place (triage-privacy).
    expect(JSON.stringify(events)).not.toContain(ticket('TCK-1002').customerEmail);
    const register = await readFile(join(dataDir, 'refunds.jsonl'), 'utf8');
    expect(register).toContain(`"runId":"${runId}"`);

    // A fork reads the recorded plan: no new PlanGenerated, the same author.
    const response = await fetch(`${stack.gatewayUrl}/v1/runs/${runId}/fork`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(await authHeader(stack, { sub: 'support-desk', scopes: ['runs:operate', 'runs:start'] })),
      },
      body: JSON.stringify({ at: 'cp-1' }),
    });
    expect(response.status).toBeLessThan(300);
    const fork = (await response.json()) as { runId: string };
    const forked = await planOf(fork.runId);
    expect(forked.events.map((event) => event.type)).not.toContain('PlanGenerated');
    expect(forked.author).toBe('planner:catalog');
    expect(forked.steps).toEqual(steps);
  }, 90_000);

  it('plans no refund for a ticket that asks none', async () => {
    const answer = await submitGoal(stack, goalOf(ticket('TCK-1001')));
    if (!answer.ok) throw new Error(`goal refused: ${JSON.stringify(answer.error)}`);
    expect(answer.result).toMatchObject({ generator: 'catalog', steps: 3 });
    expect((await client.waitForRun(answer.result.runId, { timeoutMs: 30_000 })).status).toBe('completed');
    expect((await planOf(answer.result.runId)).steps.map(([id]) => id)).toEqual([
      'classify',
      'lookup_account',
      'draft_reply',
    ]);
  }, 60_000);

  it('holds a refund above 250 EUR at a gate until the support lead approves it', async () => {
    const answer = await submitGoal(stack, goalOf(ticket('TCK-1003')));
    if (!answer.ok) throw new Error(`goal refused: ${JSON.stringify(answer.error)}`);
    const gate = await approveGate(stack, answer.result.runId, 'Unused seats confirmed with sales.');
    expect(gate.reviewer).toBe('support-lead');
    expect(gate.reason).toContain('amount 1,180 is above 250');
    expect((await client.waitForRun(answer.result.runId, { timeoutMs: 30_000 })).status).toBe('completed');
  }, 60_000);

  it('refuses a refund above 2,000 EUR in the policy dry run, before any run is recorded', async () => {
    const answer = await submitGoal(stack, goalOf(ticket('TCK-1004')));
    if (answer.ok) throw new Error(`expected a refusal, got run ${answer.result.runId}`);
    expect(answer.status).toBe(422);
    expect(answer.error.code).toBe('plan_generation_failed');
    expect(answer.error.message).toContain('refund-ceiling');
    expect(JSON.stringify(answer.error.details)).toContain('"rule":"policy_denied"');
    // The run the ticket's idempotency key would have started has no events.
    const response = await fetch(`${stack.gatewayUrl}/v1/runs/${runIdFor(TEMPLATE, 'TCK-1004')}`, {
      headers: await authHeader(stack, { sub: 'support-desk', scopes: ['runs:read'] }),
    });
    expect(response.status).toBe(404);
  }, 30_000);
});
