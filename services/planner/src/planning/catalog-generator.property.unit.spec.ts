import fc from 'fast-check';
import type { ToolCatalogEntry } from '@ledgerflow/contracts';
import { LedgerflowError } from '@ledgerflow/domain';
import { catalogPlan } from './catalog-generator.js';
import { generatedPlanIssues } from './plan-issues.js';
import type { GenerateRequest } from './plan-generator.js';
import { entry, goalTemplate } from './planning-fixtures.spec-util.js';

/** Each fact name has one type, so the oracle below need not reason about types. */
const FACT_TYPES: Record<string, string> = {
  f0: 'string',
  f1: 'integer',
  f2: 'number',
  f3: 'boolean',
  f4: 'string',
  f5: 'string',
  f6: 'integer',
  f7: 'string',
};
const FACTS = Object.keys(FACT_TYPES);
const SAMPLE: Record<string, unknown> = { string: 's', integer: 1, number: 1.5, boolean: true };
const props = (names: readonly string[]): Record<string, string> =>
  Object.fromEntries(names.map((name) => [name, FACT_TYPES[name] ?? 'string']));
const facts = (min: number, max: number) =>
  fc.uniqueArray(fc.constantFrom(...FACTS), { minLength: min, maxLength: max });

/** True 4 times out of 5: most agents hold most capabilities, most tools are allowed. */
const likely = fc.integer({ min: 0, max: 4 }).map((n) => n > 0);

const arbEntry = fc
  .record({
    tool: fc.constantFrom('crm', 'mail', 'nlp'),
    action: fc.constantFrom('lookup', 'draft', 'classify', 'score', 'fetch', 'merge'),
    required: facts(0, 2),
    optional: facts(0, 2),
    outputs: facts(1, 3),
    usd: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
  })
  .map((e) =>
    entry(`${e.tool}.${e.action}`, props(e.required), props(e.outputs), {
      optional: props(e.optional.filter((n) => !e.required.includes(n))),
      ...(e.usd === undefined ? {} : { usd: e.usd }),
    }),
  );

const arbRequest = fc
  .record({
    catalog: fc.uniqueArray(arbEntry, { minLength: 1, maxLength: 14, selector: (e) => `${e.tool}.${e.action}` }),
    agents: fc.uniqueArray(fc.constantFrom('alpha', 'beta', 'gamma'), { minLength: 1, maxLength: 3 }),
    grantSeed: fc.array(likely, { minLength: 60, maxLength: 60 }),
    input: facts(0, 4),
    declaredInput: fc.boolean(),
    desired: facts(1, 3),
    allowSeed: fc.option(fc.array(likely, { minLength: 20, maxLength: 20 }), { nil: undefined }),
    maxSteps: fc.option(fc.integer({ min: 1, max: 50 }), { nil: undefined }),
  })
  .map((r): GenerateRequest => {
    const keys = r.catalog.map((e) => `${e.tool}.${e.action}`);
    // Each agent holds a drawn subset of the catalog's capabilities (plus one nobody announces).
    const agents = Object.fromEntries(
      r.agents.map((agent, a) => [agent, [...keys.filter((_, i) => r.grantSeed[a * 20 + i] ?? false), 'other.tool']]),
    );
    const input = Object.fromEntries(r.input.map((name) => [name, SAMPLE[FACT_TYPES[name] ?? 'string']]));
    const inputSchema = r.declaredInput
      ? { type: 'object', properties: Object.fromEntries(r.input.map((n) => [n, { type: FACT_TYPES[n] }])) }
      : true;
    return {
      goal: 'random goal',
      input,
      desiredOutputs: {
        type: 'object',
        properties: Object.fromEntries(r.desired.map((n) => [n, { type: FACT_TYPES[n] }])),
        required: r.desired,
      },
      constraints: {
        ...(r.allowSeed === undefined ? {} : { allowedTools: keys.filter((_, i) => r.allowSeed?.[i] ?? true) }),
        ...(r.maxSteps === undefined ? {} : { maxSteps: r.maxSteps }),
      },
      catalog: r.catalog,
      template: goalTemplate(agents, { inputSchema }),
    };
  });

const keyOf = (e: { tool: string; action: string }): string => `${e.tool}.${e.action}`;
const requiredOf = (e: ToolCatalogEntry): string[] => (e.inputSchema as { required?: string[] }).required ?? [];
const outputsOf = (e: ToolCatalogEntry): string[] =>
  Object.keys((e.outputSchema as { properties?: object }).properties ?? {});

/** The oracle: forward chaining to a fixpoint over the permitted actions (independent of the planner's code). */
function reachable(request: GenerateRequest): { facts: Set<string>; produced: Set<string> } {
  const permitted = request.catalog.filter(
    (e) =>
      (request.constraints.allowedTools?.includes(keyOf(e)) ?? true) &&
      Object.values(request.template.agents).some((caps) => caps.includes(e.capability)),
  );
  const known = new Set(Object.keys(request.input as object));
  const produced = new Set<string>();
  for (let changed = true; changed;) {
    changed = false;
    for (const e of permitted) {
      if (!requiredOf(e).every((n) => known.has(n))) continue;
      for (const out of outputsOf(e)) {
        if (!produced.has(out)) changed = true;
        produced.add(out);
        known.add(out);
      }
    }
  }
  return { facts: known, produced };
}

function attempt(request: GenerateRequest): ReturnType<typeof catalogPlan> | LedgerflowError {
  try {
    return catalogPlan(request);
  } catch (error) {
    if (error instanceof LedgerflowError) return error;
    throw error;
  }
}

describe('catalog generator (properties over random catalogs and goals)', () => {
  it('plans exactly the reachable goals: valid, reaching the desired outputs, permitted, deterministic', () => {
    fc.assert(
      fc.property(arbRequest, (request) => {
        const oracle = reachable(request);
        const desired = (request.desiredOutputs?.required as string[]) ?? [];
        const result = attempt(request);
        if (desired.every((d) => oracle.produced.has(d))) {
          if (result instanceof LedgerflowError) {
            // Reachable, yet refused: only for the step limit.
            expect(result.details.reason).toBe('max_steps');
            return;
          }
          expect(generatedPlanIssues(request, result)).toEqual([]);
          const outputs = new Set(
            result.flatMap((s) => outputsOf(request.catalog.find((e) => keyOf(e) === keyOf(s)) as ToolCatalogEntry)),
          );
          for (const d of desired) expect(outputs.has(d)).toBe(true);
          for (const step of result) {
            const e = request.catalog.find((c) => keyOf(c) === keyOf(step)) as ToolCatalogEntry;
            expect(request.template.agents[step.agent]).toContain(e.capability);
            expect(request.constraints.allowedTools?.includes(keyOf(step)) ?? true).toBe(true);
            expect(Object.keys(step.input as object)).toEqual(expect.arrayContaining(requiredOf(e)));
          }
          // Same request, same plan; the catalog's order does not matter.
          expect(catalogPlan(request)).toEqual(result);
          expect(catalogPlan({ ...request, catalog: [...request.catalog].reverse() })).toEqual(result);
        } else {
          expect(result).toBeInstanceOf(LedgerflowError);
          const error = result as LedgerflowError;
          expect(error.code).toBe('plan_generation_failed');
          expect(error.retryable).toBe(false);
          expect(error.details.reason).toBe('unreachable');
          const missing = error.details.missing as { fact: string; neededBy: string }[];
          expect(missing.length).toBeGreaterThan(0);
          for (const m of missing) {
            // A missing fact is one nobody can supply where it is needed.
            expect(m.neededBy === 'goal' ? oracle.produced.has(m.fact) : oracle.facts.has(m.fact)).toBe(false);
            expect(error.message).toContain(`${m.fact} (needed by ${m.neededBy})`);
          }
        }
      }),
      { numRuns: 400, seed: 20260115 },
    );
  });
});
