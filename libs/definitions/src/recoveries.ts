import { LedgerflowError, currentErrorCode, validatePlan } from '@ledgerflow/domain';
import type { PlanStep } from '@ledgerflow/domain';
import { buildPlan } from './build-plan.js';
import { DefinitionError } from './definition.errors.js';
import type { DefinitionIssue, RecoveryDefinition, StepDefinition, WorkflowDefinition } from './definition.types.js';
import { expressionIssue, templateExpressions } from './expressions.js';

/** A recovery rule that applies to a failure: its name (`PlanRevised.rule`) and its steps as plan steps. */
export interface RecoveryMatch {
  readonly rule: string;
  readonly steps: readonly PlanStep[];
}

/**
 * The recovery for step `stepId` failing with error code `code`: the first rule of `definition.recoveries` whose
 * `on.code` is `code` and whose `on.step` is `stepId` or absent; undefined when none applies. Both codes are compared
 * as this release spells them (`currentErrorCode`): a failure stored, or a rule registered, with a code of the
 * earlier dotted spelling (`NATS.REQUEST_FAILED`) matches its snake_case name (`nats_request_failed`), and back.
 * @example recoveryFor(definition, 'fetch_invoice', 'token_expired') // { rule: 'refresh-token', steps: [refresh_token] }
 */
export function recoveryFor(definition: WorkflowDefinition, stepId: string, code: string): RecoveryMatch | undefined {
  const failed = currentErrorCode(code);
  const rule = (definition.recoveries ?? []).find(
    (candidate) =>
      currentErrorCode(candidate.on.code) === failed &&
      (candidate.on.step === undefined || candidate.on.step === stepId),
  );
  return rule === undefined ? undefined : { rule: rule.id, steps: recoveryPlanSteps(definition, rule) };
}

/** The steps of a rule as the plan would take them (same mapping as `buildPlan`). */
function recoveryPlanSteps(definition: WorkflowDefinition, rule: RecoveryDefinition): PlanStep[] {
  return [...buildPlan({ ...definition, steps: rule.steps }).steps];
}

type Stage = { code: string; issues: DefinitionIssue[] };

function stepIssues(definition: WorkflowDefinition, step: StepDefinition, at: string): Stage[] {
  const invalid = templateExpressions(step.input, `${at}/input`).flatMap(({ path, expression }): DefinitionIssue[] => {
    const issue = expressionIssue(expression, path);
    return issue === undefined ? [] : [issue];
  });
  const actions = Object.hasOwn(definition.tools, step.tool) ? definition.tools[step.tool] : undefined;
  const tool: DefinitionIssue[] = actions?.includes(step.action)
    ? []
    : [
        {
          path: `${at}/action`,
          rule: 'declared_tool',
          message: `recovery step ${step.id} uses ${step.tool}.${step.action}, which is not declared under tools`,
        },
      ];
  const agent: DefinitionIssue[] = Object.hasOwn(definition.agents, step.agent)
    ? []
    : [
        {
          path: `${at}/agent`,
          rule: 'declared_agent',
          message: `recovery step ${step.id} is assigned agent "${step.agent}", which is not declared under agents`,
        },
      ];
  return [
    { code: 'definition_invalid', issues: invalid },
    { code: 'definition_unknown_tool', issues: tool },
    { code: 'definition_unknown_agent', issues: agent },
  ];
}

/**
 * Checks `recoveries` once the rest of the definition is valid, stopping at the first code with problems:
 * `definition_invalid` (an `on.step` naming no step, rule `recovery_step`; two rules with one id, `unique_recovery_id`;
 * an input expression that does not parse), `definition_unknown_tool`, `definition_unknown_agent`; then the plan with
 * each rule's steps added must pass `validatePlan` (ids unique across plan and rule, dependencies, no cycle, at most
 * 50 steps), reported with the plan's code at `/recoveries/<i>`.
 * @throws DefinitionError
 */
export function checkRecoveries(definition: WorkflowDefinition, source: string): void {
  const rules = definition.recoveries ?? [];
  const stepIds = new Set(definition.steps.map((step) => step.id));
  const stages: Stage[] = [{ code: 'definition_invalid', issues: [] }];
  rules.forEach((rule, i) => {
    if (rule.on.step !== undefined && !stepIds.has(rule.on.step)) {
      stages[0]?.issues.push({
        path: `/recoveries/${i}/on/step`,
        rule: 'recovery_step',
        message: `recovery ${rule.id} names step "${rule.on.step}", which is not a step of the workflow`,
      });
    }
    if (rules.findIndex((other) => other.id === rule.id) !== i) {
      stages[0]?.issues.push({
        path: `/recoveries/${i}/id`,
        rule: 'unique_recovery_id',
        message: `recovery id ${rule.id} is used twice`,
      });
    }
    rule.steps.forEach((step, j) => stages.push(...stepIssues(definition, step, `/recoveries/${i}/steps/${j}`)));
  });
  for (const code of ['definition_invalid', 'definition_unknown_tool', 'definition_unknown_agent']) {
    const issues = stages.filter((stage) => stage.code === code).flatMap((stage) => stage.issues);
    if (issues.length > 0) throw new DefinitionError(code, source, issues);
  }
  const plan = buildPlan(definition);
  rules.forEach((rule, i) => {
    try {
      validatePlan({ ...plan, steps: [...plan.steps, ...recoveryPlanSteps(definition, rule)] });
    } catch (error) {
      if (!(error instanceof LedgerflowError)) throw error;
      throw new DefinitionError(
        error.code,
        source,
        [{ path: `/recoveries/${i}`, rule: error.code, message: `recovery ${rule.id}: ${error.message}` }],
        error.details,
      );
    }
  });
}
