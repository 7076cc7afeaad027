import { memoryScopeKey } from '@ledgerflow/contracts';
import type { LearnedRecoveryStep, RecommendationProposed } from '@ledgerflow/contracts';
import { currentErrorCode } from '@ledgerflow/domain';
import type { OperatorFix } from '../memory-facts.js';
import type { ProposalInput } from './proposal-input.js';
import { learnedRuleIdOf, recommendationIdOf } from './recommendation-ids.js';

/** Fewest operator fixes of one pattern (step, code, added steps) before a recovery rule is proposed. */
export const MIN_FIX_EVIDENCE = 3;
/** Least share of those fixes after which the step succeeded (M / N) for a recovery rule to be proposed. */
export const MIN_FIX_SUCCESS_RATE = 0.6;
/** Fewest failures of a step on invalid input before a pre-validation step is proposed. */
export const MIN_INVALID_OCCURRENCES = 5;
/** Least share of the workflow's runs in which the step failed on invalid input for a pre-validation step. */
export const MIN_INVALID_RUN_SHARE = 0.1;
/** The action a proposed pre-validation step calls on the failing step's own tool (declared by the change). */
export const PRE_VALIDATION_ACTION = 'validate';
/** Most example run ids an evidence lists (`RecommendationEvidence.exampleRunIds`). */
const MAX_EXAMPLES = 10;

/** An error code that says the input was invalid: ending in `_invalid` (`input_invalid`) or `validation_failed`. */
export const isInvalidInputCode = (code: string): boolean =>
  code.endsWith('_invalid') || code.endsWith('validation_failed');

/** The `tool.action` sequence of the steps an operator added: what makes two fixes the same fix. */
const signatureOf = (steps: readonly LearnedRecoveryStep[]): string =>
  steps.map((step) => `${step.tool}.${step.action}`).join(',');

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}

const examplesOf = (fixes: readonly OperatorFix[]): string[] =>
  [...new Set(fixes.map((fix) => fix.runId))].slice(0, MAX_EXAMPLES);

/** A recovery step as the rule keeps it: the fields of `LearnedRecoveryStep`, nothing an operator's event carried besides. */
const ruleStep = (step: LearnedRecoveryStep): LearnedRecoveryStep => ({
  id: step.id,
  agent: step.agent,
  tool: step.tool,
  action: step.action,
  ...(step.input === undefined ? {} : { input: step.input }),
  ...(step.timeoutMs === undefined ? {} : { timeoutMs: step.timeoutMs }),
});

const percent = (share: number): string => `${Math.round(share * 100)}%`;

/**
 * `add_recovery_rule`: operator fixes in the workflow's current scope with action `revise+retry`, grouped by
 * (step, error code as this release spells it, `tool.action` of the added steps). A group of N >=
 * {@link MIN_FIX_EVIDENCE} fixes of which M succeeded, M / N >= {@link MIN_FIX_SUCCESS_RATE}, proposes the rule
 * `learned-<8 hex>` that adds the steps of the latest successful fix (ids as the operator gave them). Projected
 * effect: `operatorFixesAvoidedPerRun` = N / runs, `expectedSuccessRate` = M / N.
 */
export function proposeRecoveryRules(input: ProposalInput): RecommendationProposed[] {
  const fixes = input.facts
    .operatorFixes(input.workflowId)
    .filter(
      (fix) =>
        fix.action === 'revise+retry' && fix.addedSteps.length > 0 && memoryScopeKey(fix.scope) === input.scopeKey,
    );
  const groups = groupBy(fixes, (fix) =>
    [fix.stepId, currentErrorCode(fix.code), signatureOf(fix.addedSteps)].join('|'),
  );
  return [...groups].flatMap(([pattern, group]): RecommendationProposed[] => {
    const succeeded = group.filter((fix) => fix.succeeded);
    const n = group.length;
    const m = succeeded.length;
    const model = succeeded.at(-1);
    if (n < MIN_FIX_EVIDENCE || m / n < MIN_FIX_SUCCESS_RATE || model === undefined) return [];
    const first = group[0] as OperatorFix;
    const code = currentErrorCode(first.code);
    const recommendationId = recommendationIdOf(input.workflowId, 'add_recovery_rule', input.scopeKey, pattern);
    const steps = model.addedSteps.map(ruleStep);
    const runs = Math.max(input.runs, new Set(group.map((fix) => fix.runId)).size);
    return [
      {
        recommendationId,
        workflowId: input.workflowId,
        scope: input.scope,
        kind: 'add_recovery_rule',
        summary: `add recovery ${steps.map((step) => step.id).join(', ')} before retrying ${first.stepId} on ${code}: operators fixed it so ${n} times, ${m} succeeded`,
        evidence: {
          runs,
          occurrences: n,
          succeeded: m,
          from: first.failedAt,
          to: (group.at(-1) as OperatorFix).failedAt,
          exampleRunIds: examplesOf(group),
          figures: { successRate: m / n },
        },
        projectedEffect: { operatorFixesAvoidedPerRun: n / runs, expectedSuccessRate: m / n },
        proposal: { rule: { id: learnedRuleIdOf(recommendationId), on: { step: first.stepId, code }, steps } },
        proposedAt: input.now,
      },
    ];
  });
}

/**
 * `add_pre_validation`: failures for good (operator fixes of any action) in the current scope whose code says
 * the input was invalid ({@link isInvalidInputCode}), per step. A step with >= {@link MIN_INVALID_OCCURRENCES} such
 * failures in >= {@link MIN_INVALID_RUN_SHARE} of the runs, and known to the latest definition, gets an optional step
 * `validate_<step>` before it, calling {@link PRE_VALIDATION_ACTION} on the step's own tool with its agent. Projected
 * effect: `invalidInputRunShare` (runs with the failure / runs) and `failuresPerRun` (failures / runs), which the
 * step would turn into early, skippable checks.
 */
export function proposePreValidations(input: ProposalInput): RecommendationProposed[] {
  const failures = input.facts
    .operatorFixes(input.workflowId)
    .filter((fix) => isInvalidInputCode(currentErrorCode(fix.code)) && memoryScopeKey(fix.scope) === input.scopeKey);
  return [...groupBy(failures, (fix) => fix.stepId)].flatMap(([stepId, group]): RecommendationProposed[] => {
    const target = input.definition?.steps.find((step) => step.id === stepId);
    const failedRuns = new Set(group.map((fix) => fix.runId)).size;
    const runs = Math.max(input.runs, failedRuns);
    if (target === undefined || group.length < MIN_INVALID_OCCURRENCES || failedRuns / runs < MIN_INVALID_RUN_SHARE)
      return [];
    const codes = [...new Set(group.map((fix) => currentErrorCode(fix.code)))].sort();
    const step: LearnedRecoveryStep = {
      id: `validate_${stepId}`.slice(0, 63),
      agent: target.agent,
      tool: target.tool,
      action: PRE_VALIDATION_ACTION,
    };
    return [
      {
        recommendationId: recommendationIdOf(input.workflowId, 'add_pre_validation', input.scopeKey, stepId),
        workflowId: input.workflowId,
        scope: input.scope,
        kind: 'add_pre_validation',
        summary: `add optional step ${step.id} (${step.tool}.${step.action}) before ${stepId}: it failed on invalid input (${codes.join(', ')}) in ${percent(failedRuns / runs)} of runs (${failedRuns} of ${runs})`,
        evidence: {
          runs,
          occurrences: group.length,
          from: (group[0] as OperatorFix).failedAt,
          to: (group.at(-1) as OperatorFix).failedAt,
          exampleRunIds: examplesOf(group),
          figures: { failedRuns },
        },
        projectedEffect: { invalidInputRunShare: failedRuns / runs, failuresPerRun: group.length / runs },
        proposal: { beforeStepId: stepId, step },
        proposedAt: input.now,
      },
    ];
  });
}
