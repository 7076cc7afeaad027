import type { GoalConstraints, PlanGeneratedData, PlanGeneratorName, ToolCatalogEntry } from '@ledgerflow/contracts';
import type { WorkflowDefinition, StepDefinition } from '@ledgerflow/definitions';

/**
 * What a plan generator is asked (docs/planning.md): the goal, the run's input (personal data already tokenized),
 * the desired outputs (a JSON Schema, `required` properties), the constraints, the tool catalog restricted to what
 * the template's agents may call and the constraints allow, and the template definition (agents, defaults).
 * `issues`: with a retry, the previous attempt's validation issues (the `llm` generator sends them back to the model).
 */
export interface GenerateRequest {
  readonly goal: string;
  readonly input: unknown;
  readonly desiredOutputs?: Readonly<Record<string, unknown>>;
  readonly constraints: GoalConstraints;
  readonly catalog: readonly ToolCatalogEntry[];
  readonly template: WorkflowDefinition;
  readonly previous?: {
    readonly steps: readonly StepDefinition[];
    readonly issues: PlanGeneratedData['attempts'][number]['issues'];
  };
}

/**
 * One attempt's answer: the steps as a definition would write them (`id`, `tool`, `action`, `agent`, `dependsOn`,
 * `input` with `=input.x` / `=steps.<id>.output.y` expressions, ...), validated by the caller; what the generator
 * records of the exchange (`model`, `prompt`, `response`, `usage`; `llm` only).
 */
export interface GeneratedSteps {
  readonly steps: readonly StepDefinition[];
  readonly model?: string;
  readonly prompt?: string;
  readonly response?: string;
  readonly usage?: PlanGeneratedData['usage'];
}

/**
 * A plan generator. `catalog` is deterministic (same request, same steps); `llm` asks a model. A generator that cannot
 * plan at all (e.g. an unreachable desired output) throws a `LedgerflowError` `plan_generation_failed` naming what is
 * missing; a plan it produced that fails validation is the caller's to report (and, for `llm`, to retry).
 */
export interface PlanGenerator {
  readonly name: PlanGeneratorName;
  generate(request: GenerateRequest): Promise<GeneratedSteps>;
}
