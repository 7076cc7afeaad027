import type { ForwardedCaller } from './metadata.js';

/**
 * Goal-driven plans (docs/planning.md): tool workers announce their tools in a catalog kept in NATS; a goal becomes a
 * plan by a generator (`catalog`: backward chaining over the tools' typed signatures, no model; `llm`: a language
 * model's structured output), validated and policy-checked like a written plan and recorded (`PlanGenerated`, then
 * `PlanCreated`) before anything runs. Replay and fork read the recorded plan: nothing asks a generator again.
 */

/**
 * The NATS KV bucket of the tool catalog: one key per tool action, `<tool>.<action>`, holding a
 * {@link ToolCatalogEntry} (JSON). Tool workers (libs/sdk) put their entries when they start; the gateway and the
 * planner read them. Stream `KV_LF_TOOLS`, subjects `$KV.LF_TOOLS.<tool>.<action>`.
 */
export const TOOLS_BUCKET = 'LF_TOOLS';

/** Key of a tool action in {@link TOOLS_BUCKET}. */
export const toolCatalogKey = (tool: string, action: string): string => `${tool}.${action}`;

/**
 * Cost hints a tool announces, for generators to prefer cheaper tools and for budgets: `usd` per call (US dollars),
 * `latencyMs` typical duration of a call. Hints only: what a call cost is what its result reports (`usage`).
 */
export interface ToolCostHint {
  readonly usd?: number;
  readonly latencyMs?: number;
}

/**
 * One tool action in the catalog. `inputSchema`/`outputSchema`: JSON Schemas (draft-07 or 2020-12) of its input and
 * output, `true` when it accepts or returns anything; `capability`: the capability an agent needs to call it
 * (`<tool>.<action>`, as definitions and policies name it); `worker`: the announcing worker's name; `announcedAt`:
 * ISO-8601 UTC.
 */
export interface ToolCatalogEntry {
  readonly tool: string;
  readonly action: string;
  readonly description: string;
  readonly inputSchema: Readonly<Record<string, unknown>> | boolean;
  readonly outputSchema: Readonly<Record<string, unknown>> | boolean;
  readonly capability: string;
  readonly cost?: ToolCostHint;
  readonly worker: string;
  readonly announcedAt: string;
}

/** The plan generators. */
export type PlanGeneratorName = 'catalog' | 'llm';

/** What a goal may not exceed or use: tools (`tool.action`) and agents allowed (default all the template allows). */
export interface GoalConstraints {
  readonly allowedTools?: readonly string[];
  readonly allowedAgents?: readonly string[];
  /** At most this many steps (1..50, default 50). */
  readonly maxSteps?: number;
  /** At most this much summed `ToolCostHint.usd` over the plan's steps, US dollars. */
  readonly budgetUsd?: number;
}

/**
 * A goal to plan and run (`POST /v1/goals`, `lf.planner.start-goal`). `template`: the workflow whose definition
 * supplies agents, policies, reviewers and the generator (`goal:` in the definition; docs/planning.md);
 * `desiredOutputs`: a JSON Schema (object with `required` properties) the plan's outputs must provide; the generator
 * chains tools back from them. `idempotencyKey`: one key, one run.
 */
export interface GoalRequest {
  readonly template: string;
  readonly goal: string;
  readonly input: unknown;
  readonly desiredOutputs?: Readonly<Record<string, unknown>>;
  readonly constraints?: GoalConstraints;
  readonly idempotencyKey?: string;
}

/** The request on `lf.planner.start-goal`: the goal and the caller the gateway authenticated. */
export interface StartGoalRequest extends GoalRequest, ForwardedCaller {}

/** The answer: the run started (or found, for a repeated key) and the generator that planned it. */
export interface StartGoalResult {
  readonly runId: string;
  readonly created: boolean;
  readonly generator: PlanGeneratorName;
  readonly steps: number;
}

/** One problem of a generated plan, as validation names it: the rule broken, where (`/steps/2/tool`) and why. */
export interface PlanIssue {
  readonly rule: string;
  readonly path: string;
  readonly message: string;
}

/**
 * Data of `PlanGenerated` (in the run stream, before `PlanCreated`): how the plan was made. `prompt`/`response`: the
 * model's exchange with personal data tokenized (`llm` only); `usage`: tokens and cost the model reported;
 * `attempts`: each attempt's validation issues (the last attempt's are empty when the plan was accepted).
 */
export interface PlanGeneratedData {
  readonly generator: PlanGeneratorName;
  readonly goal: string;
  readonly model?: string;
  readonly prompt?: string;
  readonly response?: string;
  readonly usage?: { readonly inputTokens?: number; readonly outputTokens?: number; readonly costUsd?: number };
  readonly attempts: readonly { readonly issues: readonly PlanIssue[] }[];
  /** `sha256:<hex>` of the canonical JSON of the catalog entries the generator saw. */
  readonly catalogDigest: string;
}
