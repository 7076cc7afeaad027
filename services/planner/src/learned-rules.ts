import { memoryScopeKey, memoryStreamId } from '@ledgerflow/contracts';
import type { LearnedRecoveryRule, MemoryScope, RecommendationApplied } from '@ledgerflow/contracts';
import { DEFINITION_DEFAULTS, buildPlan } from '@ledgerflow/definitions';
import type { StepDefinition, WorkflowDefinition } from '@ledgerflow/definitions';
import { currentErrorCode } from '@ledgerflow/domain';
import type { PlanStep } from '@ledgerflow/domain';
import type { EventStore, StoredEvent } from '@ledgerflow/event-store';

/**
 * The learned recovery rules in force for a workflow, latest applied first: the `rule` of each
 * `RecommendationApplied` of its memory stream (`memory-<workflowId>`, written by memory when a person accepts an
 * `add_recovery_rule` recommendation). Other events are ignored.
 */
export function learnedRulesOf(events: Iterable<Pick<StoredEvent, 'type' | 'data'>>): LearnedRecoveryRule[] {
  const rules: LearnedRecoveryRule[] = [];
  for (const event of events) {
    if (event.type !== 'RecommendationApplied') continue;
    const rule = (event.data as RecommendationApplied).rule;
    if (rule !== undefined && !rules.some((known) => known.id === rule.id)) rules.unshift(rule);
  }
  return rules;
}

/**
 * The learned rule for step `stepId` failing with `code` in a run of memory scope `scope`: the latest applied rule
 * whose `on.step` is the step, whose `on.code` is the code (both codes as this release spells them,
 * `currentErrorCode`) and whose scope key (`memoryScopeKey`) is the run's; a rule learned in one scope never applies
 * to another. Undefined when none.
 */
export function learnedRuleFor(
  rules: readonly LearnedRecoveryRule[],
  scope: MemoryScope | undefined,
  stepId: string,
  code: string,
): LearnedRecoveryRule | undefined {
  const key = memoryScopeKey(scope);
  const failed = currentErrorCode(code);
  return rules.find(
    (rule) =>
      rule.on.step === stepId && currentErrorCode(rule.on.code) === failed && memoryScopeKey(rule.scope) === key,
  );
}

/**
 * What keeps a learned rule from applying to a run of `definition`: each step's `tool.action` must be declared under
 * the definition's `tools` and its agent under `agents` (as a definition's own recovery steps must be). One sentence
 * per problem; empty when the rule applies.
 */
export function undeclaredInRule(definition: WorkflowDefinition, rule: LearnedRecoveryRule): string[] {
  return rule.steps.flatMap((step) => [
    ...(Object.hasOwn(definition.tools, step.tool) && definition.tools[step.tool]?.includes(step.action)
      ? []
      : [`step ${step.id} uses ${step.tool}.${step.action}, which the definition does not declare under tools`]),
    ...(Object.hasOwn(definition.agents, step.agent)
      ? []
      : [`step ${step.id} is assigned agent "${step.agent}", which the definition does not declare under agents`]),
  ]);
}

/**
 * The steps of a learned rule as the plan takes them, with the mapping of a definition's recovery steps
 * (`buildPlan` over the steps with the definition's defaults: one attempt, `DEFINITION_DEFAULTS.timeoutMs` unless
 * the rule gives `timeoutMs`, input `{}` unless given, not optional, no dependencies).
 */
export function learnedPlanSteps(definition: WorkflowDefinition, rule: LearnedRecoveryRule): PlanStep[] {
  const steps = rule.steps.map((step): StepDefinition => ({
    id: step.id,
    name: step.id,
    kind: 'tool',
    tool: step.tool,
    action: step.action,
    agent: step.agent,
    dependsOn: [],
    input: step.input ?? {},
    retry: { ...DEFINITION_DEFAULTS.retry },
    timeoutMs: step.timeoutMs ?? DEFINITION_DEFAULTS.timeoutMs,
    optional: false,
    policyTags: [],
  }));
  return [...buildPlan({ ...definition, steps }).steps];
}

/** Reads the learned rules of a workflow from the event store (its memory stream), on each call: they are few and rarely read. */
export class LearnedRecoveryRules {
  constructor(private readonly store: EventStore) {}

  /** The learned rule for the failure (see {@link learnedRuleFor}), undefined when none applies. */
  async ruleFor(
    workflowId: string,
    scope: MemoryScope | undefined,
    stepId: string,
    code: string,
  ): Promise<LearnedRecoveryRule | undefined> {
    const events = await this.store.readStream(memoryStreamId(workflowId));
    return learnedRuleFor(learnedRulesOf(events), scope, stepId, code);
  }
}
