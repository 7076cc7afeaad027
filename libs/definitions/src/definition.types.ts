import type { GoalConstraints, PlanGeneratorName } from '@ledgerflow/contracts';
import type { GateSpec, RetryPolicy, StepKind } from '@ledgerflow/domain';

/** A JSON Schema (draft-07, or draft 2020-12 when `$schema` names it), as written in a definition. */
export type JsonSchema = Record<string, unknown> | boolean;

/**
 * What starts a run: an enterprise event type, a schedule, or both, and an optional JSONata mapping from the trigger
 * payload to the run input (a scheduled run's payload is `{ scheduledAt: <tick, ISO-8601 UTC> }`).
 */
export interface TriggerSpec {
  /** The enterprise event type; absent when only `schedule` starts runs. */
  readonly type?: string;
  /** JSONata over the trigger payload (`$` is the payload); absent: the payload is the input. */
  readonly input?: string;
  /** Runs started by the planner on every tick of a cron expression (docs/definitions.md, "Schedules"). */
  readonly schedule?: ScheduleSpec;
}

/**
 * What a schedule does with ticks that passed while no planner was running: `none` skips them, `one` starts a run for
 * the latest of them only, `all` starts one run per missed tick (the latest {@link MAX_CATCH_UP_TICKS} at most).
 */
export type CatchUp = 'none' | 'one' | 'all';

/** Most missed ticks a schedule with `catchUp: all` starts after a downtime; older ones are skipped (and logged). */
export const MAX_CATCH_UP_TICKS = 1000;

/** A normalized `trigger.schedule`: the cron expression as written, its IANA time zone (default `UTC`) and catch-up rule (default `one`). */
export interface ScheduleSpec {
  /** 5 fields (minute hour day-of-month month day-of-week) or 6 with seconds first, or a nickname such as `@daily`. */
  readonly cron: string;
  /** The time zone the fields are read in: an IANA name such as `Europe/Paris`, or a UTC offset such as `+01:00`. */
  readonly timezone: string;
  readonly catchUp: CatchUp;
}

/**
 * One step of a definition, normalized: durations are milliseconds and every default is filled in
 * (`DEFINITION_DEFAULTS`).
 */
export interface StepDefinition {
  readonly id: string;
  readonly name: string;
  /** `tool` (default): a call of `tool.action`; `external`: a task people report done through the API (no tool call). */
  readonly kind: StepKind;
  /** For an `external` step: {@link EXTERNAL_TOOL}. */
  readonly tool: string;
  /** For an `external` step: {@link EXTERNAL_ACTION}. */
  readonly action: string;
  readonly agent: string;
  readonly dependsOn: readonly string[];
  /** Input template: strings starting with `=` are JSONata over `{ input, trigger, steps }`; `==` escapes a literal `=`. */
  readonly input: unknown;
  readonly outputSchema?: JsonSchema;
  readonly retry: RetryPolicy;
  /** Per-attempt timeout in milliseconds (default 30,000). */
  readonly timeoutMs: number;
  readonly optional: boolean;
  /**
   * A human approval gate before the step. Reviewer entries `user:<id>`, `role:<role>`, `team:<team>` or a bare id
   * (= user); SLAs in whole seconds; `escalation` (a chain, level 1 first) or `escalateTo` (one level), never both.
   */
  readonly gate?: GateSpec;
  /** 0..1: a result whose own `confidence` is below it is held for review (a confidence gate) before dependants run. */
  readonly minConfidence?: number;
  /** Who reviews this step's low-confidence results (else the workflow's `confidenceGate`, else the approval service's default). */
  readonly confidenceGate?: GateSpec;
  readonly policyTags: readonly string[];
  /** JSONata over `{ input, steps: { <id>: { output } } }`: `false` or no match skips the step (`condition_false`). */
  readonly when?: string;
  /** An `external` step's: who may complete or fail it (reviewer entries as in `gate.reviewers`). */
  readonly reviewers?: readonly string[];
}

/** The tool and action an `external` step is recorded with (`StepStarted.tool`/`action`): it calls no tool. */
export const EXTERNAL_TOOL = 'external';
export const EXTERNAL_ACTION = 'task';

/** A parsed, validated workflow definition (one YAML file), identified by `id@version`. */
export interface WorkflowDefinition {
  readonly id: string;
  /** Semantic version (semver.org 2.0.0). */
  readonly version: string;
  readonly title: string;
  /** Where the definition came from (a file path, or the `source` given to `parseDefinition`). */
  readonly source: string;
  readonly trigger?: TriggerSpec;
  /** JSON Schema of the run input; `true` (anything) when the file has none. */
  readonly inputSchema: JsonSchema;
  /** Tool -> actions this workflow may use. */
  readonly tools: Readonly<Record<string, readonly string[]>>;
  /** Agent id -> capabilities (`tool.action`). */
  readonly agents: Readonly<Record<string, readonly string[]>>;
  /** The written steps; empty for a goal template (`goal`), whose steps are generated per run. */
  readonly steps: readonly StepDefinition[];
  /**
   * Set on a goal template (`goal:` instead of `steps:`, docs/definitions.md "Goals"): runs of it start only from a
   * goal (`lf.planner.start-goal`); a start-run of it is refused with `workflow_requires_goal`.
   */
  readonly goal?: GoalSpec;
  /** 0..1, the workflow's threshold: a result whose cumulative confidence (along its path) is below it is held for review. */
  readonly minConfidence?: number;
  /** Default reviewers, SLA and escalation of every step's confidence gate. */
  readonly confidenceGate?: GateSpec;
  /** Time limit of a whole run in ms (paused time included): past it the run fails `run_timed_out`. */
  readonly timeoutMs?: number;
  /** Most steps running at once within one run (default 4). */
  readonly concurrency: number;
  /**
   * Most runs of this workflow id active at once, 1..10000 (absent: no limit). Runs beyond it wait `queued` and start
   * in trigger order as slots free; versions that declare a limit share one queue (docs/definitions.md, "Concurrent runs").
   */
  readonly maxConcurrentRuns?: number;
  /** Upper bound on the number of steps, at most 50 (the plan limit). */
  readonly maxSteps?: number;
  readonly requiredSecrets: readonly string[];
  /** Policy packs as `pack@version`. */
  readonly policies: readonly string[];
  /** Recovery rules, in file order (the first that matches a failure applies); absent when the file has none. */
  readonly recoveries?: readonly RecoveryDefinition[];
  /**
   * Memory scope tags as written (unique, 1..16 of `^[a-z][a-z0-9-]{0,62}$`); absent when the file has none. The plan
   * carries them sorted (`Plan.memoryScope`): memory's insights and learned rules apply within one scope only.
   */
  readonly memoryScope?: readonly string[];
}

/** Defaults of `goal:`: 3 attempts (the `llm` generator is sent each refused plan's issues), a 60 s model timeout. */
export const GOAL_DEFAULTS = { maxAttempts: 3, llmTimeoutMs: 60_000 } as const;

/**
 * How the `llm` generator reaches its model: `model` (e.g. `gpt-4o-mini`), `baseUrl` of an OpenAI-compatible API
 * (`https://api.openai.com/v1`, a local Ollama or vLLM), `apiKeyEnv`: the NAME of the planner's environment variable
 * holding the key (the key is never written in a definition nor recorded), `timeoutMs` per request (default 60,000).
 */
export interface LlmSpec {
  readonly model: string;
  readonly baseUrl: string;
  readonly apiKeyEnv: string;
  readonly timeoutMs: number;
}

/**
 * A goal template's `goal:`, normalized. `generator`: `catalog` (deterministic backward chaining over the tool
 * catalog) or `llm` (with `llm`); `maxAttempts` 1..5 (default 3): generations tried before `plan_generation_failed`;
 * `review`: a human gate (reviewers, `slaSeconds`) before the generated plan's first steps; `adaptive`: the model may
 * add steps after each step outcome; `desiredOutputs`: the default JSON Schema of what the plan must produce (a goal
 * may send its own); `constraints`: limits every goal of this template keeps (a goal's own constraints can only
 * narrow them).
 */
export interface GoalSpec {
  readonly generator: PlanGeneratorName;
  readonly llm?: LlmSpec;
  /**
   * `true`: adaptive steps. After a step of a run succeeds or fails for good, the planner asks the `llm` model for
   * steps to add (validated and policy-checked like the generated plan, recorded as `PlanRevised` by `planner:llm`).
   * Absent (or false): the generated plan is all the run does. Requires `llm`.
   */
  readonly adaptive?: boolean;
  readonly maxAttempts: number;
  readonly review?: GateSpec;
  readonly desiredOutputs?: JsonSchema;
  readonly constraints?: GoalConstraints;
}

/**
 * A recovery rule: when step `on.step` (any step when absent) has failed for good with error code `on.code`
 * (e.g. `token_expired`), the planner adds `steps` (written like any step) and runs the failed step again after them
 * (`RecoverStep`, recorded as `PlanRevised` by `planner` with `rule: id`). Steps are not part of the plan until then.
 */
export interface RecoveryDefinition {
  /** The rule's name, recorded as `PlanRevised.rule`; default `recoveries[<index>]`. */
  readonly id: string;
  readonly on: { readonly step?: string; readonly code: string };
  readonly steps: readonly StepDefinition[];
}

/** One problem found in a definition: a JSON pointer into the file, the rule broken, a readable message. */
export interface DefinitionIssue {
  readonly path: string;
  readonly rule: string;
  readonly message: string;
  /** 1-based position in the YAML text, for syntax errors. */
  readonly line?: number;
  readonly column?: number;
}
