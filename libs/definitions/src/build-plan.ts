import type { Plan } from '@ledgerflow/domain';
import type { WorkflowDefinition } from './definition.types.js';

/**
 * The plan of a definition: its steps as the Run aggregate sees them (input templates unresolved;
 * `outputSchema` stays with the definition). Does not validate: `parseDefinition` has already run
 * `validatePlan` on it.
 */
export function buildPlan(definition: WorkflowDefinition): Plan {
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
      ...(step.gate === undefined ? {} : { gate: { ...step.gate } }),
      ...(step.minConfidence === undefined ? {} : { minConfidence: step.minConfidence }),
      policyTags: [...step.policyTags],
    })),
  };
}
