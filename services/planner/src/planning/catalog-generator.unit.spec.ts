import { LedgerflowError } from '@ledgerflow/domain';
import { CatalogGenerator, catalogPlan } from './catalog-generator.js';
import { generatedPlanIssues } from './plan-issues.js';
import { entry, goalTemplate, ticketCatalog, ticketRequest, ticketTemplate } from './planning-fixtures.spec-util.js';

const failure = (run: () => unknown): LedgerflowError => {
  try {
    run();
  } catch (error) {
    if (error instanceof LedgerflowError) return error;
    throw error;
  }
  throw new Error('expected plan_generation_failed');
};

describe('catalog generator', () => {
  it('chains a ticket reply back to classify and account lookup, as parallel branches', async () => {
    const { steps } = await new CatalogGenerator().generate(ticketRequest);
    expect(steps.map((s) => [s.id, s.tool, s.action, s.agent, s.dependsOn])).toEqual([
      ['lookup_account', 'crm', 'lookup_account', 'support', []],
      ['classify', 'nlp', 'classify', 'support', []],
      ['draft_reply', 'mail', 'draft_reply', 'support', ['classify', 'lookup_account']],
    ]);
    expect(steps[1]?.input).toEqual({ ticketText: '=input.ticketText' });
    // The optional urgency is available (classify's integer fits number); signature is not.
    expect(steps[2]?.input).toEqual({
      accountTier: '=steps.lookup_account.output.accountTier',
      category: '=steps.classify.output.category',
      urgency: '=steps.classify.output.urgency',
    });
    expect(steps[2]).toMatchObject({ retry: { maxAttempts: 1 }, timeoutMs: 30_000, optional: false, policyTags: [] });
    expect(generatedPlanIssues(ticketRequest, steps)).toEqual([]);
  });

  it('wires an optional input property the template declares only when the run input has it', () => {
    const template = goalTemplate(ticketTemplate.agents as Record<string, string[]>, {
      inputSchema: {
        type: 'object',
        required: ['ticketText', 'customerId'],
        properties: { ticketText: { type: 'string' }, customerId: { type: 'string' }, signature: { type: 'string' } },
      },
    });
    const without = catalogPlan({ ...ticketRequest, template });
    expect(without.find((s) => s.id === 'draft_reply')?.input).not.toHaveProperty('signature');
    expect(generatedPlanIssues({ ...ticketRequest, template }, without)).toEqual([]);
    const input = { ...(ticketRequest.input as object), signature: 'Ana' };
    const signed = catalogPlan({ ...ticketRequest, template, input });
    expect(signed.find((s) => s.id === 'draft_reply')?.input).toMatchObject({ signature: '=input.signature' });
    expect(generatedPlanIssues({ ...ticketRequest, template, input }, signed)).toEqual([]);
  });

  it('prefers the cheaper of two producers, and follows allowedTools', () => {
    const only = catalogPlan({
      ...ticketRequest,
      constraints: { allowedTools: ['llmtools.classify', 'crm.lookup_account', 'mail.draft_reply'] },
    });
    expect(only.map((s) => `${s.tool}.${s.action}`)).toEqual([
      'crm.lookup_account',
      'llmtools.classify',
      'mail.draft_reply',
    ]);
  });

  it('names every missing input of an unreachable goal', () => {
    const error = failure(() => catalogPlan({ ...ticketRequest, input: { ticketText: 'hi' } }));
    expect(error.code).toBe('plan_generation_failed');
    expect(error.retryable).toBe(false);
    expect(error.details).toMatchObject({
      reason: 'unreachable',
      missing: [{ fact: 'customerId', neededBy: 'crm.lookup_account' }],
    });
    expect(error.message).toContain('customerId (needed by crm.lookup_account)');
  });

  it('names a desired output no tool produces, and a type that does not fit', () => {
    const error = failure(() =>
      catalogPlan({
        ...ticketRequest,
        input: { ticketText: 'hi', customerId: 42 },
        desiredOutputs: { required: ['reply', 'sentiment'] },
      }),
    );
    expect(error.details.missing).toEqual([
      { fact: 'customerId', neededBy: 'crm.lookup_account' },
      { fact: 'sentiment', neededBy: 'goal' },
    ]);
  });

  it('refuses a goal only reachable through a cycle, and one above maxSteps', () => {
    const catalog = [
      entry('a.make_x', { y: 'string' }, { x: 'string' }),
      entry('b.make_y', { x: 'string' }, { y: 'string' }),
    ];
    const template = goalTemplate({ agent: ['a.make_x', 'b.make_y'] });
    const request = { ...ticketRequest, catalog, template, desiredOutputs: { required: ['x'] } };
    expect(failure(() => catalogPlan(request)).details).toMatchObject({
      reason: 'unreachable',
      missing: [{ fact: 'x', neededBy: 'b.make_y' }],
    });
    expect(failure(() => catalogPlan({ ...ticketRequest, constraints: { maxSteps: 2 } })).details).toEqual({
      reason: 'max_steps',
      limit: 2,
      actual: 3,
    });
    expect(failure(() => catalogPlan({ ...ticketRequest, constraints: { budgetUsd: 0.001 } })).details).toMatchObject({
      reason: 'budget',
    });
  });

  it('uses only tools an agent of the template may call, the first such agent by name', () => {
    const template = goalTemplate({
      zed: ['nlp.classify'],
      amy: ['nlp.classify'],
      support: ['crm.lookup_account', 'mail.draft_reply'],
    });
    const steps = catalogPlan({ ...ticketRequest, template, catalog: ticketCatalog });
    expect(steps.map((s) => s.agent)).toEqual(['support', 'amy', 'support']);
    const refused = failure(() =>
      catalogPlan({ ...ticketRequest, template, constraints: { allowedAgents: ['support'] } }),
    );
    expect(refused.details.missing).toEqual([{ fact: 'category', neededBy: 'mail.draft_reply' }]);
  });
});
