import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { GoalConstraints, PlanIssue, ToolCatalogEntry } from '@ledgerflow/contracts';
import { parseDefinition, type StepDefinition, type WorkflowDefinition } from '@ledgerflow/definitions';
import { catalogEntriesOf } from '@ledgerflow/sdk';
import { repoRoot } from '@ledgerflow/testing';
import { packageDir } from './paths.js';
import { goalTriageTools } from './tools/goal-triage-tools.js';

/** What this spec uses of services/planner/src/planning (docs/planning.md). */
interface GenerateRequest {
  goal: string;
  input: unknown;
  desiredOutputs?: Record<string, unknown>;
  constraints: GoalConstraints;
  catalog: readonly ToolCatalogEntry[];
  template: WorkflowDefinition;
}
interface Planning {
  CatalogGenerator: new () => { generate(request: GenerateRequest): Promise<{ steps: StepDefinition[] }> };
  generatedPlanIssues(request: GenerateRequest, steps: readonly StepDefinition[]): PlanIssue[];
}

/**
 * The real catalog generator over the goal-triage workers' catalog entries (what they announce in LF_TOOLS) and the
 * template examples/goal-triage/workflows/goal-triage.yaml. The planner is an app an example may not import
 * (module boundaries, eslint.config.js), so its planning module is loaded by path, as the e2e tests run the built
 * services.
 */
const planning = (await import(
  pathToFileURL(join(repoRoot(), 'services/planner/src/planning/index.ts')).href
)) as Planning;

const template = parseDefinition(
  readFileSync(join(packageDir, 'workflows/goal-triage.yaml'), 'utf8'),
  'goal-triage.yaml',
);
const catalog = catalogEntriesOf([...goalTriageTools()], 'goal-triage-workers', new Date('2026-05-01T10:00:00Z'));
const ticket = JSON.parse(readFileSync(join(packageDir, 'tickets/TCK-1002.json'), 'utf8')) as unknown;
const replyOnly = JSON.parse(readFileSync(join(packageDir, 'goals/reply-only.json'), 'utf8')) as Record<
  string,
  unknown
>;

const request = (change: Partial<GenerateRequest> = {}): GenerateRequest => ({
  goal: 'Triage ticket TCK-1002: answer it and refund the duplicate charge',
  input: ticket,
  desiredOutputs: template.goal?.desiredOutputs as Record<string, unknown>,
  constraints: template.goal?.constraints ?? {},
  catalog,
  template,
  ...change,
});
const plan = async (change: Partial<GenerateRequest> = {}) =>
  (await new planning.CatalogGenerator().generate(request(change))).steps;
const shape = (steps: readonly StepDefinition[]) =>
  steps.map(({ id, tool, action, agent, dependsOn, input }) => ({ id, tool, action, agent, dependsOn, input }));

describe('the catalog generator over the goal-triage tools', () => {
  it('announces typed schemas and cost hints for every tool', () => {
    expect(catalog.map((entry) => `${entry.tool}.${entry.action}`)).toEqual([
      'support.classify',
      'crm.lookup_account',
      'support.draft_reply',
      'billing.refund',
    ]);
    for (const entry of catalog) {
      expect(entry.description).not.toBe('');
      expect(entry.inputSchema).toMatchObject({ type: 'object', required: expect.any(Array) });
      expect(entry.outputSchema).toMatchObject({ type: 'object', required: expect.any(Array) });
      expect(entry.cost?.usd).toBeGreaterThan(0);
    }
  });

  it('plans classify and the account lookup in parallel, the refund after the lookup, the draft after all three', async () => {
    const steps = await plan();
    expect(shape(steps)).toEqual([
      {
        id: 'lookup_account',
        tool: 'crm',
        action: 'lookup_account',
        agent: 'crm-agent',
        dependsOn: [],
        input: { customerEmail: '=input.customerEmail' },
      },
      {
        id: 'refund',
        tool: 'billing',
        action: 'refund',
        agent: 'refund-agent',
        dependsOn: ['lookup_account'],
        input: {
          accountId: '=steps.lookup_account.output.accountId',
          amount: '=input.amount',
          ticketId: '=input.ticketId',
        },
      },
      {
        id: 'classify',
        tool: 'support',
        action: 'classify',
        agent: 'triage-agent',
        dependsOn: [],
        input: { message: '=input.message', subject: '=input.subject' },
      },
      {
        id: 'draft_reply',
        tool: 'support',
        action: 'draft_reply',
        agent: 'triage-agent',
        // The refund's outputs are optional inputs of the draft, taken because the plan has a refund step already
        // (refundId is regressed before replyDraft, in name order): the draft follows the refund.
        dependsOn: ['classify', 'lookup_account', 'refund'],
        input: {
          category: '=steps.classify.output.category',
          message: '=input.message',
          plan: '=steps.lookup_account.output.plan',
          refundId: '=steps.refund.output.refundId',
          refundedAmount: '=steps.refund.output.refundedAmount',
          urgency: '=steps.classify.output.urgency',
        },
      },
    ]);
    expect(planning.generatedPlanIssues(request(), steps)).toEqual([]);
  });

  it('plans no refund for a goal that asks only for a reply', async () => {
    const steps = await plan({ desiredOutputs: replyOnly });
    expect(steps.map((step) => [step.id, step.dependsOn])).toEqual([
      ['classify', []],
      ['lookup_account', []],
      ['draft_reply', ['classify', 'lookup_account']],
    ]);
    expect(planning.generatedPlanIssues(request({ desiredOutputs: replyOnly }), steps)).toEqual([]);
  });

  it('gives the same plan for the same goal, whatever order the catalog lists the tools in', async () => {
    expect(await plan({ catalog: [...catalog].reverse() })).toEqual(await plan());
  });

  it('refuses a goal without the CRM tool, naming the inputs nothing supplies', async () => {
    const allowedTools = ['support.classify', 'support.draft_reply', 'billing.refund'];
    await expect(plan({ constraints: { allowedTools } })).rejects.toMatchObject({
      code: 'plan_generation_failed',
      details: {
        reason: 'unreachable',
        missing: [
          { fact: 'accountId', neededBy: 'billing.refund' },
          { fact: 'plan', neededBy: 'support.draft_reply' },
        ],
      },
    });
  });

  it("refuses a plan whose tools' cost hints exceed the budget", async () => {
    await expect(plan({ constraints: { budgetUsd: 0.002 } })).rejects.toMatchObject({
      code: 'plan_generation_failed',
      details: { reason: 'budget', budgetUsd: 0.002 },
    });
  });
});
