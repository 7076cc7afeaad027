import { DURATION_PATTERN, MAX_MEMORY_SCOPE_TAGS, MEMORY_SCOPE_TAG_PATTERN, STEP_ID_PATTERN } from '@ledgerflow/domain';

/** Ids usable as NATS subject tokens and in idempotency keys (no `.`, `*`, `>`, `/` or spaces). */
const NAME = '^[A-Za-z][A-Za-z0-9_-]{0,62}$';
/** semver.org 2.0.0, the recommended regular expression. */
const SEMVER =
  '^(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)(?:-((?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\\.(?:0|[1-9]\\d*|\\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\\+([0-9a-zA-Z-]+(?:\\.[0-9a-zA-Z-]+)*))?$';
/** A duration: `200ms`, `30s`, `5m`, `4h`, `1d`, or a number of milliseconds (pattern applies to strings, minimum to numbers). */
const duration = { type: ['string', 'number'], pattern: DURATION_PATTERN, minimum: 0 };
const stringList = (pattern?: string) => ({
  type: 'array',
  items: pattern === undefined ? { type: 'string', minLength: 1 } : { type: 'string', pattern },
  uniqueItems: true,
});
const jsonSchema = { type: ['object', 'boolean'] };
/** A confidence threshold, 0..1, as a result's own `confidence` (docs/definitions.md, "Gates and confidence"). */
const confidence = { type: 'number', minimum: 0, maximum: 1 };
/**
 * Reviewer entries: non-empty, unique strings here; their syntax (`user:<id>`, `role:<role>`, `team:<team>` or a
 * bare id) is checked after the schema (gate-checks.ts), so a bad entry gets a message naming what is wrong with it.
 */
const reviewers = { ...stringList(), minItems: 1 };
/** One escalation level: who decides once the gate escalated to it, and this level's own SLA. */
const escalationLevel = {
  type: 'object',
  additionalProperties: false,
  required: ['reviewers'],
  properties: { reviewers, sla: duration },
};
/** A gate: approval gate of a step (`gate`), or who reviews low-confidence results (`confidenceGate`). */
const gate = {
  type: 'object',
  additionalProperties: false,
  required: ['reviewers'],
  properties: {
    reviewers,
    sla: duration,
    escalateTo: stringList(),
    escalation: { type: 'array', minItems: 1, items: escalationLevel },
  },
};

/**
 * A step. `kind: external` (a task people report done through the API) needs `agent` and `reviewers` and takes no
 * `tool`/`action`/`gate`; a tool step (the default) needs `tool`, `action` and `agent`, and no `reviewers`.
 */
const step = {
  type: 'object',
  additionalProperties: false,
  if: { required: ['kind'], properties: { kind: { const: 'external' } } },
  then: { required: ['id', 'agent', 'reviewers'], properties: { tool: false, action: false, gate: false } },
  else: { required: ['id', 'tool', 'action', 'agent'], properties: { reviewers: false } },
  properties: {
    id: { type: 'string', pattern: STEP_ID_PATTERN.source },
    name: { type: 'string', minLength: 1 },
    kind: { enum: ['tool', 'external'] },
    reviewers,
    when: { type: 'string', minLength: 1 },
    tool: { type: 'string', pattern: NAME },
    action: { type: 'string', pattern: NAME },
    agent: { type: 'string', pattern: NAME },
    dependsOn: stringList(),
    input: {},
    outputSchema: jsonSchema,
    retry: {
      type: 'object',
      additionalProperties: false,
      properties: {
        maxAttempts: { type: 'integer', minimum: 1, maximum: 100 },
        backoff: duration,
        multiplier: { type: 'number', minimum: 1 },
        maxBackoff: duration,
      },
    },
    timeout: duration,
    optional: { type: 'boolean' },
    gate,
    minConfidence: confidence,
    confidenceGate: gate,
    policyTags: stringList(),
  },
};

/** A recovery rule: on a step's final failure with an error code, steps to run before the step runs again. */
const recovery = {
  type: 'object',
  additionalProperties: false,
  required: ['on', 'steps'],
  properties: {
    id: { type: 'string', pattern: NAME },
    on: {
      type: 'object',
      additionalProperties: false,
      required: ['code'],
      properties: { step: { type: 'string', pattern: STEP_ID_PATTERN.source }, code: { type: 'string', minLength: 1 } },
    },
    steps: { type: 'array', minItems: 1, items: step },
  },
};

/**
 * `goal:` instead of `steps:` (docs/definitions.md, "Goals"): the steps are generated per run from the goal a caller
 * sends (`POST /v1/goals`). `llm` (model, base URL, the name of the environment variable holding the API key, a
 * timeout) with the `llm` generator only; `review`: a human gate on the generated plan; `adaptive: true` (needs
 * `llm`): after each step outcome the planner may ask the model for added steps.
 */
const goal = {
  type: 'object',
  additionalProperties: false,
  required: ['generator'],
  allOf: [
    {
      if: { properties: { generator: { const: 'llm' } } },
      then: { required: ['llm'] },
      else: { properties: { llm: false } },
    },
    // Adaptive steps are proposed by the template's model: `adaptive: true` needs `llm` (so the llm generator).
    { if: { required: ['adaptive'], properties: { adaptive: { const: true } } }, then: { required: ['llm'] } },
  ],
  properties: {
    generator: { enum: ['catalog', 'llm'] },
    adaptive: { type: 'boolean' },
    llm: {
      type: 'object',
      additionalProperties: false,
      required: ['model', 'baseUrl', 'apiKeyEnv'],
      properties: {
        model: { type: 'string', minLength: 1 },
        baseUrl: { type: 'string', pattern: '^https?://[^\\s]+$' },
        // The name of an environment variable of the planner holding the key: the key itself is never written here.
        apiKeyEnv: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]{0,127}$' },
        timeout: duration,
      },
    },
    maxAttempts: { type: 'integer', minimum: 1, maximum: 5 },
    review: {
      type: 'object',
      additionalProperties: false,
      required: ['reviewers'],
      properties: { reviewers, sla: duration },
    },
    desiredOutputs: jsonSchema,
    constraints: {
      type: 'object',
      additionalProperties: false,
      properties: {
        allowedTools: stringList('^[A-Za-z][A-Za-z0-9_-]*\\.[A-Za-z][A-Za-z0-9_-]*$'),
        allowedAgents: stringList(NAME),
        maxSteps: { type: 'integer', minimum: 1, maximum: 50 },
        budgetUsd: { type: 'number', minimum: 0 },
      },
    },
  },
};

/**
 * JSON Schema (draft-07) of a workflow definition file (docs/definitions.md). `maxSteps` has no maximum here on purpose:
 * a value above 50 is reported as `workflow_depth_exceeded`, the plan's own code.
 */
export const definitionSchema = {
  $id: 'https://ledgerflow.dev/schemas/workflow-definition.json',
  type: 'object',
  additionalProperties: false,
  // Exactly one of `steps` and `goal`: checked after the schema (parse-definition.ts), naming which.
  required: ['id', 'version', 'tools', 'agents'],
  properties: {
    id: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,62}$' },
    version: { type: 'string', pattern: SEMVER },
    title: { type: 'string', minLength: 1 },
    description: { type: 'string' },
    trigger: {
      type: 'object',
      additionalProperties: false,
      // An event `type`, a `schedule`, or both; `timezone` and `catchUp` only with a `schedule`. The cron expression
      // and the time zone name are checked after the schema (normalize-definition.ts), naming what is wrong.
      if: { not: { required: ['schedule'] } },
      then: { required: ['type'], properties: { timezone: false, catchUp: false } },
      properties: {
        type: { type: 'string', minLength: 1 },
        input: { type: 'string', minLength: 1 },
        schedule: { type: 'string', minLength: 1 },
        timezone: { type: 'string', minLength: 1 },
        catchUp: { enum: ['none', 'one', 'all'] },
      },
    },
    inputSchema: jsonSchema,
    tools: {
      type: 'object',
      propertyNames: { pattern: NAME },
      additionalProperties: { ...stringList(NAME), minItems: 1 },
    },
    agents: {
      type: 'object',
      propertyNames: { pattern: NAME },
      additionalProperties: stringList('^[A-Za-z][A-Za-z0-9_-]*\\.[A-Za-z*][A-Za-z0-9_*-]*$'),
    },
    steps: { type: 'array', minItems: 1, items: step },
    goal,
    minConfidence: confidence,
    confidenceGate: gate,
    timeout: duration,
    concurrency: { type: 'integer', minimum: 1, maximum: 50 },
    // Per workflow id, across its versions (docs/definitions.md, "Concurrent runs"); the bound is the domain's MAX_CONCURRENT_RUNS_LIMIT.
    maxConcurrentRuns: { type: 'integer', minimum: 1, maximum: 10_000 },
    maxSteps: { type: 'integer', minimum: 1 },
    // Secret names: file names of a secrets directory (Kubernetes Secret keys), see the executor's secrets.ts.
    requiredSecrets: stringList('^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$'),
    policies: stringList('^[A-Za-z0-9_.-]+@' + SEMVER.slice(1)),
    // Memory scope tags (docs/definitions.md, "Memory scope"); the bounds are the domain's MEMORY_SCOPE_TAG_PATTERN and MAX_MEMORY_SCOPE_TAGS.
    memoryScope: { ...stringList(MEMORY_SCOPE_TAG_PATTERN.source), minItems: 1, maxItems: MAX_MEMORY_SCOPE_TAGS },
    recoveries: { type: 'array', items: recovery },
  },
} as const;
