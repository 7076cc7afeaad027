import { resolve } from 'node:path';
import { defineTool, result, ToolError } from '@ledgerflow/sdk';
import { defaultBillingLedger } from '../paths.js';
import { appendOnce, paymentIdOf } from './billing-ledger.js';

/** Input of `billing.payout`. `amount` in major units of `currency` (> 0 when covered); `payee` is the claimant's name. */
export interface PayoutInput {
  readonly claimId: string;
  readonly amount: number;
  readonly currency: string;
  readonly payee: string;
  /** `policy_admin.check_coverage`'s verdict; the billing system refuses an uncovered claim. */
  readonly covered: boolean;
  /** `fraud.screen`'s score, passed along for the policy decision; billing does not use it. */
  readonly fraudScore?: number;
}

/** Output of `billing.payout`: the payment on the ledger (the earlier one when the key was seen before). */
export interface PayoutOutput {
  readonly paymentId: string;
  readonly amount: number;
  readonly currency: string;
}

export interface BillingPayoutOptions {
  /** Ledger file (JSON Lines); default env `CLAIM_BILLING_LEDGER`, else `.data/billing-ledger.jsonl` (cwd). */
  readonly ledgerPath?: string;
  /** Clock for `paidAt`; default the system clock. */
  readonly now?: () => Date;
}

const inputSchema = {
  type: 'object',
  required: ['claimId', 'amount', 'currency', 'payee', 'covered'],
  properties: {
    claimId: { type: 'string', minLength: 1 },
    amount: { type: 'number', minimum: 0 },
    currency: { type: 'string', pattern: '^[A-Z]{3}$' },
    payee: { type: 'string', minLength: 1 },
    covered: { type: 'boolean' },
    fraudScore: { type: 'number', minimum: 0, maximum: 1 },
  },
} as const;

const outputSchema = {
  type: 'object',
  required: ['paymentId', 'amount', 'currency'],
  properties: { paymentId: { type: 'string' }, amount: { type: 'number' }, currency: { type: 'string' } },
} as const;

/**
 * `billing.payout`: the workflow's side effect. Appends `{ paymentId, idempotencyKey, runId, claimId, amount,
 * currency, payee, paidAt }` to the billing ledger (JSON Lines, fsynced) unless a line with the step's effect key
 * (`<runId>/<stepId>`, the same for every attempt) is already there: a re-delivered call, and a new attempt after a
 * timeout whose call had in fact paid, pay once (the later call returns the earlier payment).
 * Returns `{ paymentId, amount, currency }`, lineage `{ source: 'billing', fresh: true }`.
 *
 * @throws ToolError `claim_not_covered` (non-retryable) when `covered` is false; `payout_amount_invalid`
 *   (non-retryable) when `amount` is 0;
 *   `billing_ledger_unavailable` (retryable) when the ledger cannot be locked, read or written.
 */
export function billingPayoutTool(options: BillingPayoutOptions = {}) {
  const ledgerPath = resolve(options.ledgerPath ?? process.env['CLAIM_BILLING_LEDGER'] ?? defaultBillingLedger);
  const now = options.now ?? (() => new Date());
  return defineTool<PayoutInput, PayoutOutput>({
    tool: 'billing',
    action: 'payout',
    description: 'Pay a covered claim to the claimant, once per run step (every attempt shares the payment).',
    inputSchema,
    outputSchema,
    async handler(input, ctx) {
      if (!input.covered) {
        throw new ToolError(
          'claim_not_covered',
          `claim ${input.claimId} is not covered by its policy; billing pays covered claims only`,
          { retryable: false },
        );
      }
      if (input.amount <= 0) {
        throw new ToolError(
          'payout_amount_invalid',
          `payout amount for claim ${input.claimId} must be greater than 0, got ${input.amount}`,
          { retryable: false },
        );
      }
      const { idempotencyKey, effectKey, runId } = ctx;
      const entry = {
        paymentId: paymentIdOf(effectKey),
        effectKey,
        idempotencyKey,
        runId,
        claimId: input.claimId,
        amount: input.amount,
        currency: input.currency,
        payee: input.payee,
        paidAt: now().toISOString(),
      };
      const paid = await appendOnce(ledgerPath, entry).catch((error: unknown) => {
        throw new ToolError(
          'billing_ledger_unavailable',
          `billing ledger ${ledgerPath} failed: ${(error as Error).message}`,
          { retryable: true },
        );
      });
      const { paymentId, amount, currency } = paid.entry;
      return result({ paymentId, amount, currency }, { confidence: 1, lineage: { source: 'billing', fresh: true } });
    },
  });
}
