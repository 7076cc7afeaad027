/**
 * Every NATS subject, stream and header Ledgerflow uses (docs/subjects.md is the user-facing list).
 * Subjects are dot-separated tokens; ids embedded in subjects must not contain `.`, `*`, `>` or spaces.
 */

/** JetStream stream of trigger events: `lf.trigger.<workflowId>`, message id = the sender's idempotency key. */
export const TRIGGERS_STREAM = 'LF_TRIGGERS';
/** JetStream stream of relayed store events: `lf.evt.<category>.<streamId>.<EventType>`, message id = event id. */
export const EVENTS_STREAM = 'LF_EVENTS';
/** JetStream stream of dead letters: `lf.dlq.<durable>`, so a message a consumer gave up on is kept for an operator. */
export const DLQ_STREAM = 'LF_DLQ';
/**
 * JetStream stream of signed anchor checkpoints (`ledgerflow-anchor/1`, libs/audit) of each store stream's head:
 * `lf.anchor.<category>.<streamId>`, message id = `<streamId>@<revision>`, a few kept per subject.
 */
export const ANCHORS_STREAM = 'LF_ANCHORS';
/**
 * The NATS KV bucket in which every replica of tool worker `worker` remembers its replies (libs/sdk
 * `KvIdempotencyStore`): `LF_DEDUPE_<worker>` with characters outside `A-Z a-z 0-9 _ -` as `_` (stream
 * `KV_LF_DEDUPE_<worker>`, subjects `$KV.LF_DEDUPE_<worker>.>`).
 */
export const dedupeBucketOf = (worker: string): string => `LF_DEDUPE_${worker.replace(/[^A-Za-z0-9_-]/g, '_')}`;

export const subjects = {
  /** A trigger for a workflow (JetStream, stream LF_TRIGGERS). */
  trigger: (workflowId: string) => `lf.trigger.${workflowId}`,
  triggerAll: 'lf.trigger.>',
  /** Where a trigger that can never start a run is published, with its error (core NATS). */
  triggerRejected: (workflowId: string) => `lf.trigger-rejected.${workflowId}`,
  /** A relayed store event (JetStream, stream LF_EVENTS). `streamId` is e.g. `run-<runId>`. */
  event: (category: string, streamId: string, eventType: string) => `lf.evt.${category}.${streamId}.${eventType}`,
  eventsAll: 'lf.evt.>',
  eventsOfCategory: (category: string) => `lf.evt.${category}.>`,
  /** Dead-letter subject for a consumer whose handler failed `maxDeliveries` times (core NATS publish). */
  deadLetter: (consumer: string) => `lf.dlq.${consumer}`,
  deadLettersAll: 'lf.dlq.>',
  /** A signed checkpoint of a store stream's head (JetStream, stream LF_ANCHORS), published by the planner. */
  anchor: (category: string, streamId: string) => `lf.anchor.${category}.${streamId}`,
  anchorsAll: 'lf.anchor.>',
  /** Request/reply: one tool action, served by workers in queue group `tool.<tool>.<action>`. */
  tool: (tool: string, action: string) => `lf.tool.${tool}.${action}`,
  /** Request/reply commands and queries served by the services (queue group = service name). */
  plannerStartRun: 'lf.planner.start-run',
  /** Request/reply: plan a goal and start its run (`StartGoalRequest` -> `StartGoalResult`; docs/planning.md). */
  plannerStartGoal: 'lf.planner.start-goal',
  /** Request/reply: fork a run at a checkpoint (`{ runId, at }` -> `{ runId, created, forkedFrom }`). */
  plannerForkRun: 'lf.planner.fork-run',
  /** Request/reply: an operator's command on a run (retry, skip, revise, cancel). */
  plannerRunCommand: 'lf.planner.run-command',
  /** Request/reply: register a workflow definition version (RegisterWorkflowRequest -> RegisterWorkflowResult). */
  plannerRegisterWorkflow: 'lf.planner.register-workflow',
  policyEvaluate: 'lf.policy.evaluate',
  /**
   * Request/reply: evaluate proposed steps against the policy packs without a run and without a grant
   * (`PolicyDryRunRequest` -> `PolicyDryRunResult`); the planner checks a generated plan with it (docs/planning.md).
   */
  policyDryRun: 'lf.policy.dry-run',
  /** Request/reply: register a policy pack version (RegisterPolicyPackRequest -> RegisterPolicyPackResult). */
  policyRegisterPack: 'lf.policy.register-pack',
  approvalDecideGate: 'lf.approval.decide-gate',
  /** The executor asks approval to open the gates a run is waiting for (approval reads which from the run's events). */
  approvalOpenGates: 'lf.approval.open-gates',
  memoryStepStats: 'lf.memory.step-stats',
  /** Request/reply: a workflow's insights, calibration and usage (`MemoryWorkflowRequest` -> `WorkflowInsights`). */
  memoryInsights: 'lf.memory.insights',
  /** Request/reply: a workflow's recommendations (`MemoryWorkflowRequest` -> `RecommendationView[]`). */
  memoryRecommendations: 'lf.memory.recommendations',
  /** Request/reply: a human accepts or rejects a recommendation (`DecideRecommendationRequest` -> `RecommendationView`). */
  memoryDecideRecommendation: 'lf.memory.decide-recommendation',
  /** Request/reply: reviewer corrections of a workflow as labelled examples (`MemoryLabelsRequest` -> `MemoryLabelsPage`). */
  memoryLabels: 'lf.memory.labels',
  /** Request/reply: record a golden-set evaluation (`RecordEvaluationRequest` -> `EvaluationRecorded`). */
  memoryRecordEvaluation: 'lf.memory.record-evaluation',
  /** Request/reply: a workflow's recorded evaluations, newest last (`MemoryWorkflowRequest` -> `EvaluationRecorded[]`). */
  memoryEvaluations: 'lf.memory.evaluations',
  /**
   * Core NATS: an executor instance's heartbeat (empty body, every 2 s) or its leaving (`{"leaving":true}`); every
   * executor listens on `executorPresence('*')` to know which replicas are alive (services/executor/src/executor-presence.ts).
   */
  executorPresence: (instanceId: string) => `lf.executor.presence.${instanceId}`,
} as const;

/** NATS message headers. */
export const headers = {
  traceparent: 'traceparent',
  tracestate: 'tracestate',
  runId: 'lf-run-id',
  /** On relayed events: the event's revision in its stream (lets a consumer skip what it already folded). */
  streamRevision: 'lf-stream-revision',
  idempotencyKey: 'lf-idempotency-key',
  grant: 'lf-grant',
  /**
   * On tool calls of a workflow declaring `requiredSecrets`: base64url of the JSON object name -> value, resolved by
   * the executor at dispatch (the SDK hands it to handlers as `ctx.secrets`). Never persisted or logged.
   */
  secrets: 'lf-secrets',
  /** Set on error replies: the stable error code. */
  errorCode: 'lf-error-code',
} as const;

/** Queue group for a tool action's workers. */
export const toolQueueGroup = (tool: string, action: string): string => `tool.${tool}.${action}`;

/** Stream id of a run. */
export const runStreamId = (runId: string): string => `run-${runId}`;
/** Run id from a run stream id, or undefined when the stream is not a run stream. */
export const runIdOfStream = (streamId: string): string | undefined =>
  streamId.startsWith('run-') ? streamId.slice(4) : undefined;
