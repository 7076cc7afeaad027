import { parseDocument } from 'yaml';
import { LedgerflowError, MAX_PLAN_STEPS, validatePlan } from '@ledgerflow/domain';
import { buildPlan } from './build-plan.js';
import { definitionSchema } from './definition.schema.js';
import { DefinitionError } from './definition.errors.js';
import type { DefinitionIssue, JsonSchema, WorkflowDefinition } from './definition.types.js';
import { expressionIssue, templateExpressions } from './expressions.js';
import { gateIssues } from './gate-checks.js';
import { compileSchema, schemaIssues, schemaPatternIssues } from './json-schema.js';
import { normalizeDefinition, type RawDefinition } from './normalize-definition.js';
import { checkRecoveries } from './recoveries.js';

const validateFile = compileSchema(definitionSchema);

/**
 * Parses and validates one workflow definition (YAML text), in this order, stopping at the first
 * stage that finds problems (and reporting all of that stage's problems):
 * 1. YAML syntax -> `definition_invalid`, rule `yaml_syntax`, with line and column;
 * 2. the JSON Schema of the format -> `definition_invalid`, one issue per violation (JSON pointer + keyword);
 *    then embedded JSON Schemas compile (`json_schema`), `=` expressions parse (`jsonata`), every gate's reviewer
 *    entries are `user:<id>`, `role:<role>`, `team:<team>` or a bare id (`reviewer_entry`) and no gate sets both
 *    `escalateTo` and `escalation` (`escalation_exclusive`), see gate-checks.ts;
 * 3. every step's tool and action declared under `tools` -> `definition_unknown_tool`;
 * 4. every step's agent declared under `agents` -> `definition_unknown_agent`;
 * 5. `maxSteps` at most 50 and at least the number of steps -> `workflow_depth_exceeded`;
 * 6. the plan (`validatePlan`): `plan_cycle`, `plan_unknown_dependency`, `workflow_depth_exceeded`,
 *    `plan_invalid_gate`, ... (its own code, at the pointer its `details` name);
 * 7. `recoveries` (see `checkRecoveries` in recoveries.ts): rule steps declared and valid with the plan.
 * @param source the file name (or any label) that starts every error message.
 * @throws DefinitionError
 */
export function parseDefinition(yamlText: string, source: string): WorkflowDefinition {
  const raw = parseYaml(yamlText, source);
  if (!validateFile(raw)) throw new DefinitionError('definition_invalid', source, schemaIssues(validateFile.errors));
  const definition = normalizeDefinition(raw as RawDefinition, source);
  failOn('definition_invalid', source, [...embeddedIssues(definition), ...gateIssues(definition)]);
  failOn('definition_unknown_tool', source, unknownToolIssues(definition));
  failOn('definition_unknown_agent', source, unknownAgentIssues(definition));
  failOn('workflow_depth_exceeded', source, maxStepsIssues(definition));
  try {
    validatePlan(buildPlan(definition));
  } catch (error) {
    if (!(error instanceof LedgerflowError)) throw error;
    const path = planErrorPath(definition, error.code, error.details);
    throw new DefinitionError(error.code, source, [{ path, rule: error.code, message: error.message }], error.details);
  }
  checkRecoveries(definition, source);
  return definition;
}

/**
 * JSON pointer of the culprit named by a `validatePlan` error (`details.stepId`, `details.field` such as
 * `gate.escalation[0].reviewers`, `details.dependency`); a workflow-level field (no `stepId`) is at the root.
 */
function planErrorPath(definition: WorkflowDefinition, code: string, details: Record<string, unknown>): string {
  const field =
    typeof details.field === 'string'
      ? `/${details.field
          .replace(/\[(\d+)\]/g, '.$1')
          .split('.')
          .join('/')}`
      : '';
  if (details.stepId === undefined && field !== '') return field;
  const matches = (s: { id: string }): boolean => s.id === details.stepId;
  // A duplicate is the later of the two steps.
  const index =
    code === 'plan_duplicate_step' ? definition.steps.findLastIndex(matches) : definition.steps.findIndex(matches);
  if (index === -1) return '/steps';
  const step = definition.steps[index];
  const dependency =
    field === '/dependsOn' && step !== undefined ? step.dependsOn.indexOf(String(details.dependency)) : -1;
  return `/steps/${index}${field}${dependency === -1 ? '' : `/${dependency}`}`;
}

function failOn(code: string, source: string, issues: DefinitionIssue[]): void {
  if (issues.length > 0) throw new DefinitionError(code, source, issues);
}

function parseYaml(text: string, source: string): unknown {
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const issues = doc.errors.map((error) => {
      const pos = error.linePos?.[0];
      const message = (error.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
      return {
        path: '',
        rule: 'yaml_syntax',
        message: `${message} [${error.code}]`,
        line: pos?.line ?? 1,
        column: pos?.col ?? 1,
      };
    });
    throw new DefinitionError('definition_invalid', source, issues);
  }
  try {
    return doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new DefinitionError('definition_invalid', source, [{ path: '', rule: 'yaml_syntax', message }]);
  }
}

function embeddedIssues(definition: WorkflowDefinition): DefinitionIssue[] {
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

function unknownToolIssues(definition: WorkflowDefinition): DefinitionIssue[] {
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

function unknownAgentIssues(definition: WorkflowDefinition): DefinitionIssue[] {
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

function maxStepsIssues(definition: WorkflowDefinition): DefinitionIssue[] {
  const { maxSteps } = definition;
  if (maxSteps === undefined) return [];
  if (maxSteps > MAX_PLAN_STEPS) {
    return [
      {
        path: '/maxSteps',
        rule: 'max_steps_limit',
        message: `maxSteps is ${maxSteps}, above the limit of ${MAX_PLAN_STEPS} steps per plan`,
      },
    ];
  }
  if (definition.steps.length > maxSteps) {
    return [
      { path: '/steps', rule: 'max_steps', message: `${definition.steps.length} steps exceed maxSteps ${maxSteps}` },
    ];
  }
  return [];
}
