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
