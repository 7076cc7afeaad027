import type { PlanIssue, ToolCatalogEntry } from '@ledgerflow/contracts';
import { generatedStepIssues, type StepDefinition } from '@ledgerflow/definitions';
import { requiredNames } from './catalog-facts.js';
import type { GenerateRequest } from './plan-generator.js';

/**
 * Every problem of a generated plan: the checks of a written plan against its goal template (`generatedStepIssues` in
 * libs/definitions: expressions that parse and read only the run input and upstream steps, tools and agents the
 * template declares, capabilities, the constraints' allowed tools and agents, the step limit, and the domain's
 * `validatePlan`: `plan_cycle`, `plan_unknown_dependency`, ...), plus what only the catalog can tell: each tool action
 * is in the catalog (`declared_tool`), each `required` input property of its input schema is given
 * (`input_missing`), and the summed cost hints stay within `budgetUsd` (`budget_exceeded`). Paths are JSON pointers
 * into `{ steps }`. The policy dry run is the caller's (it needs the policy service).
 * @returns every issue found, empty when the plan passes.
 */
export function generatedPlanIssues(request: GenerateRequest, steps: readonly StepDefinition[]): PlanIssue[] {
  const byKey = new Map(request.catalog.map((entry) => [`${entry.tool}.${entry.action}`, entry]));
  const issues: PlanIssue[] = steps.flatMap((step, i) =>
    catalogIssues(step, i, byKey.get(`${step.tool}.${step.action}`)),
  );
  // One issue per rule and step: a tool action missing from the catalog is named once (the catalog's words).
  const stepOf = (issue: PlanIssue) => `${issue.rule} ${issue.path.split('/').slice(0, 3).join('/')}`;
  const seen = new Set(issues.map(stepOf));
  issues.push(
    ...generatedStepIssues(request.template, steps, { constraints: request.constraints, input: request.input }).filter(
      (issue) => !seen.has(stepOf(issue)),
    ),
  );
  const budget = request.constraints.budgetUsd;
  const usd = steps.reduce((sum, step) => sum + (byKey.get(`${step.tool}.${step.action}`)?.cost?.usd ?? 0), 0);
  if (budget !== undefined && usd > budget) {
    issues.push({
      rule: 'budget_exceeded',
      path: '/steps',
      message: `the plan's cost hints add up to ${usd} USD, above the budget of ${budget} USD`,
    });
  }
  return issues;
}

/** A step's tool action is in the catalog, and the step gives every input property its schema requires. */
function catalogIssues(step: StepDefinition, i: number, entry: ToolCatalogEntry | undefined): PlanIssue[] {
  if (entry === undefined) {
    return [
      {
        rule: 'declared_tool',
        path: `/steps/${i}/tool`,
        message: `step ${step.id} uses ${step.tool}.${step.action}, which is not in the tool catalog`,
      },
    ];
  }
  const given = step.input !== null && typeof step.input === 'object' ? Object.keys(step.input) : [];
  return requiredNames(entry.inputSchema)
    .filter((name) => !given.includes(name))
    .map((name) => ({
      rule: 'input_missing',
      path: `/steps/${i}/input`,
      message: `step ${step.id} gives no "${name}", which ${step.tool}.${step.action} requires`,
    }));
}
