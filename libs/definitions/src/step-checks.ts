import type { DefinitionIssue, JsonSchema, WorkflowDefinition } from './definition.types.js';
import { expressionIssue, templateExpressions } from './expressions.js';
import { compileSchema, schemaPatternIssues } from './json-schema.js';

/** Embedded JSON Schemas compile (`json_schema`) and `=` expressions and `when` conditions parse (`jsonata`, `linear_regexp`). */
export function embeddedIssues(definition: WorkflowDefinition): DefinitionIssue[] {
  const issues: DefinitionIssue[] = [];
  const checkSchema = (schema: JsonSchema | undefined, path: string): void => {
    if (schema === undefined) return;
    const patterns = schemaPatternIssues(schema, path);
    if (patterns.length > 0) {
      issues.push(...patterns);
      return;
    }
    try {
      compileSchema(schema);
    } catch (error) {
      issues.push({ path, rule: 'json_schema', message: `is not a valid JSON Schema: ${(error as Error).message}` });
    }
  };
  const checkExpression = (expression: string, path: string): void => {
    const issue = expressionIssue(expression, path);
    if (issue !== undefined) issues.push(issue);
  };
  checkSchema(definition.inputSchema, '/inputSchema');
  if (definition.trigger?.input !== undefined) checkExpression(definition.trigger.input, '/trigger/input');
  definition.steps.forEach((step, i) => {
    checkSchema(step.outputSchema, `/steps/${i}/outputSchema`);
    for (const { path, expression } of templateExpressions(step.input, `/steps/${i}/input`))
      checkExpression(expression, path);
    if (step.when !== undefined) checkExpression(step.when, `/steps/${i}/when`);
  });
  return issues;
}

/** Every tool step's tool and action declared under `tools` (`declared_tool`). */
export function unknownToolIssues(definition: WorkflowDefinition): DefinitionIssue[] {
  return definition.steps.flatMap((step, i): DefinitionIssue[] => {
    if (step.kind === 'external') return []; // calls no tool
    const actions = Object.hasOwn(definition.tools, step.tool) ? definition.tools[step.tool] : undefined;
    if (actions === undefined) {
      return [
        {
          path: `/steps/${i}/tool`,
          rule: 'declared_tool',
          message: `step ${step.id} uses tool "${step.tool}", which is not declared under tools`,
        },
      ];
    }
    if (!actions.includes(step.action)) {
      return [
        {
          path: `/steps/${i}/action`,
          rule: 'declared_tool',
          message: `step ${step.id} uses ${step.tool}.${step.action}, but tools.${step.tool} declares only [${actions.join(', ')}]`,
        },
      ];
    }
    return [];
  });
}

/** Every step's agent declared under `agents` (`declared_agent`). */
export function unknownAgentIssues(definition: WorkflowDefinition): DefinitionIssue[] {
  return definition.steps.flatMap((step, i): DefinitionIssue[] =>
    Object.hasOwn(definition.agents, step.agent)
      ? []
      : [
          {
            path: `/steps/${i}/agent`,
            rule: 'declared_agent',
            message: `step ${step.id} is assigned agent "${step.agent}", which is not declared under agents`,
          },
        ],
  );
}
