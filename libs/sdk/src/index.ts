export { defineTool, result, isToolOutcome, ToolError } from './tool.types.js';
export type { ToolContext, ToolDefinition, ToolHandler, ToolLogger, ToolOutcome } from './tool.types.js';
export { startToolWorker } from './tool-worker.js';
export type { GrantedRequest, ToolWorker, ToolWorkerOptions } from './tool-worker.js';
export { MemoryIdempotencyStore, FileIdempotencyStore, DEFAULT_MEMORY_KEYS } from './idempotency-store.js';
export type { IdempotencyStore } from './idempotency-store.js';
export { contextFromHeaders, natsHeaderGetter, traceparentOf } from './trace-context.js';
export { LedgerflowClient, TERMINAL_RUN_STATUSES } from './ledgerflow-client.js';
export type { LedgerflowClientOptions, RunView } from './ledgerflow-client.js';
