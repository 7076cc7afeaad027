import type { DefinitionIssue, WorkflowDefinition } from './definition.types.js';
import { gateSpecIssues } from './gate-checks.js';
import { compileSchema, schemaPatternIssues } from './json-schema.js';
import type { RawDefinition } from './normalize-definition.js';

/**
 * A definition has written `steps` or a `goal` (docs/definitions.md, "Goals"), never both, never neither: rule
 * `steps_or_goal` at the root.
 */
export function stepsOrGoalIssues(raw: RawDefinition): DefinitionIssue[] {
  const hasSteps = raw.steps !== undefined;
  const hasGoal = raw.goal !== undefined;
  if (hasSteps !== hasGoal) return [];
  return [
    {
      path: '',
      rule: 'steps_or_goal',
      message: hasSteps
        ? 'declares both steps and goal; a definition has written steps or a goal its steps are generated from, not both'
        : 'declares neither steps nor goal; write the steps, or a goal to generate them from',
    },
  ];
}

/**
 * Problems of a goal template's `goal` and of what it cannot have: `desiredOutputs` compiles (`json_schema`);
 * `review` reviewer entries (`reviewer_entry`); `constraints.allowedAgents` declared under `agents`
 * (`declared_agent`), `constraints.allowedTools` declared under `tools` (`declared_tool`); `constraints.maxSteps` at
 * most the definition's `maxSteps` (`max_steps`); no `recoveries` (`goal_recoveries`: their `on.step` would name
 * steps that do not exist yet). Empty for a definition with written steps.
 */
export function goalIssues(definition: WorkflowDefinition): DefinitionIssue[] {
  const { goal } = definition;
  if (goal === undefined) return [];
  const issues: DefinitionIssue[] = [];
  if (goal.desiredOutputs !== undefined) {
    const patterns = schemaPatternIssues(goal.desiredOutputs, '/goal/desiredOutputs');
    issues.push(...patterns);
    if (patterns.length === 0) {
      try {
        compileSchema(goal.desiredOutputs);
      } catch (error) {
        issues.push({
          path: '/goal/desiredOutputs',
          rule: 'json_schema',
          message: `is not a valid JSON Schema: ${(error as Error).message}`,
        });
      }
    }
  }
  if (goal.review !== undefined) issues.push(...gateSpecIssues(goal.review, '/goal/review'));
  const { allowedAgents = [], allowedTools = [], maxSteps } = goal.constraints ?? {};
  allowedAgents.forEach((agent, i) => {
    if (!Object.hasOwn(definition.agents, agent))
      issues.push({
        path: `/goal/constraints/allowedAgents/${i}`,
        rule: 'declared_agent',
        message: `allowed agent "${agent}" is not declared under agents`,
      });
  });
  allowedTools.forEach((capability, i) => {
    const [tool = '', action = ''] = capability.split('.');
    const actions = Object.hasOwn(definition.tools, tool) ? definition.tools[tool] : undefined;
    if (!actions?.includes(action))
      issues.push({
        path: `/goal/constraints/allowedTools/${i}`,
        rule: 'declared_tool',
        message: `allowed tool ${capability} is not declared under tools`,
      });
  });
  if (maxSteps !== undefined && definition.maxSteps !== undefined && maxSteps > definition.maxSteps)
    issues.push({
      path: '/goal/constraints/maxSteps',
      rule: 'max_steps',
      message: `goal.constraints.maxSteps ${maxSteps} exceeds the definition's maxSteps ${definition.maxSteps}`,
    });
  if (definition.recoveries !== undefined)
    issues.push({
      path: '/recoveries',
      rule: 'goal_recoveries',
      message: 'a goal template cannot declare recoveries: their steps would name steps that exist only once generated',
    });
  return issues;
}
