import { parseDocument } from 'yaml';
import { LedgerflowError, MAX_PLAN_STEPS, validatePlan } from '@ledgerflow/domain';
import { buildPlan } from './build-plan.js';
import { definitionSchema } from './definition.schema.js';
import { DefinitionError } from './definition.errors.js';
import type { DefinitionIssue, WorkflowDefinition } from './definition.types.js';
import { gateIssues } from './gate-checks.js';
import { goalIssues, stepsOrGoalIssues } from './goal-checks.js';
import { compileSchema, schemaIssues } from './json-schema.js';
import { normalizeDefinition, type RawDefinition } from './normalize-definition.js';
import { planErrorPath } from './plan-error-path.js';
import { checkRecoveries } from './recoveries.js';
import { embeddedIssues, unknownAgentIssues, unknownToolIssues } from './step-checks.js';

const validateFile = compileSchema(definitionSchema);

/**
 * Parses and validates one workflow definition (YAML text), in this order, stopping at the first
 * stage that finds problems (and reporting all of that stage's problems):
 * 1. YAML syntax -> `definition_invalid`, rule `yaml_syntax`, with line and column;
 * 2. the JSON Schema of the format -> `definition_invalid`, one issue per violation (JSON pointer + keyword);
 *    exactly one of `steps` and `goal` (`steps_or_goal`); a goal template's `goal` (goal-checks.ts: `desiredOutputs`
 *    compiles, `review` reviewers, constraints naming declared agents and tools, no `recoveries`); then embedded JSON Schemas compile (`json_schema`), `=` expressions parse (`jsonata`), every gate's reviewer
 *    entries are `user:<id>`, `role:<role>`, `team:<team>` or a bare id (`reviewer_entry`) and no gate sets both
 *    `escalateTo` and `escalation` (`escalation_exclusive`), see gate-checks.ts;
 * 3. every step's tool and action declared under `tools` -> `definition_unknown_tool`;
 * 4. every step's agent declared under `agents` -> `definition_unknown_agent`;
 * 5. `maxSteps` at most 50 and at least the number of steps -> `workflow_depth_exceeded`;
 * 6. the plan (`validatePlan`): `plan_cycle`, `plan_unknown_dependency`, `workflow_depth_exceeded`,
 *    `plan_invalid_gate`, ... (its own code, at the pointer its `details` name);
 * 7. `recoveries` (see `checkRecoveries` in recoveries.ts): rule steps declared and valid with the plan.
 * A goal template (`goal:`) has no steps to check at 3..7: its generated steps are checked per run
 * (`generatedStepIssues`).
 * @param source the file name (or any label) that starts every error message.
 * @throws DefinitionError
 */
export function parseDefinition(yamlText: string, source: string): WorkflowDefinition {
  const raw = parseYaml(yamlText, source);
  if (!validateFile(raw)) throw new DefinitionError('definition_invalid', source, schemaIssues(validateFile.errors));
  failOn('definition_invalid', source, stepsOrGoalIssues(raw as RawDefinition));
  const definition = normalizeDefinition(raw as RawDefinition, source);
  failOn('definition_invalid', source, [
    ...embeddedIssues(definition),
    ...gateIssues(definition),
    ...goalIssues(definition),
  ]);
  if (definition.goal !== undefined) return definition;
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
