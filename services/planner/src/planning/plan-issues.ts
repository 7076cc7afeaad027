import jsonata from 'jsonata';
import type { PlanIssue, ToolCatalogEntry } from '@ledgerflow/contracts';
import { LedgerflowError, validatePlan } from '@ledgerflow/domain';
import { buildPlan, type StepDefinition } from '@ledgerflow/definitions';
import { inputFacts, requiredNames } from './catalog-facts.js';
import type { GenerateRequest } from './plan-generator.js';
import { stepLimitOf } from './plan-generation-error.js';

/**
 * The structural checks of a generated plan, as a written plan gets them at load (libs/definitions parseDefinition):
 * at most the step limit (`workflow_depth_exceeded`: 50, the constraints' and the template's `maxSteps`); per step,
 * a tool action of the catalog (`declared_tool`), an agent of the template (`declared_agent`) holding the action's
 * capability (`agent_capability`), both allowed by the constraints (`tool_not_allowed`, `agent_not_allowed`), every
 * `required` input property given (`input_missing`), `=` expressions that parse (`jsonata`) and read only the run
 * input's properties and upstream steps (`input_unresolvable`); then the plan the template and the steps make
 * (`buildPlan` + the domain's `validatePlan`: `plan_cycle`, `plan_unknown_dependency`, `plan_duplicate_step`,
 * `plan_invalid_step_id`, ...); then the summed cost hints against `budgetUsd` (`budget_exceeded`). Paths are JSON
 * pointers into `{ steps }`. The policy dry run is the caller's (it needs the policy service).
 * @returns every issue found (validatePlan reports its first), empty when the plan passes.
 */
export function generatedPlanIssues(request: GenerateRequest, steps: readonly StepDefinition[]): PlanIssue[] {
  const issues: PlanIssue[] = [];
  const limit = stepLimitOf(request);
  if (steps.length > limit) {
    issues.push({
      rule: 'workflow_depth_exceeded',
      path: '/steps',
      message: `the plan has ${steps.length} steps; the limit is ${limit}`,
    });
  }
  const byKey = new Map(request.catalog.map((entry) => [`${entry.tool}.${entry.action}`, entry]));
  const inputNames = new Set(inputFacts(request.template, request.input).map((fact) => fact.name));
  steps.forEach((step, i) => {
    const entry = byKey.get(`${step.tool}.${step.action}`);
    issues.push(...toolIssues(request, step, i, entry));
    issues.push(...inputIssues(step, i, entry, steps, inputNames));
  });
  issues.push(...planIssues(request, steps));
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

function toolIssues(
  request: GenerateRequest,
  step: StepDefinition,
  i: number,
  entry: ToolCatalogEntry | undefined,
): PlanIssue[] {
  const key = `${step.tool}.${step.action}`;
  const at = `/steps/${i}`;
  const issues: PlanIssue[] = [];
  const { allowedTools, allowedAgents } = request.constraints;
  if (entry === undefined) {
    issues.push({
      rule: 'declared_tool',
      path: `${at}/tool`,
      message: `step ${step.id} uses ${key}, which is not in the tool catalog`,
    });
  } else if (allowedTools !== undefined && !allowedTools.includes(key)) {
    issues.push({
      rule: 'tool_not_allowed',
      path: `${at}/tool`,
      message: `step ${step.id} uses ${key}; the goal allows only [${allowedTools.join(', ')}]`,
    });
  }
  const capabilities = Object.hasOwn(request.template.agents, step.agent)
    ? request.template.agents[step.agent]
    : undefined;
  if (capabilities === undefined) {
    issues.push({
      rule: 'declared_agent',
      path: `${at}/agent`,
      message: `step ${step.id} is assigned agent "${step.agent}", which the template ${request.template.id} does not declare`,
    });
  } else {
    if (allowedAgents !== undefined && !allowedAgents.includes(step.agent)) {
      issues.push({
        rule: 'agent_not_allowed',
        path: `${at}/agent`,
        message: `step ${step.id} is assigned agent "${step.agent}"; the goal allows only [${allowedAgents.join(', ')}]`,
      });
    }
    if (entry !== undefined && !capabilities.includes(entry.capability)) {
      issues.push({
        rule: 'agent_capability',
        path: `${at}/agent`,
        message: `step ${step.id}: agent "${step.agent}" lacks capability ${entry.capability} (it holds [${capabilities.join(', ')}])`,
      });
    }
  }
  return issues;
}

const STEP_REF = /\bsteps\.(?:`([^`]+)`|([A-Za-z_$][A-Za-z0-9_$]*))/g;
const INPUT_REF = /(?<![\w$.])input\.(?:`([^`]+)`|([A-Za-z_$][A-Za-z0-9_$]*))/g;

function inputIssues(
  step: StepDefinition,
  i: number,
  entry: ToolCatalogEntry | undefined,
  steps: readonly StepDefinition[],
  inputNames: ReadonlySet<string>,
): PlanIssue[] {
  const at = `/steps/${i}/input`;
  const issues: PlanIssue[] = [];
  const given = step.input !== null && typeof step.input === 'object' ? Object.keys(step.input) : [];
  for (const name of entry === undefined ? [] : requiredNames(entry.inputSchema)) {
    if (!given.includes(name)) {
      issues.push({
        rule: 'input_missing',
        path: at,
        message: `step ${step.id} gives no "${name}", which ${step.tool}.${step.action} requires`,
      });
    }
  }
  const upstream = ancestorsOf(step, steps);
  for (const { path, expression } of expressions(step.input, at)) {
    try {
      jsonata(expression);
    } catch (error) {
      issues.push({
        rule: 'jsonata',
        path,
        message: `expression ${JSON.stringify(expression)} does not parse: ${(error as Error).message}`,
      });
      continue;
    }
    for (const match of expression.matchAll(STEP_REF)) {
      const id = match[1] ?? match[2] ?? '';
      if (!upstream.has(id)) {
        issues.push({
          rule: 'input_unresolvable',
          path,
          message: `step ${step.id} reads steps.${id}, which is not upstream of it (add it to dependsOn, or use an upstream step)`,
        });
      }
    }
    for (const match of expression.matchAll(INPUT_REF)) {
      const name = match[1] ?? match[2] ?? '';
      if (inputNames.size > 0 && !inputNames.has(name)) {
        issues.push({
          rule: 'input_unresolvable',
          path,
          message: `step ${step.id} reads input.${name}, which the run input does not have (it has ${[...inputNames].join(', ')})`,
        });
      }
    }
  }
  return issues;
}

/** The steps `step` depends on, directly or not (a cycle is validatePlan's to report). */
function ancestorsOf(step: StepDefinition, steps: readonly StepDefinition[]): Set<string> {
  const byId = new Map(steps.map((s) => [s.id, s]));
  const seen = new Set<string>();
  const queue = [...step.dependsOn];
  for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
    if (seen.has(id)) continue;
    seen.add(id);
    queue.push(...(byId.get(id)?.dependsOn ?? []));
  }
  return seen;
}

/** Every `=` expression of an input template (a leading `==` is a literal), with its JSON pointer. */
function expressions(value: unknown, path: string): { path: string; expression: string }[] {
  if (typeof value === 'string') {
    return value.startsWith('=') && !value.startsWith('==') ? [{ path, expression: value.slice(1) }] : [];
  }
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, inner]) =>
    expressions(inner, `${path}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`),
  );
}

/** The domain's plan checks over the template with these steps; its first problem as an issue. */
function planIssues(request: GenerateRequest, steps: readonly StepDefinition[]): PlanIssue[] {
  try {
    validatePlan(buildPlan({ ...request.template, steps }));
    return [];
  } catch (error) {
    if (!(error instanceof LedgerflowError)) throw error;
    const stepId = error.details.stepId;
    const index = steps.findIndex((step) => step.id === stepId);
    const field = typeof error.details.field === 'string' ? `/${error.details.field.split('.').join('/')}` : '';
    const path = index === -1 ? '/steps' : `/steps/${index}${field}`;
    return [{ rule: error.code, path, message: error.message }];
  }
}
