/**
 * The error taxonomy shared by every Ledgerflow package.
 *
 * Every error has a stable `code` (e.g. `run_gate_already_decided`, `plan_cycle`) that clients may
 * branch on, and a `retryable` flag: `true` when the same request may succeed later unchanged
 * (a conflict, a timeout), `false` when it never will (a rule was broken). Codes are lower snake case,
 * `^[a-z][a-z0-9_]*$`, prefixed by their area where the reason alone would be ambiguous (`run_`, `store_`,
 * `nats_`); earlier releases spelled some `AREA.REASON`: see {@link RENAMED_ERROR_CODES}.
 */
export class LedgerflowError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly retryable = false,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }

  toJSON(): { code: string; message: string; retryable: boolean; details: Record<string, unknown> } {
    return { code: this.code, message: this.message, retryable: this.retryable, details: this.details };
  }
}

/** A command broke an invariant of the Run aggregate. Never retryable as-is. */
export class DomainError extends LedgerflowError {
  constructor(code: string, message: string, details: Record<string, unknown> = {}) {
    super(code, message, false, details);
  }
}

/** Input failed validation; `details.field` names the field, `details.rule` the rule. */
export class ValidationError extends LedgerflowError {
  constructor(code: string, message: string, details: Record<string, unknown> = {}) {
    super(code, message, false, details);
  }
}

/**
 * Stable codes of the `DomainError`s thrown by the Run aggregate's `decide`. Callers branch on them:
 * e.g. the executor treats `run_step_not_running` on a result as "already recorded".
 */
export const RunErrorCodes = {
  ALREADY_STARTED: 'run_already_started',
  ALREADY_ENDED: 'run_already_ended',
  NOT_RUNNING: 'run_not_running',
  NOT_PAUSED: 'run_not_paused',
  NOT_QUEUED: 'run_not_queued',
  RUN_STALLED: 'run_stalled',
  PLAN_MISMATCH: 'run_plan_mismatch',
  REVISION_EMPTY: 'run_revision_empty',
  STEP_NOT_FOUND: 'step_not_found',
  STEP_ID_RETIRED: 'run_step_id_retired',
  STEP_NOT_EVALUABLE: 'run_step_not_evaluable',
  STEP_ALREADY_STARTED: 'run_step_already_started',
  STEP_NOT_READY: 'run_step_not_ready',
  STEP_NOT_RUNNING: 'run_step_not_running',
  STEP_NOT_STARTABLE: 'run_step_not_startable',
  STEP_NOT_FAILED: 'run_step_not_failed',
  STEP_NOT_OPTIONAL: 'run_step_not_optional',
  STEP_NOT_SKIPPABLE: 'run_step_not_skippable',
  STEP_NOT_AWAITING_APPROVAL: 'run_step_not_awaiting_approval',
  CONCURRENCY_LIMIT_REACHED: 'run_concurrency_limit_reached',
  GATE_NOT_FOUND: 'run_gate_not_found',
  GATE_ALREADY_OPEN: 'run_gate_already_open',
  GATE_ALREADY_DECIDED: 'run_gate_already_decided',
  GATE_NOT_DUE: 'run_gate_not_due',
  GATE_NOT_ESCALATABLE: 'run_gate_not_escalatable',
  GATE_WITHOUT_REVIEWERS: 'run_gate_without_reviewers',
  ACTOR_CANNOT_DECIDE: 'run_actor_cannot_decide',
  REVIEWER_NOT_NAMED: 'run_reviewer_not_named',
  DECISION_INVALID: 'run_decision_invalid',
  STEP_NOT_DOWNSTREAM: 'run_step_not_downstream',
  STEP_WITHOUT_CONDITION: 'run_step_without_condition',
  STEP_NOT_EXTERNAL: 'run_step_not_external',
  STEP_EXTERNAL: 'run_step_external',
  RUN_WITHOUT_TIMEOUT: 'run_without_timeout',
  RUN_NOT_TIMED_OUT: 'run_not_timed_out',
} as const;

export type RunErrorCode = (typeof RunErrorCodes)[keyof typeof RunErrorCodes];

/**
 * The codes earlier releases spelled `AREA.REASON`, each with the code that names the same condition now
 * (docs/events.md, "Names and shapes never change in place"). Stored events are never rewritten, so a
 * `StepFailed.error.code`, a `RunFailed.code` or a dead letter's `lf-error-code` written before the rename may
 * carry the old spelling, and so may the reply of a service not yet upgraded: whatever reads a code that it did
 * not produce itself reads it through {@link currentErrorCode}. Never remove an entry.
 */
export const RENAMED_ERROR_CODES: Readonly<Record<string, string>> = Object.freeze({
  // The Run aggregate (RunErrorCodes, ForkErrorCodes): `run_<reason>`; an unknown step is `step_not_found`, the
  // code the policy service already answered for it.
  'RUN.ALREADY_STARTED': 'run_already_started',
  'RUN.ALREADY_ENDED': 'run_already_ended',
  'RUN.NOT_RUNNING': 'run_not_running',
  'RUN.NOT_PAUSED': 'run_not_paused',
  'RUN.NOT_QUEUED': 'run_not_queued',
  'RUN.RUN_STALLED': 'run_stalled',
  'RUN.PLAN_MISMATCH': 'run_plan_mismatch',
  'RUN.REVISION_EMPTY': 'run_revision_empty',
  'RUN.STEP_NOT_FOUND': 'step_not_found',
  'RUN.STEP_ID_RETIRED': 'run_step_id_retired',
  'RUN.STEP_NOT_EVALUABLE': 'run_step_not_evaluable',
  'RUN.STEP_ALREADY_STARTED': 'run_step_already_started',
  'RUN.STEP_NOT_READY': 'run_step_not_ready',
  'RUN.STEP_NOT_RUNNING': 'run_step_not_running',
  'RUN.STEP_NOT_STARTABLE': 'run_step_not_startable',
  'RUN.STEP_NOT_FAILED': 'run_step_not_failed',
  'RUN.STEP_NOT_OPTIONAL': 'run_step_not_optional',
  'RUN.STEP_NOT_SKIPPABLE': 'run_step_not_skippable',
  'RUN.STEP_NOT_AWAITING_APPROVAL': 'run_step_not_awaiting_approval',
  'RUN.CONCURRENCY_LIMIT_REACHED': 'run_concurrency_limit_reached',
  'RUN.GATE_NOT_FOUND': 'run_gate_not_found',
  'RUN.GATE_ALREADY_OPEN': 'run_gate_already_open',
  'RUN.GATE_ALREADY_DECIDED': 'run_gate_already_decided',
  'RUN.GATE_NOT_DUE': 'run_gate_not_due',
  'RUN.GATE_NOT_ESCALATABLE': 'run_gate_not_escalatable',
  'RUN.GATE_WITHOUT_REVIEWERS': 'run_gate_without_reviewers',
  'RUN.ACTOR_CANNOT_DECIDE': 'run_actor_cannot_decide',
  'RUN.REVIEWER_NOT_NAMED': 'run_reviewer_not_named',
  'RUN.DECISION_INVALID': 'run_decision_invalid',
  'RUN.STEP_NOT_DOWNSTREAM': 'run_step_not_downstream',
  'RUN.STEP_WITHOUT_CONDITION': 'run_step_without_condition',
  'RUN.STEP_NOT_EXTERNAL': 'run_step_not_external',
  'RUN.STEP_EXTERNAL': 'run_step_external',
  'RUN.RUN_WITHOUT_TIMEOUT': 'run_without_timeout',
  'RUN.RUN_NOT_TIMED_OUT': 'run_not_timed_out',
  'RUN.FORK_ORIGIN_NOT_STARTED': 'run_fork_origin_not_started',
  'RUN.FORK_ORIGIN_MISMATCH': 'run_fork_origin_mismatch',
  // The event store (libs/event-store).
  'STORE.CONCURRENCY': 'store_concurrency',
  'STORE.DUPLICATE_EVENT': 'store_duplicate_event',
  'STORE.UNAVAILABLE': 'store_unavailable',
  'STORE.EVENT_TOO_LARGE': 'store_event_too_large',
  'STORE.INVALID_APPEND': 'store_invalid_append',
  'STORE.INVALID_CHECKPOINT': 'store_invalid_checkpoint',
  'STORE.INVALID_CONFIG': 'store_invalid_config',
  // NATS (libs/messaging: NatsErrorCodes and the stream, consumer, credentials and read errors).
  'NATS.TIMEOUT': 'nats_timeout',
  'NATS.NO_RESPONDERS': 'nats_no_responders',
  'NATS.CONNECTION_CLOSED': 'nats_connection_closed',
  'NATS.REQUEST_FAILED': 'nats_request_failed',
  'NATS.REPLY_MALFORMED': 'nats_reply_malformed',
  'NATS.READ_TIMEOUT': 'nats_read_timeout',
  'NATS.CREDENTIALS_INVALID': 'nats_credentials_invalid',
  'NATS.STREAM_CONFIG_CONFLICT': 'nats_stream_config_conflict',
  'NATS.CONSUMER_CONFIG_INVALID': 'nats_consumer_config_invalid',
  'NATS.CONSUMER_CONFIG_CONFLICT': 'nats_consumer_config_conflict',
  // Start-up refusals: configuration (the SDK's code for the same condition), health and metrics ports.
  'CONFIG.INVALID': 'config_invalid',
  'HEALTH.PORT_UNAVAILABLE': 'health_port_unavailable',
  'HEALTH.NOT_FOUND': 'health_not_found',
  'HEALTH.METHOD_NOT_ALLOWED': 'health_method_not_allowed',
  'TELEMETRY.METRICS_PORT_UNAVAILABLE': 'telemetry_metrics_port_unavailable',
});

/**
 * `code` as this release spells it: the new code of a renamed one ({@link RENAMED_ERROR_CODES}), any other as given.
 * @example currentErrorCode('NATS.REQUEST_FAILED') // 'nats_request_failed'
 * @example currentErrorCode('token_expired') // 'token_expired'
 */
export function currentErrorCode(code: string): string {
  return Object.hasOwn(RENAMED_ERROR_CODES, code) ? (RENAMED_ERROR_CODES[code] as string) : code;
}
