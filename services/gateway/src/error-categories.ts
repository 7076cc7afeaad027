import { RunErrorCodes } from '@ledgerflow/domain';

/**
 * What kind of failure an error code names, and so its HTTP status (RFC 9110, section 15). One table for the whole
 * gateway: {@link STATUS_OF_CATEGORY}. `unavailable` is the only retryable category: a service, the event store or
 * the token issuer did not answer; the request itself was fine (503 with `Retry-After`).
 */
export type ErrorCategory =
  | 'invalid'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'too_large'
  | 'unsupported_media_type'
  | 'unprocessable'
  | 'unavailable'
  | 'internal';

/** HTTP status of each category. */
export const STATUS_OF_CATEGORY: Readonly<Record<ErrorCategory, number>> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  unsupported_media_type: 415,
  unprocessable: 422,
  unavailable: 503,
  internal: 500,
};

/** The Run aggregate's refusals (`RunErrorCodes`): a rule of the run refused the command (409) unless listed here. */
const RUN_CATEGORY_EXCEPTIONS: Readonly<Partial<Record<string, ErrorCategory>>> = {
  [RunErrorCodes.STEP_NOT_FOUND]: 'not_found',
  [RunErrorCodes.GATE_NOT_FOUND]: 'not_found',
  [RunErrorCodes.REVIEWER_NOT_NAMED]: 'forbidden',
  [RunErrorCodes.ACTOR_CANNOT_DECIDE]: 'forbidden',
  [RunErrorCodes.DECISION_INVALID]: 'invalid',
};

const RUN_CATEGORIES: Readonly<Record<string, ErrorCategory>> = Object.fromEntries(
  Object.values(RunErrorCodes).map((code) => [code, RUN_CATEGORY_EXCEPTIONS[code] ?? 'conflict']),
);

/**
 * The category of every error code the gateway answers (docs/api.md, "Errors"): its own, the Run aggregate's
 * (`run_*`, `step_not_found`), the event store's (`store_*`), NATS requests' (`nats_*`) and those of the services it
 * forwards to (planner, policy, approval, memory). Every code is lower snake case (`^[a-z][a-z0-9_]*$`). A code missing here
 * is answered by {@link categoryOf}'s fallback.
 */
export const ERROR_CATEGORIES: Readonly<Record<string, ErrorCategory>> = {
  ...RUN_CATEGORIES,
  // The request as sent (docs/api.md): body, path, query or header breaking a rule.
  message_malformed: 'invalid',
  request_invalid: 'invalid',
  payload_too_deep: 'invalid',
  idempotency_key_missing: 'invalid',
  trigger_mapping_failed: 'invalid',
  recommendation_id_invalid: 'invalid', // memory: not <workflowId>.<kind>.<12 hex>
  webhook_idempotency_key_mismatch: 'invalid',
  unsupported_media_type: 'unsupported_media_type',
  webhook_body_not_json: 'unsupported_media_type',
  payload_too_large: 'too_large',
  store_event_too_large: 'too_large',
  // Run input failing the workflow's inputSchema; the same Idempotency-Key with another input (docs/operations.md);
  // a definition or policy pack refused at registration (docs/definitions.md, docs/policies.md): nothing appended.
  input_invalid: 'unprocessable',
  idempotency_key_reused: 'unprocessable',
  definition_invalid: 'unprocessable',
  policy_pack_invalid: 'unprocessable',
  // A goal the planner could not turn into a valid, permitted plan (docs/planning.md): details name every issue.
  plan_generation_failed: 'unprocessable',
  // Who calls (docs/security.md).
  unauthorized: 'unauthenticated',
  webhook_not_configured: 'unauthenticated',
  webhook_signature_missing: 'unauthenticated',
  webhook_signature_invalid: 'unauthenticated',
  webhook_timestamp_stale: 'unauthenticated',
  forbidden: 'forbidden',
  human_required: 'forbidden',
  // Unknown resources.
  not_found: 'not_found',
  run_not_found: 'not_found',
  step_not_found: 'not_found', // RunErrorCodes.STEP_NOT_FOUND, and the policy service's answer for the same step
  checkpoint_unknown: 'not_found',
  workflow_unknown: 'not_found',
  policy_pack_unknown: 'not_found',
  service_account_not_found: 'not_found',
  subscription_not_found: 'not_found',
  console_not_built: 'not_found',
  recommendation_not_found: 'not_found', // memory: no recommendation of that id (docs/memory.md)
  // The state of a resource refuses the command: a rule of the plan, an immutable version, an expected revision
  // that another writer moved, a revoked account, a run whose audit chain broke (docs/operations.md, "Integrity").
  store_concurrency: 'conflict',
  store_duplicate_event: 'conflict',
  workflow_version_exists: 'conflict',
  policy_pack_version_exists: 'conflict',
  service_account_revoked: 'conflict',
  integrity_failed: 'conflict',
  workflow_depth_exceeded: 'conflict',
  recommendation_already_decided: 'conflict', // memory: accepted or rejected before (docs/memory.md)
  // memory: the latest definition no longer takes the change (its step is gone, a step id is taken); it stays accepted.
  recommendation_step_unknown: 'conflict',
  recommendation_not_applicable: 'conflict',
  // A service, the store or the token issuer did not answer, or a stored event is newer than this release reads
  // (docs/events.md, "Versions and upcasting"): retry later (Retry-After).
  nats_timeout: 'unavailable',
  nats_no_responders: 'unavailable',
  nats_request_failed: 'unavailable',
  nats_connection_closed: 'unavailable',
  store_unavailable: 'unavailable',
  auth_unavailable: 'unavailable',
  event_version_unsupported: 'unavailable',
  stream_limit_reached: 'unavailable',
  // Our fault, never the caller's: a reply that is not the protocol's, an append this gateway got wrong.
  nats_reply_malformed: 'internal',
  store_invalid_append: 'internal',
  store_invalid_checkpoint: 'internal',
  internal_error: 'internal',
  http_error: 'internal',
};

/**
 * The category of `code`: from {@link ERROR_CATEGORIES}; else `plan_*` or `run_*` (a rule of the plan or the run) is a
 * conflict, a retryable error is `unavailable`, `*_not_found` is `not_found`, any other not retryable code `invalid`
 * (a refusal names the field and rule, so the request must change).
 */
export function categoryOf(code: string, retryable: boolean): ErrorCategory {
  const known = ERROR_CATEGORIES[code];
  if (known) return known;
  if (code.startsWith('plan_') || code.startsWith('run_')) return 'conflict';
  if (retryable) return 'unavailable';
  if (code.endsWith('_not_found')) return 'not_found';
  return 'invalid';
}
