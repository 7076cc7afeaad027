import { LedgerflowError } from '@ledgerflow/domain';
import { CatalogGenerator } from './catalog-generator.js';
import { catalogDigest, generatePlan } from './generate-plan.js';
import { generatedPlanIssues } from './plan-issues.js';
import type { GeneratedSteps, GenerateRequest, PlanGenerator } from './plan-generator.js';
import { ticketCatalog, ticketRequest } from './planning-fixtures.spec-util.js';

const issue = { rule: 'policy_denied', path: '/steps/0', message: 'step classify: denied by pack privacy@1.0.0' };

async function refusal(promise: Promise<unknown>): Promise<LedgerflowError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof LedgerflowError) return error;
    throw error;
  }
  throw new Error('expected plan_generation_failed');
}

describe('generatePlan', () => {
  it('records a catalog plan: generator, goal, one attempt, the catalog digest; no model fields', async () => {
    const { steps, data } = await generatePlan(new CatalogGenerator(), ticketRequest, (s) =>
      generatedPlanIssues(ticketRequest, s),
    );
    expect(steps).toHaveLength(3);
    expect(data).toEqual({
      generator: 'catalog',
      goal: 'answer the support ticket',
      attempts: [{ issues: [] }],
      catalogDigest: catalogDigest(ticketCatalog),
    });
    expect(data.catalogDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(catalogDigest([...ticketCatalog].reverse())).toBe(data.catalogDigest);
  });

  it('asks the catalog generator once: a refused plan is refused naming every issue', async () => {
    const error = await refusal(generatePlan(new CatalogGenerator(), ticketRequest, () => [issue], 3));
    expect(error.code).toBe('plan_generation_failed');
    expect(error.details).toEqual({ reason: 'invalid_plan', attempts: [{ issues: [issue] }] });
    expect(error.message).toContain('denied by pack privacy@1.0.0');
  });

  it('passes an llm generator the previous steps and issues, up to maxAttempts', async () => {
    const seen: GenerateRequest['previous'][] = [];
    const generator: PlanGenerator = {
      name: 'llm',
      generate: async (request): Promise<GeneratedSteps> => {
        seen.push(request.previous);
        return { steps: await new CatalogGenerator().generate(ticketRequest).then((g) => g.steps), model: 'm' };
      },
    };
    let calls = 0;
    const { data } = await generatePlan(generator, ticketRequest, () => (++calls < 2 ? [issue] : []), 2);
    expect(seen[0]).toBeUndefined();
    expect(seen[1]?.issues).toEqual([issue]);
    expect(seen[1]?.steps).toHaveLength(3);
    expect(data.attempts).toEqual([{ issues: [issue] }, { issues: [] }]);
    const refused = await refusal(generatePlan(generator, ticketRequest, () => [issue], 2));
    expect(refused.details.attempts).toHaveLength(2);
  });

  it("passes the generator's own refusal through with the attempts so far", async () => {
    const error = await refusal(generatePlan(new CatalogGenerator(), { ...ticketRequest, input: {} }, () => []));
    expect(error.details).toMatchObject({ reason: 'unreachable', attempts: [] });
  });
});
