export { defineTool, result, isToolOutcome, ToolError } from './tool.types.js';
export type {
  GrantedRequest,
  ToolContext,
  ToolDefinition,
  ToolHandler,
  ToolLogger,
  ToolOutcome,
} from './tool.types.js';
export { startToolWorker } from './tool-worker.js';
export { catalogEntriesOf } from './tool-announcement.js';
export { runToolWorker } from './run-tool-worker.js';
export type { RunToolWorkerOptions } from './run-tool-worker.js';
export { healthListenerFromEnv, workerHealth } from './worker-health.js';
export type { WorkerHealthDeps, WorkerHealthListener } from './worker-health.js';
export type { ToolWorker, ToolWorkerOptions } from './tool-worker.js';
export { grantVerifier, DEFAULT_GRANT_CLOCK_TOLERANCE_SECONDS } from './grant-verifier.js';
export type { GrantRefusalReason, GrantVerifierOptions, VerifyGrant } from './grant-verifier.js';
export { grantPublicKey, grantPublicKeys } from './grant-keys.js';
export type { GrantPublicKey } from './grant-keys.js';
export { grantsFromEnv, GRANT_VERIFY_SWITCH_ENV, GRANTS_DISABLED_WARNING } from './grant-config.js';
export { UNVERIFIED_CALLS_METRIC } from './unverified-calls.js';
export type { GrantCheck, GrantsOption } from './grant-config.js';
export { MemoryIdempotencyStore, FileIdempotencyStore, DEFAULT_MEMORY_KEYS } from './idempotency-store.js';
export type { IdempotencyStore } from './idempotency-store.js';
export { KvIdempotencyStore, kvKeyOf, DEFAULT_DEDUPE_TTL_MS, DEFAULT_CLAIM_STALE_MS } from './kv-idempotency-store.js';
export type { KvIdempotencyStoreOptions } from './kv-idempotency-store.js';
export { LedgerflowClient, TERMINAL_RUN_STATUSES, webhookSignatureHeaders } from './ledgerflow-client.js';
export type { LedgerflowClientOptions, RunView, WebhookSigning } from './ledgerflow-client.js';
export { TERMINAL_RUN_EVENT_TYPES, runUpdateOf, sseMessages } from './run-stream.js';
export type { RunUpdate } from './run-stream.js';
