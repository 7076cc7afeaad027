import type { GateSpec, Plan } from '@ledgerflow/domain';
import type { WorkflowDefinition } from './definition.types.js';

/** A copy of a gate spec, escalation levels included, so the plan shares no array with the definition. */
function copyGate(gate: GateSpec): GateSpec {
  return {
    reviewers: [...gate.reviewers],
    ...(gate.slaSeconds === undefined ? {} : { slaSeconds: gate.slaSeconds }),
    ...(gate.escalateTo === undefined ? {} : { escalateTo: [...gate.escalateTo] }),
    ...(gate.escalation === undefined
      ? {}
      : { escalation: gate.escalation.map((level) => ({ ...level, reviewers: [...level.reviewers] })) }),
  };
}

/**
 * The plan of a definition: its steps as the Run aggregate sees them (input templates unresolved;
 * `outputSchema` travels with the step, so the executor checks a result against the version the run started with), with the gates (`gate`, `confidenceGate`) and confidence
 * thresholds (`minConfidence`) of the steps and of the workflow, and its `memoryScope` tags sorted and deduplicated
 * (absent when none). Does not validate: `parseDefinition`
 * has already run `validatePlan` on it.
 */
export function buildPlan(definition: WorkflowDefinition): Plan {
  const memoryScope = [...new Set(definition.memoryScope ?? [])].sort();
  return {
    workflowId: definition.id,
    workflowVersion: definition.version,
    concurrency: definition.concurrency,
    agents: Object.fromEntries(Object.entries(definition.agents).map(([agent, caps]) => [agent, [...caps]])),
    steps: definition.steps.map((step) => ({
      id: step.id,
      name: step.name,
      tool: step.tool,
      action: step.action,
      agent: step.agent,
      dependsOn: [...step.dependsOn],
      input: step.input,
      retry: { ...step.retry },
      timeoutMs: step.timeoutMs,
      optional: step.optional,
      ...(step.gate === undefined ? {} : { gate: copyGate(step.gate) }),
      ...(step.minConfidence === undefined ? {} : { minConfidence: step.minConfidence }),
      ...(step.confidenceGate === undefined ? {} : { confidenceGate: copyGate(step.confidenceGate) }),
      policyTags: [...step.policyTags],
      ...(step.outputSchema === undefined ? {} : { outputSchema: step.outputSchema }),
      ...(step.when === undefined ? {} : { when: step.when }),
      ...(step.kind === 'external' ? { kind: 'external' as const, reviewers: [...(step.reviewers ?? [])] } : {}),
    })),
    ...(definition.minConfidence === undefined ? {} : { minConfidence: definition.minConfidence }),
    ...(definition.confidenceGate === undefined ? {} : { confidenceGate: copyGate(definition.confidenceGate) }),
    ...(definition.timeoutMs === undefined ? {} : { timeoutMs: definition.timeoutMs }),
    ...(definition.requiredSecrets.length === 0 ? {} : { requiredSecrets: [...definition.requiredSecrets] }),
    ...(definition.maxConcurrentRuns === undefined ? {} : { maxConcurrentRuns: definition.maxConcurrentRuns }),
    ...(memoryScope.length === 0 ? {} : { memoryScope }),
  };
}
