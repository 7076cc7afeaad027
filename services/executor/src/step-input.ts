import { evaluateCondition, resolveStepInput } from '@ledgerflow/definitions';
import type { ExpressionScope } from '@ledgerflow/definitions';
import { decide, LedgerflowError, stepIdempotencyKey } from '@ledgerflow/domain';
import type { PlanStep, RunState } from '@ledgerflow/domain';
import { RunRepository } from '@ledgerflow/service-runtime';
import type { Privacy } from '@ledgerflow/service-runtime';
import type { Logger } from '@ledgerflow/telemetry';

type Deps = { readonly runs: RunRepository; readonly logger: Logger; readonly privacy?: Privacy };

/** What a step's expressions see: the run input and the outputs of succeeded steps (docs/definitions.md). */
function scopeOf(state: RunState): ExpressionScope {
  const steps: Record<string, { output: unknown }> = {};
  for (const [stepId, stepState] of Object.entries(state.steps)) {
    if (stepState.status === 'succeeded') steps[stepId] = { output: stepState.output };
  }
  return { input: state.input, steps };
}

/**
 * Resolves a step's input template over the run input and the outputs of succeeded upstream steps
 * (JSONata expressions evaluated off the event loop within `EXPRESSION_LIMITS`, see docs/definitions.md).
 * @throws LedgerflowError `input_expression_failed` naming the step, the field, the expression and the
 *   cause; `retryable` when a time limit was hit or the expression worker failed.
 */
export async function resolveInputOf(state: RunState, step: PlanStep): Promise<unknown> {
  return resolveStepInput(step.input, scopeOf(state), { stepId: step.id });
}

/**
 * The input of a step attempt about to be evaluated or started, or undefined when the step will not run now:
 * - its `when` condition (checked while the step is pending, i.e. before its first policy decision) was false:
 *   `StepSkipped{reason: 'condition_false'}` has been recorded (`SkipStepByCondition`);
 * - an input expression or the condition failed: `StepFailed{error: {code: 'input_expression_failed', message,
 *   retryable}}` has been recorded (`RecordStepInputFailed`; the step's retry policy applies when `retryable`),
 *   so the failure ends as an event rather than as a reconcile retried forever. The message is tokenized with `privacy`.
 * @throws DomainError when the attempt changed meanwhile (the caller re-decides); store errors.
 */
export async function resolveInputOrFailStep(
  deps: Deps,
  runId: string,
  state: RunState,
  step: PlanStep,
  attempt: number,
): Promise<{ input: unknown } | undefined> {
  try {
    if (step.when !== undefined && state.steps[step.id]?.status === 'pending') {
      if (!(await evaluateCondition(step.when, scopeOf(state), { stepId: step.id }))) {
        deps.logger.info('step skipped: its condition is false', { runId, stepId: step.id });
        await deps.runs.execute(
          runId,
          (current, now, run) =>
            decide(
              {
                type: 'SkipStepByCondition',
                data: { stepId: step.id, attempt, runDurationMs: RunRepository.runDurationMs(run, now) },
              },
              current,
              { now },
            ),
          { causationId: stepIdempotencyKey(runId, step.id, attempt) },
        );
        return undefined;
      }
    }
    return { input: await resolveInputOf(state, step) };
  } catch (error) {
    if (!(error instanceof LedgerflowError) || error.code !== 'input_expression_failed') throw error;
    await recordExpressionFailure(deps, runId, step, attempt, error);
    return undefined;
  }
}

async function recordExpressionFailure(
  deps: Deps,
  runId: string,
  step: PlanStep,
  attempt: number,
  error: LedgerflowError,
): Promise<void> {
  const message = deps.privacy ? await deps.privacy.tokenize(error.message, runId) : error.message;
  deps.logger.warn('step expression failed', {
    runId,
    stepId: step.id,
    attempt,
    retryable: error.retryable,
    error: message,
  });
  const failure = { code: error.code, message, retryable: error.retryable };
  await deps.runs.execute(
    runId,
    (current, now) =>
      decide({ type: 'RecordStepInputFailed', data: { stepId: step.id, attempt, error: failure } }, current, { now }),
    { causationId: stepIdempotencyKey(runId, step.id, attempt) },
  );
}
