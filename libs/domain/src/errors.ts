/**
 * The error taxonomy shared by every Ledgerflow package.
 *
 * Every error has a stable `code` (e.g. `RUN.GATE_ALREADY_DECIDED`, `plan_cycle`) that clients may
 * branch on, and a `retryable` flag: `true` when the same request may succeed later unchanged
 * (a conflict, a timeout), `false` when it never will (a rule was broken).
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
 * e.g. the executor treats `RUN.STEP_NOT_RUNNING` on a result as "already recorded".
 */
export const RunErrorCodes = {
  ALREADY_STARTED: 'RUN.ALREADY_STARTED',
  ALREADY_ENDED: 'RUN.ALREADY_ENDED',
  NOT_RUNNING: 'RUN.NOT_RUNNING',
  NOT_PAUSED: 'RUN.NOT_PAUSED',
  NOT_QUEUED: 'RUN.NOT_QUEUED',
  RUN_STALLED: 'RUN.RUN_STALLED',
  PLAN_MISMATCH: 'RUN.PLAN_MISMATCH',
  REVISION_EMPTY: 'RUN.REVISION_EMPTY',
  STEP_NOT_FOUND: 'RUN.STEP_NOT_FOUND',
  STEP_ID_RETIRED: 'RUN.STEP_ID_RETIRED',
  STEP_NOT_EVALUABLE: 'RUN.STEP_NOT_EVALUABLE',
  STEP_ALREADY_STARTED: 'RUN.STEP_ALREADY_STARTED',
  STEP_NOT_READY: 'RUN.STEP_NOT_READY',
  STEP_NOT_RUNNING: 'RUN.STEP_NOT_RUNNING',
  STEP_NOT_STARTABLE: 'RUN.STEP_NOT_STARTABLE',
  STEP_NOT_FAILED: 'RUN.STEP_NOT_FAILED',
  STEP_NOT_OPTIONAL: 'RUN.STEP_NOT_OPTIONAL',
  STEP_NOT_SKIPPABLE: 'RUN.STEP_NOT_SKIPPABLE',
  STEP_NOT_AWAITING_APPROVAL: 'RUN.STEP_NOT_AWAITING_APPROVAL',
  CONCURRENCY_LIMIT_REACHED: 'RUN.CONCURRENCY_LIMIT_REACHED',
  GATE_NOT_FOUND: 'RUN.GATE_NOT_FOUND',
  GATE_ALREADY_OPEN: 'RUN.GATE_ALREADY_OPEN',
  GATE_ALREADY_DECIDED: 'RUN.GATE_ALREADY_DECIDED',
  GATE_NOT_DUE: 'RUN.GATE_NOT_DUE',
  GATE_NOT_ESCALATABLE: 'RUN.GATE_NOT_ESCALATABLE',
  GATE_WITHOUT_REVIEWERS: 'RUN.GATE_WITHOUT_REVIEWERS',
  ACTOR_CANNOT_DECIDE: 'RUN.ACTOR_CANNOT_DECIDE',
  REVIEWER_NOT_NAMED: 'RUN.REVIEWER_NOT_NAMED',
  DECISION_INVALID: 'RUN.DECISION_INVALID',
  STEP_NOT_DOWNSTREAM: 'RUN.STEP_NOT_DOWNSTREAM',
  STEP_WITHOUT_CONDITION: 'RUN.STEP_WITHOUT_CONDITION',
  STEP_NOT_EXTERNAL: 'RUN.STEP_NOT_EXTERNAL',
  STEP_EXTERNAL: 'RUN.STEP_EXTERNAL',
  RUN_WITHOUT_TIMEOUT: 'RUN.RUN_WITHOUT_TIMEOUT',
  RUN_NOT_TIMED_OUT: 'RUN.RUN_NOT_TIMED_OUT',
} as const;

export type RunErrorCode = (typeof RunErrorCodes)[keyof typeof RunErrorCodes];
