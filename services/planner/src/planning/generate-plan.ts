import { inputDigestOf } from '@ledgerflow/audit';
import type { PlanGeneratedData, PlanIssue, ToolCatalogEntry } from '@ledgerflow/contracts';
import { LedgerflowError } from '@ledgerflow/domain';
import type { StepDefinition } from '@ledgerflow/definitions';
import { PLAN_GENERATION_FAILED, planGenerationFailed } from './plan-generation-error.js';
import type { GeneratedSteps, GenerateRequest, PlanGenerator } from './plan-generator.js';

/** Most attempts of the `llm` generator per goal by default (the first and two retries with the issues). */
export const DEFAULT_PLAN_ATTEMPTS = 3;

/** Checks a generated plan (structure, then a policy dry run of each step): every issue, empty when it passes. */
export type ValidateGeneratedSteps = (
  steps: readonly StepDefinition[],
) => readonly PlanIssue[] | Promise<readonly PlanIssue[]>;

/** An accepted plan: its steps and what `PlanGenerated` records of how it was made. */
export interface GeneratedPlan {
  readonly steps: readonly StepDefinition[];
  readonly data: PlanGeneratedData;
}

/**
 * `sha256:<hex>` of the canonical JSON (RFC 8785 style, `@ledgerflow/audit` canonicalJson) of the catalog entries,
 * sorted by `tool.action` (the order a KV listing gives does not change the digest).
 */
export function catalogDigest(catalog: readonly ToolCatalogEntry[]): string {
  const key = (entry: ToolCatalogEntry): string => `${entry.tool}.${entry.action}`;
  return inputDigestOf([...catalog].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0)));
}

/**
 * Asks `generator` for steps and validates them; the `llm` generator is asked again with the previous steps and
 * their issues (`request.previous`) until a plan passes or `maxAttempts` (default 3) attempts were made, an answer
 * that is not a plan at all (`model_output_invalid`) counting as an attempt whose issues are the parse or schema
 * errors. The deterministic `catalog` generator gets one attempt (asking again gives the same plan).
 * `data.usage` sums the attempts' token counts; `prompt`/`response`/`model` are the accepted attempt's.
 * @returns the accepted steps and `PlanGenerated`'s data (`attempts`: each attempt's issues, the last one empty).
 * @throws LedgerflowError `plan_generation_failed`: `details.reason` `invalid_plan` with
 *   `details.attempts: [{ issues }]` when no attempt passed (the message names every issue of the last attempt);
 *   otherwise the generator's own reason (`unreachable`, `model_timeout`, `model_error`, ...) with its details and
 *   `attempts` so far; `retryable` as the generator said.
 */
export async function generatePlan(
  generator: PlanGenerator,
  request: GenerateRequest,
  validate: ValidateGeneratedSteps,
  maxAttempts = DEFAULT_PLAN_ATTEMPTS,
): Promise<GeneratedPlan> {
  const limit = generator.name === 'llm' ? Math.max(1, maxAttempts) : 1;
  const attempts: { issues: readonly PlanIssue[] }[] = [];
  const usage = { inputTokens: 0, outputTokens: 0, reported: false };
  let previous: GenerateRequest['previous'];
  const count = (reported: GeneratedSteps['usage']): void => {
    if (reported === undefined) return;
    usage.reported = true;
    usage.inputTokens += reported.inputTokens ?? 0;
    usage.outputTokens += reported.outputTokens ?? 0;
  };
  for (let attempt = 1; attempt <= limit; attempt += 1) {
    let generated: GeneratedSteps;
    try {
      generated = await generator.generate(previous === undefined ? request : { ...request, previous });
    } catch (error) {
      const issues = outputIssues(error);
      if (issues === undefined) throw withAttempts(error, attempts);
      count((error as LedgerflowError).details.usage as GeneratedSteps['usage']);
      attempts.push({ issues });
      previous = { steps: [], issues };
      continue;
    }
    count(generated.usage);
    const issues = [...(await validate(generated.steps))];
    attempts.push({ issues });
    if (issues.length === 0) {
      return {
        steps: generated.steps,
        data: {
          generator: generator.name,
          goal: request.goal,
          ...(generated.model === undefined ? {} : { model: generated.model }),
          ...(generated.prompt === undefined ? {} : { prompt: generated.prompt }),
          ...(generated.response === undefined ? {} : { response: generated.response }),
          ...(usage.reported ? { usage: { inputTokens: usage.inputTokens, outputTokens: usage.outputTokens } } : {}),
          attempts,
          catalogDigest: catalogDigest(request.catalog),
        },
      };
    }
    previous = { steps: generated.steps, issues };
  }
  const last = attempts.at(-1)?.issues ?? [];
  throw planGenerationFailed(
    'invalid_plan',
    `the ${generator.name} generator gave no valid plan for goal "${request.goal}" in ${attempts.length} attempt(s); the last one's issues: ${last
      .map((issue) => `${issue.path} ${issue.rule}: ${issue.message}`)
      .join('; ')}`,
    { attempts },
  );
}

/** The issues of an answer that was no plan (`model_output_invalid`), which a retry may fix; else undefined. */
function outputIssues(error: unknown): readonly PlanIssue[] | undefined {
  if (!(error instanceof LedgerflowError) || error.code !== PLAN_GENERATION_FAILED) return undefined;
  if (error.details.reason !== 'model_output_invalid') return undefined;
  return (
    (error.details.issues as PlanIssue[] | undefined) ?? [
      { rule: 'model_output_invalid', path: '/', message: error.message },
    ]
  );
}

function withAttempts(error: unknown, attempts: readonly { issues: readonly PlanIssue[] }[]): unknown {
  if (!(error instanceof LedgerflowError) || error.code !== PLAN_GENERATION_FAILED) return error;
  return new LedgerflowError(error.code, error.message, error.retryable, { ...error.details, attempts });
}
