import { resolveStepInput } from '@ledgerflow/definitions';
import type { PlanStep, RunState } from '@ledgerflow/domain';

/**
 * Resolves a step's input template over the run input and the outputs of succeeded upstream steps
 * (JSONata expressions, see docs/definitions.md).
 * @throws LedgerflowError `input_expression_failed` naming the field and the expression.
 */
export async function resolveInputOf(state: RunState, step: PlanStep): Promise<unknown> {
  const steps: Record<string, { output: unknown }> = {};
  for (const [stepId, stepState] of Object.entries(state.steps)) {
    if (stepState.status === 'succeeded') steps[stepId] = { output: stepState.output };
  }
  return resolveStepInput(step.input, { input: state.input, steps });
}
