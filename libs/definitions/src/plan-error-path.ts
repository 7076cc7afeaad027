import type { WorkflowDefinition } from './definition.types.js';

/**
 * JSON pointer of the culprit named by a `validatePlan` error (`details.stepId`, `details.field` such as
 * `gate.escalation[0].reviewers`, `details.dependency`); a workflow-level field (no `stepId`) is at the root.
 */
export function planErrorPath(definition: WorkflowDefinition, code: string, details: Record<string, unknown>): string {
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
