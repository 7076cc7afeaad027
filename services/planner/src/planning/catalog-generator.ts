import { STEP_ID_PATTERN, type LedgerflowError } from '@ledgerflow/domain';
import type { StepDefinition } from '@ledgerflow/definitions';
import {
  compare,
  fits,
  inputFacts,
  requiredNames,
  schemaFacts,
  usableActions,
  type Fact,
  type UsableAction,
} from './catalog-facts.js';
import { generatedStep, inputRef, stepOutputRef } from './generated-step.js';
import type { GeneratedSteps, GenerateRequest, PlanGenerator } from './plan-generator.js';
import { planGenerationFailed, stepLimitOf } from './plan-generation-error.js';

/** Estimated cost of supplying a fact or running an action: steps first, then US dollars (lexicographic). */
interface Cost {
  readonly steps: number;
  readonly usd: number;
}
const FREE: Cost = { steps: 0, usd: 0 };
const add = (a: Cost, b: Cost): Cost => ({ steps: a.steps + b.steps, usd: a.usd + b.usd });
const cheaper = (a: Cost, b: Cost): boolean => a.steps < b.steps || (a.steps === b.steps && a.usd < b.usd);

/** A fact nobody can supply, and the consumer (`tool.action`, or `goal` for a desired output) that needs it. */
export interface MissingFact {
  readonly fact: string;
  readonly neededBy: string;
}

/**
 * The `catalog` generator: deterministic goal regression (backward chaining) over the tools' typed signatures, no
 * model (docs/planning.md, "The catalog planner").
 *
 * Facts are top-level properties (name + JSON type): the run input's (`inputSchema`, else the input's own keys) and
 * each catalog action's output properties. An action is usable when the constraints allow it and an agent of the
 * template holds its capability (the first such agent by name runs it); it applies when each `required` input
 * property is supplied by a fact of the same name and a fitting type.
 * 1. Costs: the additive heuristic h_add (Bonet & Geffner, "Planning as heuristic search", AIJ 2001) computed to a
 *    fixpoint forwards from the input: an input fact costs nothing, an action costs one step and its `cost.usd` plus
 *    the cheapest supply of each required input; unreachable facts stay infinite.
 * 2. Regression: from each `required` property of `desiredOutputs` (name order; always produced by a step), pick a
 *    producer: a step already chosen, else the usable action of least cost (fewest new steps, then fewest dollars,
 *    then `tool.action` name), and recurse on its required inputs (the run input first, then chosen steps). A step
 *    is emitted after its producers (post-order), so `dependsOn` names only its direct producers and independent
 *    producers stay parallel branches. Every chosen producer costs strictly less than its consumer, so the plan is
 *    acyclic; a cycle guard checks it anyway.
 * 3. Steps: id from the action (`[a-z0-9_]`, `_2`, `_3`... on repeats), input `{ <name>: "=input.<name>" |
 *    "=steps.<id>.output.<name>" }` for every required property and every optional one already available, defaults
 *    of the definition format.
 * @throws LedgerflowError `plan_generation_failed` (not retryable) with `details.reason`:
 *   `unreachable` (`details.missing: [{fact, neededBy}]`, every input that no input property or usable action
 *   supplies, named in the message), `no_desired_outputs`, `max_steps` (`{limit, actual}`), `budget`
 *   (`{budgetUsd, costUsd}`), `cycle` (`{cycle}`).
 */
export class CatalogGenerator implements PlanGenerator {
  readonly name = 'catalog' as const;

  async generate(request: GenerateRequest): Promise<GeneratedSteps> {
    return { steps: catalogPlan(request) };
  }
}

/** The steps {@link CatalogGenerator} plans for a request (synchronous; same request, same steps). */
export function catalogPlan(request: GenerateRequest): StepDefinition[] {
  const desired = desiredFacts(request.desiredOutputs);
  if (desired.length === 0) {
    throw planGenerationFailed(
      'no_desired_outputs',
      `goal "${request.goal}": the catalog planner chains back from desiredOutputs' required properties, and none are given`,
    );
  }
  const actions = usableActions(request.catalog, request.template, request.constraints);
  const input = inputFacts(request.template, request.input);
  const costs = actionCosts(actions, input);
  const planner = new Regression(actions, input, costs);
  const unreachable = desired.filter((fact) => planner.producerCost(fact) === undefined);
  if (unreachable.length > 0) throw unreachableError(request.goal, planner.missing(unreachable));
  for (const fact of desired) planner.resolve(fact, 'goal', false, []);
  const steps = planner.steps;
  const limit = stepLimitOf(request);
  if (steps.length > limit) {
    throw planGenerationFailed(
      'max_steps',
      `goal "${request.goal}": the shortest chain found needs ${steps.length} steps, above the limit of ${limit}`,
      { limit, actual: steps.length },
    );
  }
  const budget = request.constraints.budgetUsd;
  if (budget !== undefined && planner.usd > budget) {
    throw planGenerationFailed(
      'budget',
      `goal "${request.goal}": the cheapest plan found costs ${planner.usd} USD (cost hints), above the budget of ${budget} USD`,
      { budgetUsd: budget, costUsd: planner.usd },
    );
  }
  return steps;
}

function desiredFacts(schema: GenerateRequest['desiredOutputs']): Fact[] {
  const declared = new Map(schemaFacts(schema).map((fact) => [fact.name, fact]));
  return requiredNames(schema).map((name) => declared.get(name) ?? { name });
}

/** h_add to a fixpoint (Bellman-Ford style: costs only fall, each round settles at least one more action). */
function actionCosts(actions: readonly UsableAction[], input: readonly Fact[]): Map<UsableAction, Cost> {
  const costs = new Map<UsableAction, Cost>();
  const supply = (need: Fact): Cost | undefined => {
    if (input.some((fact) => fact.name === need.name && fits(fact, need))) return FREE;
    return cheapest(actions, need, costs)?.cost;
  };
  for (let round = 0; round <= actions.length; round += 1) {
    let changed = false;
    for (const action of actions) {
      let cost: Cost | undefined = { steps: 1, usd: action.usd };
      for (const need of action.required) {
        const part = supply(need);
        cost = part === undefined ? undefined : add(cost, part);
        if (cost === undefined) break;
      }
      const known = costs.get(action);
      if (cost !== undefined && (known === undefined || cheaper(cost, known))) {
        costs.set(action, cost);
        changed = true;
      }
    }
    if (!changed) break;
  }
  return costs;
}

/** The least-cost action producing a fitting `need` (ties: `tool.action` order, the actions' order). */
function cheapest(
  actions: readonly UsableAction[],
  need: Fact,
  costs: ReadonlyMap<UsableAction, Cost>,
  exclude: readonly string[] = [],
): { action: UsableAction; cost: Cost } | undefined {
  let best: { action: UsableAction; cost: Cost } | undefined;
  for (const action of actions) {
    const cost = costs.get(action);
    if (cost === undefined || exclude.includes(action.key)) continue;
    if (!action.outputs.some((fact) => fact.name === need.name && fits(fact, need))) continue;
    if (best === undefined || cheaper(cost, best.cost)) best = { action, cost };
  }
  return best;
}

type Source = { readonly kind: 'input' } | { readonly kind: 'step'; readonly stepId: string };

/** Step 2 and 3 of the algorithm: the chosen steps, in emission (topological) order. */
class Regression {
  readonly steps: StepDefinition[] = [];
  usd = 0;
  private readonly produced: { stepId: string; fact: Fact }[] = [];
  private readonly ids = new Set<string>();

  constructor(
    private readonly actions: readonly UsableAction[],
    private readonly input: readonly Fact[],
    private readonly costs: ReadonlyMap<UsableAction, Cost>,
  ) {}

  producerCost(need: Fact): Cost | undefined {
    return cheapest(this.actions, need, this.costs)?.cost;
  }

  /** Where `need` comes from, choosing (and emitting) producers as needed; `stack`: the actions being planned. */
  resolve(need: Fact, consumer: string, fromInput: boolean, stack: readonly string[]): Source {
    if (fromInput && this.input.some((fact) => fact.name === need.name && fits(fact, need))) return { kind: 'input' };
    const existing = this.produced.find((p) => p.fact.name === need.name && fits(p.fact, need));
    if (existing !== undefined) return { kind: 'step', stepId: existing.stepId };
    const best = cheapest(this.actions, need, this.costs, stack);
    if (best === undefined) {
      // h_add makes every chosen producer cheaper than its consumer: reaching this is a cycle.
      const cycle = [...stack, consumer];
      throw planGenerationFailed('cycle', `the catalog planner found a cycle: ${cycle.join(' -> ')}`, { cycle });
    }
    return { kind: 'step', stepId: this.emit(best.action, [...stack, best.action.key]) };
  }

  private emit(action: UsableAction, stack: readonly string[]): string {
    const input: Record<string, string> = {};
    const dependsOn = new Set<string>();
    for (const need of action.required) {
      const source = this.resolve(need, action.key, true, stack);
      input[need.name] = this.reference(source, need.name);
      if (source.kind === 'step') dependsOn.add(source.stepId);
    }
    for (const want of action.optional) {
      const source = this.available(want);
      if (source === undefined) continue;
      input[want.name] = this.reference(source, want.name);
      if (source.kind === 'step') dependsOn.add(source.stepId);
    }
    const id = this.uniqueId(action.entry.action);
    this.ids.add(id);
    this.steps.push(
      generatedStep({
        id,
        name: action.entry.description.trim() === '' ? action.key : action.entry.description.trim(),
        tool: action.entry.tool,
        action: action.entry.action,
        agent: action.agent,
        dependsOn: [...dependsOn].sort(compare),
        input,
      }),
    );
    this.usd += action.usd;
    for (const fact of action.outputs) this.produced.push({ stepId: id, fact });
    return id;
  }

  /** An optional input already at hand (the run input, or a chosen step): optional inputs never add steps. */
  private available(want: Fact): Source | undefined {
    if (this.input.some((fact) => fact.name === want.name && fits(fact, want))) return { kind: 'input' };
    const existing = this.produced.find((p) => p.fact.name === want.name && fits(p.fact, want));
    return existing === undefined ? undefined : { kind: 'step', stepId: existing.stepId };
  }

  private reference(source: Source, name: string): string {
    return source.kind === 'input' ? inputRef(name) : stepOutputRef(source.stepId, name);
  }

  private uniqueId(action: string): string {
    let base = action
      .toLowerCase()
      .replace(/[^a-z0-9_]+/g, '_')
      .slice(0, 56);
    if (!/^[a-z]/.test(base)) base = `s_${base}`.slice(0, 56);
    let id = base;
    for (let n = 2; this.ids.has(id); n += 1) id = `${base}_${n}`;
    if (!STEP_ID_PATTERN.test(id)) throw new Error(`catalog planner made an invalid step id ${id}`);
    return id;
  }

  /**
   * Every leaf of the unreachable part of the regression: facts that neither the input nor any usable action
   * supplies, with the consumer that needs them; a fact only reachable through a cycle is named itself.
   */
  missing(unreachable: readonly Fact[]): MissingFact[] {
    const found = new Map<string, MissingFact>();
    const record = (fact: string, neededBy: string): void => {
      found.set(`${fact}\u0000${neededBy}`, { fact, neededBy });
    };
    // Per producer explored: whether it named a missing fact (false while in progress: a cycle names none).
    const named = new Map<string, boolean>();
    const explore = (need: Fact, consumer: string, fromInput: boolean): boolean => {
      if (fromInput && this.input.some((fact) => fact.name === need.name && fits(fact, need))) return false;
      if (this.producerCost(need) !== undefined) return false;
      const producers = this.actions.filter((a) => a.outputs.some((f) => f.name === need.name && fits(f, need)));
      let any = false;
      for (const producer of producers) {
        if (!named.has(producer.key)) {
          named.set(producer.key, false);
          let mine = false;
          for (const r of producer.required) mine = explore(r, producer.key, true) || mine;
          named.set(producer.key, mine);
        }
        any = (named.get(producer.key) ?? false) || any;
      }
      if (!any) record(need.name, consumer);
      return true;
    };
    for (const fact of unreachable) explore(fact, 'goal', false);
    return [...found.values()].sort((a, b) => compare(a.fact, b.fact) || compare(a.neededBy, b.neededBy));
  }
}

function unreachableError(goal: string, missing: readonly MissingFact[]): LedgerflowError {
  const names = missing.map((m) => `${m.fact} (needed by ${m.neededBy})`).join(', ');
  return planGenerationFailed(
    'unreachable',
    `goal "${goal}" cannot be planned from the catalog: no input property or permitted tool supplies ${names}`,
    { missing },
  );
}
