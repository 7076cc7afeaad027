import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { generateText, jsonSchema, NoObjectGeneratedError, NoOutputGeneratedError, Output, type JSONSchema7 } from 'ai';
import type { PlanIssue } from '@ledgerflow/contracts';
import type { LedgerflowError } from '@ledgerflow/domain';
import { generatedStep } from './generated-step.js';
import { adaptivePrompt, llmPrompt, promptText, type AdaptiveRequest, type LlmPrompt } from './llm-prompt.js';
import { planGenerationFailed, stepLimitOf } from './plan-generation-error.js';
import type { GeneratedSteps, GenerateRequest, PlanGenerator } from './plan-generator.js';
import { checkStepsShape, stepsSchema } from './steps-schema.js';

/**
 * How the `llm` generator reaches a model: any OpenAI-compatible chat completions endpoint (OpenAI, vLLM, Ollama,
 * LiteLLM, ...). `baseUrl`: the API root the client appends `/chat/completions` to (e.g. `http://127.0.0.1:11434/v1`);
 * `apiKeyEnv`: the name of the environment variable holding the API key (absent: no key, e.g. a local Ollama); the
 * key is read at each call and never stored, recorded or logged. `timeoutMs`: per model call (default 60,000 ms).
 * `structuredOutputs`: send `response_format: json_schema` (default true; false sends `json_object`, for servers
 * without JSON Schema support: the answer is checked against the schema here either way).
 */
export interface LlmGeneratorConfig {
  readonly model: string;
  readonly baseUrl: string;
  readonly apiKeyEnv?: string;
  readonly timeoutMs?: number;
  readonly structuredOutputs?: boolean;
  /** Where `apiKeyEnv` is read (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Default time a model call may take, ms. */
export const LLM_DEFAULT_TIMEOUT_MS = 60_000;

/**
 * The `llm` generator: a language model proposes the steps as structured output (the `ai` SDK's `generateText` with
 * `Output.object`, through `@ai-sdk/openai-compatible`), checked against {@link stepsSchema}, and completed with the
 * definition format's defaults. Records the model, the prompt (system + user), the response text and token usage.
 * The SDK's own retries are off: `generatePlan` decides what to try again.
 * @throws LedgerflowError `plan_generation_failed` with `details.reason` (and `details.model`):
 *   `model_timeout` (no answer within `timeoutMs`; retryable), `model_error` (HTTP or network failure; retryable,
 *   `details.status` when the server answered), `model_output_invalid` (not JSON, or not the schema:
 *   `details.issues: PlanIssue[]`, not retryable as is), `model_not_configured` (`apiKeyEnv` names an unset variable).
 */
export class LlmGenerator implements PlanGenerator {
  readonly name = 'llm' as const;

  constructor(private readonly config: LlmGeneratorConfig) {}

  async generate(request: GenerateRequest): Promise<GeneratedSteps> {
    const schema = stepsSchema(stepLimitOf(request));
    return this.complete(llmPrompt(request, schema), schema, false);
  }

  /**
   * Adaptive steps (docs/planning.md, "Adaptive steps"): asks the model which steps to add to a running plan after
   * a step outcome (`adaptivePrompt`), at most `request.budget`. `{ steps: [] }` is a valid answer (nothing to add).
   * Records as {@link generate} does; the steps are the caller's to validate against the plan.
   * @throws LedgerflowError `plan_generation_failed`, the reasons of {@link generate}.
   */
  async proposeSteps(request: AdaptiveRequest): Promise<GeneratedSteps> {
    const schema = stepsSchema(request.budget, 0);
    return this.complete(adaptivePrompt(request, schema), schema, true);
  }

  /** One model call answering `schema`, its output checked (`allowEmpty`: `{ steps: [] }` passes). */
  private async complete(
    prompt: LlmPrompt,
    schema: Record<string, unknown>,
    allowEmpty: boolean,
  ): Promise<GeneratedSteps> {
    const { model } = this.config;
    const timeoutMs = this.config.timeoutMs ?? LLM_DEFAULT_TIMEOUT_MS;
    const provider = createOpenAICompatible({
      name: 'ledgerflow',
      baseURL: this.config.baseUrl,
      ...this.apiKey(),
      supportsStructuredOutputs: this.config.structuredOutputs ?? true,
      includeUsage: true,
    });
    const signal = AbortSignal.timeout(timeoutMs);
    let result;
    try {
      result = await generateText({
        model: provider(model),
        system: prompt.system,
        prompt: prompt.user,
        // `input` holds free-form tool inputs, which strict mode (closed objects only) cannot express.
        providerOptions: { ledgerflow: { strictJsonSchema: false } },
        output: Output.object({ schema: jsonSchema(schema as JSONSchema7), name: 'plan' }),
        temperature: 0,
        maxRetries: 0,
        abortSignal: signal,
      });
    } catch (error) {
      throw this.failure(error, signal, timeoutMs);
    }
    const usage = usageOf(result.usage);
    let parsed: unknown;
    try {
      parsed = result.output;
    } catch (error) {
      throw this.invalid(result.text, [{ rule: 'json', path: '/', message: (error as Error).message }], usage);
    }
    const shape = checkStepsShape(parsed, { allowEmpty });
    if ('issues' in shape) throw this.invalid(result.text, shape.issues, usage);
    return {
      steps: shape.steps.map(generatedStep),
      model,
      prompt: promptText(prompt),
      response: result.text,
      usage,
    };
  }

  private apiKey(): { apiKey?: string } {
    const variable = this.config.apiKeyEnv;
    if (variable === undefined) return {};
    const key = (this.config.env ?? process.env)[variable];
    if (key === undefined || key === '') {
      throw planGenerationFailed(
        'model_not_configured',
        `the llm generator's API key variable ${variable} is not set (config apiKeyEnv names it)`,
        { model: this.config.model, variable },
      );
    }
    return { apiKey: key };
  }

  private invalid(text: string | undefined, issues: PlanIssue[], usage?: GeneratedSteps['usage']): LedgerflowError {
    const list = issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
    return planGenerationFailed(
      'model_output_invalid',
      `model ${this.config.model} answered with no valid plan: ${list}`,
      {
        model: this.config.model,
        issues,
        ...(usage === undefined ? {} : { usage }),
        ...(text === undefined ? {} : { responseChars: text.length }),
      },
    );
  }

  private failure(error: unknown, signal: AbortSignal, timeoutMs: number): LedgerflowError {
    const { model } = this.config;
    if (signal.aborted) {
      return planGenerationFailed(
        'model_timeout',
        `model ${model} gave no answer within ${timeoutMs} ms`,
        { model, timeoutMs },
        true,
      );
    }
    if (NoObjectGeneratedError.isInstance(error) || NoOutputGeneratedError.isInstance(error)) {
      const cause = error.cause instanceof Error ? error.cause.message : error.message;
      const text = NoObjectGeneratedError.isInstance(error) ? error.text : undefined;
      const usage =
        NoObjectGeneratedError.isInstance(error) && error.usage !== undefined ? usageOf(error.usage) : undefined;
      return this.invalid(text, [{ rule: 'json', path: '/', message: firstLine(cause) }], usage);
    }
    const status = (error as { statusCode?: unknown }).statusCode;
    const message = error instanceof Error ? firstLine(error.message) : String(error);
    return planGenerationFailed(
      'model_error',
      `model ${model} at ${this.config.baseUrl} failed: ${message}`,
      { model, ...(typeof status === 'number' ? { status } : {}) },
      true,
    );
  }
}

/** The SDK's token counts as `PlanGenerated.usage` has them (absent counts left out). */
function usageOf(usage: { inputTokens?: number; outputTokens?: number }): NonNullable<GeneratedSteps['usage']> {
  return {
    ...(usage.inputTokens === undefined ? {} : { inputTokens: usage.inputTokens }),
    ...(usage.outputTokens === undefined ? {} : { outputTokens: usage.outputTokens }),
  };
}

const firstLine = (text: string): string => (text.split('\n')[0] ?? '').slice(0, 500);
