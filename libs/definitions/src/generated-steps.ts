import { LedgerflowError, MAX_PLAN_STEPS, validatePlan } from '@ledgerflow/domain';
import type { GoalConstraints } from '@ledgerflow/contracts';
import { buildPlan } from './build-plan.js';
import type { DefinitionIssue, StepDefinition, WorkflowDefinition } from './definition.types.js';
import { compileExpression, expressionIssue, templateExpressions } from './expressions.js';
import { planErrorPath } from './plan-error-path.js';
import { embeddedIssues, unknownAgentIssues, unknownToolIssues } from './step-checks.js';

/**
 * The definition a goal template becomes with generated `steps`: the template's agents, tools, policies and defaults,
 * no `goal` (the result is an ordinary written definition, `buildPlan` takes it).
 */
export function definitionWithSteps(
  template: WorkflowDefinition,
  steps: readonly StepDefinition[],
): WorkflowDefinition {
  const { goal: _goal, ...rest } = template;
  return { ...rest, steps };
}

/**
 * Most steps a generated plan may have: the least of 50 (`MAX_PLAN_STEPS`), the template's `maxSteps`, its
 * `goal.constraints.maxSteps` and the goal's own `constraints.maxSteps`.
 */
export function generatedStepLimit(template: WorkflowDefinition, constraints: GoalConstraints = {}): number {
  return Math.min(
    MAX_PLAN_STEPS,
    template.maxSteps ?? MAX_PLAN_STEPS,
    template.goal?.constraints?.maxSteps ?? MAX_PLAN_STEPS,
    constraints.maxSteps ?? MAX_PLAN_STEPS,
  );
}

/**
 * Every problem of generated steps against their goal template, the checks of a written plan (docs/definitions.md,
 * "Goals"), all reported (not only the first stage's):
 * - `jsonata`, `linear_regexp`, `json_schema`: input expressions and `when` parse, output schemas compile;
 * - `declared_tool`, `declared_agent`: tools and agents the template declares;
 * - `agent_capability`: the step's agent holds `<tool>.<action>` (or `<tool>.*`) in the template;
 * - `allowed_tool`, `allowed_agent`: within `constraints.allowedTools`/`allowedAgents` (the template's and the goal's);
 * - `max_steps`: at most {@link generatedStepLimit} steps;
 * - `step_reference`: an expression's `steps.<id>` names a step upstream of it (a transitive dependency);
 *   `input_reference`: `input.<field>` names a field of the run input (when `input` is an object);
 * - the plan's own codes from `validatePlan` (`plan_cycle`, `plan_unknown_dependency`, `plan_duplicate_step`, ...).
 * Paths are JSON pointers into the steps (`/steps/<i>/tool`). Empty when the steps are a valid plan.
 */
export function generatedStepIssues(
  template: WorkflowDefinition,
  steps: readonly StepDefinition[],
  options: { readonly constraints?: GoalConstraints; readonly input?: unknown } = {},
): DefinitionIssue[] {
  const definition = definitionWithSteps(template, steps);
  const limit = generatedStepLimit(template, options.constraints);
  const issues: DefinitionIssue[] = [
    ...embeddedIssues(definition),
    ...unknownToolIssues(definition),
    ...unknownAgentIssues(definition),
    ...capabilityIssues(definition),
    ...constraintIssues(definition, [template.goal?.constraints ?? {}, options.constraints ?? {}]),
    ...referenceIssues(steps, options.input),
  ];
  if (steps.length > limit) {
    issues.push({
      path: '/steps',
      rule: 'max_steps',
      message: `${steps.length} steps exceed the limit of ${limit} steps for this goal`,
    });
  }
  try {
    validatePlan(buildPlan(definition));
  } catch (error) {
    if (!(error instanceof LedgerflowError)) throw error;
    // The step count is reported above with the goal's limit.
    if (error.code !== 'workflow_depth_exceeded' || steps.length <= limit) {
      issues.push({
        path: planErrorPath(definition, error.code, error.details),
        rule: error.code,
        message: error.message,
      });
    }
  }
  return issues;
}

/** True when capability `held` (`tool.action`, `tool.*`, `*`) covers `tool.action`. */
function covers(held: string, tool: string, action: string): boolean {
  return held === '*' || held === `${tool}.*` || held === `${tool}.${action}`;
}

function capabilityIssues(definition: WorkflowDefinition): DefinitionIssue[] {
  return definition.steps.flatMap((step, i): DefinitionIssue[] => {
    if (step.kind === 'external' || !Object.hasOwn(definition.agents, step.agent)) return [];
    const held = definition.agents[step.agent] ?? [];
    return held.some((capability) => covers(capability, step.tool, step.action))
      ? []
      : [
          {
            path: `/steps/${i}/agent`,
            rule: 'agent_capability',
            message: `step ${step.id}: agent "${step.agent}" does not hold ${step.tool}.${step.action} (it holds [${held.join(', ')}])`,
          },
        ];
  });
}

function constraintIssues(definition: WorkflowDefinition, constraints: readonly GoalConstraints[]): DefinitionIssue[] {
  const issues: DefinitionIssue[] = [];
  definition.steps.forEach((step, i) => {
    for (const { allowedTools, allowedAgents } of constraints) {
      const capability = `${step.tool}.${step.action}`;
      if (allowedTools !== undefined && step.kind !== 'external' && !allowedTools.includes(capability)) {
        issues.push({
          path: `/steps/${i}/tool`,
          rule: 'allowed_tool',
          message: `step ${step.id} uses ${capability}, not among the allowed tools [${allowedTools.join(', ')}]`,
        });
      }
      if (allowedAgents !== undefined && !allowedAgents.includes(step.agent)) {
        issues.push({
          path: `/steps/${i}/agent`,
          rule: 'allowed_agent',
          message: `step ${step.id} is assigned agent "${step.agent}", not among the allowed agents [${allowedAgents.join(', ')}]`,
        });
      }
    }
  });
  return issues;
}

/** The dependencies of `stepId`, transitively (a cycle stops the walk; `validatePlan` reports it). */
function upstreamOf(steps: readonly StepDefinition[], stepId: string): Set<string> {
  const byId = new Map(steps.map((step) => [step.id, step]));
  const seen = new Set<string>();
  const pending = [...(byId.get(stepId)?.dependsOn ?? [])];
  while (pending.length > 0) {
    const id = pending.pop() as string;
    if (seen.has(id)) continue;
    seen.add(id);
    pending.push(...(byId.get(id)?.dependsOn ?? []));
  }
  return seen;
}

/** `steps.<id>` and `input.<field>` references of a JSONata AST: paths whose first two steps are names. */
function references(node: unknown, found: { steps: Set<string>; input: Set<string> }, seen: Set<object>): void {
  if (node === null || typeof node !== 'object' || seen.has(node)) return;
  seen.add(node);
  const path = node as { type?: unknown; steps?: unknown };
  if (path.type === 'path' && Array.isArray(path.steps)) {
    const [first, second] = path.steps as { type?: unknown; value?: unknown }[];
    if (first?.type === 'name' && second?.type === 'name' && typeof second.value === 'string') {
      if (first.value === 'steps') found.steps.add(second.value);
      if (first.value === 'input') found.input.add(second.value);
    }
  }
  for (const value of Object.values(node)) references(value, found, seen);
}

function referenceIssues(steps: readonly StepDefinition[], input: unknown): DefinitionIssue[] {
  const fields = input !== null && typeof input === 'object' && !Array.isArray(input) ? Object.keys(input) : undefined;
  return steps.flatMap((step, i) => {
    const upstream = upstreamOf(steps, step.id);
    const expressions = [
      ...templateExpressions(step.input, `/steps/${i}/input`),
      ...(step.when === undefined ? [] : [{ path: `/steps/${i}/when`, expression: step.when }]),
    ];
    return expressions.flatMap(({ path, expression }): DefinitionIssue[] => {
      if (expressionIssue(expression, path) !== undefined) return []; // reported as jsonata
      const found = { steps: new Set<string>(), input: new Set<string>() };
      references(compileExpression(expression).ast(), found, new Set());
      const issues: DefinitionIssue[] = [...found.steps]
        .filter((id) => !upstream.has(id))
        .map((id) => ({
          path,
          rule: 'step_reference',
          message: `step ${step.id}: ${JSON.stringify(expression)} reads steps.${id}, which is not a step it depends on`,
        }));
      if (fields !== undefined) {
        for (const field of found.input) {
          if (!fields.includes(field))
            issues.push({
              path,
              rule: 'input_reference',
              message: `step ${step.id}: ${JSON.stringify(expression)} reads input.${field}, which the run input does not have (it has [${fields.join(', ')}])`,
            });
        }
      }
      return issues;
    });
  });
}
