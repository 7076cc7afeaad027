import type { EvaluationCaseResult } from '@ledgerflow/contracts';
import { canonicalJson } from '@ledgerflow/audit';
import { valueAt } from './golden-set.js';
import type { GoldenCase, PathMatcher } from './golden-set.js';

/** Evaluates a JSONata expression over data (`evaluateExpression` of @ledgerflow/definitions: time and depth limits). */
export type ExpressionEvaluator = (expression: string, data: unknown) => Promise<unknown>;

/** A step of a run as `GET /v1/runs/{id}` shows it (the fields eval reads). */
export interface RunStepView {
  readonly stepId: string;
  readonly status: string;
  readonly output?: unknown;
  readonly confidence?: number;
  readonly error?: { readonly code: string; readonly message: string };
}

/** A run as `GET /v1/runs/{id}` shows it (the fields eval reads). */
export interface RunView {
  readonly runId: string;
  readonly workflowVersion?: string;
  readonly status: string;
  readonly failure?: { readonly code: string; readonly reason: string; readonly stepId?: string };
  readonly steps: readonly RunStepView[];
  readonly gates: readonly {
    readonly gateId: string;
    readonly stepId: string;
    readonly status: string;
    readonly reviewers: readonly string[];
    readonly reason: string;
  }[];
}

/**
 * What `final` matchers see: `{ status, failure, outputs }`, `failure` the run's (`{ code, reason, stepId }`) or
 * null, `outputs` each succeeded step's output by step id.
 */
export function finalOf(run: RunView): { status: string; failure: unknown; outputs: Record<string, unknown> } {
  return {
    status: run.status,
    failure: run.failure ?? null,
    outputs: Object.fromEntries(run.steps.filter((s) => s.status === 'succeeded').map((s) => [s.stepId, s.output])),
  };
}

const shown = (value: unknown): string => {
  const text = value === undefined ? 'nothing' : canonicalJson(value);
  return text.length > 200 ? `${text.slice(0, 200)}...` : text;
};

/** Why `value` (at the matcher's path) fails the matcher, or undefined when it passes. */
export async function matcherFailure(
  { matcher }: PathMatcher,
  found: { found: true; value: unknown } | { found: false },
  evaluate: ExpressionEvaluator,
): Promise<string | undefined> {
  const value = found.found ? found.value : undefined;
  const got = found.found ? shown(value) : 'nothing (no such path)';
  if ('exact' in matcher)
    return found.found && canonicalJson(value) === canonicalJson(matcher.exact)
      ? undefined
      : `expected ${shown(matcher.exact)}, got ${got}`;
  if ('number' in matcher) {
    const ok = typeof value === 'number' && Math.abs(value - matcher.number) <= matcher.tolerance;
    return ok ? undefined : `expected ${matcher.number} ± ${matcher.tolerance}, got ${got}`;
  }
  let result: unknown;
  try {
    result = await evaluate(matcher.jsonata, value);
  } catch (error) {
    return `jsonata ${JSON.stringify(matcher.jsonata)} failed: ${(error as Error).message} (value ${got})`;
  }
  return result === true
    ? undefined
    : `expected jsonata ${JSON.stringify(matcher.jsonata)} to be true, got ${shown(result)} for ${got}`;
}

/**
 * Checks one case's expectations against its run: each step's matchers over its output (a step that did not succeed
 * fails each of them), the `final` matchers over {@link finalOf}. Failures name the step (or `final`), the path as
 * written and why; `steps` lists each step with matchers, passed when all of its matchers passed, with its confidence.
 */
export async function checkCase(
  goldenCase: GoldenCase,
  run: RunView,
  evaluate: ExpressionEvaluator,
): Promise<Pick<EvaluationCaseResult, 'passed' | 'failures' | 'steps'>> {
  const failures: { stepId: string; path: string; message: string }[] = [];
  const steps: { stepId: string; passed: boolean; confidence?: number }[] = [];
  for (const [stepId, matchers] of goldenCase.steps) {
    const step = run.steps.find((s) => s.stepId === stepId);
    const before = failures.length;
    for (const matcher of matchers) {
      if (step?.status !== 'succeeded') {
        const why =
          step === undefined
            ? 'is not in the run'
            : `did not succeed (${step.status}${step.error ? `: ${step.error.code}` : ''})`;
        failures.push({ stepId, path: matcher.path, message: `step ${stepId} ${why}` });
        continue;
      }
      const message = await matcherFailure(matcher, valueAt(step.output, matcher.segments), evaluate);
      if (message !== undefined) failures.push({ stepId, path: matcher.path, message });
    }
    steps.push({
      stepId,
      passed: failures.length === before,
      ...(typeof step?.confidence === 'number' ? { confidence: step.confidence } : {}),
    });
  }
  const final = finalOf(run);
  for (const matcher of goldenCase.final) {
    const message = await matcherFailure(matcher, valueAt(final, matcher.segments), evaluate);
    if (message !== undefined) failures.push({ stepId: 'final', path: matcher.path, message });
  }
  return { passed: failures.length === 0, failures, steps };
}

/** A failure as the report prints it: `steps.<step>.output.<path>` or `final.<path>` (`$` alone: the whole value). */
export function failureLocation(failure: { readonly stepId: string; readonly path: string }): string {
  const base = failure.stepId === 'final' ? 'final' : `steps.${failure.stepId}.output`;
  const path = failure.path.replace(/^\$\.?/, '');
  return path === '' ? base : path.startsWith('[') ? `${base}${path}` : `${base}.${path}`;
}
