import { resolve } from 'node:path';
import { defineTool, result, ToolError } from '@ledgerflow/sdk';
import { defaultRefundRegister } from '../paths.js';
import { RefundRegister, refundIdOf } from './refund-register.js';

export interface RefundInput {
  readonly accountId: string;
  /** EUR, major units, > 0. */
  readonly amount: number;
  readonly ticketId?: string;
}

export interface RefundOutput {
  readonly refundId: string;
  readonly refundedAmount: number;
  readonly currency: 'EUR';
}

export interface BillingRefundOptions {
  /** Refund register (JSON Lines); default env `TRIAGE_REFUNDS_FILE`, else `.data/goal-triage-refunds.jsonl` (cwd). */
  readonly registerPath?: string;
  /** Clock for `refundedAt`; default the system clock. */
  readonly now?: () => Date;
}

const inputSchema = {
  type: 'object',
  required: ['accountId', 'amount'],
  properties: {
    accountId: { type: 'string', pattern: '^ACC-[0-9]+$' },
    amount: { type: 'number', exclusiveMinimum: 0, description: 'EUR' },
    ticketId: { type: 'string', minLength: 1, maxLength: 64 },
  },
} as const;

const outputSchema = {
  type: 'object',
  required: ['refundId', 'refundedAmount', 'currency'],
  properties: {
    refundId: { type: 'string', pattern: '^RF-[0-9A-F]{12}$' },
    refundedAmount: { type: 'number' },
    currency: { const: 'EUR' },
  },
} as const;

/**
 * `billing.refund`: the example's side effect. Refunds `amount` EUR to the account once per run step (the effect key
 * `<runId>/<stepId>`, shared by every attempt; {@link RefundRegister}). Which refunds need a reviewer's approval, and
 * which are never automated, is policy's to say (examples/goal-triage/policies), not this tool's.
 * Returns `{ refundId, refundedAmount, currency: 'EUR' }`, lineage `{ source: 'billing', fresh: true }`.
 * Cost hint: 0.002 USD and 50 ms a call.
 * @throws ToolError `refund_register_unavailable` (retryable) when the register cannot be read or written.
 */
export function billingRefundTool(options: BillingRefundOptions = {}) {
  const register = new RefundRegister(
    resolve(options.registerPath ?? process.env['TRIAGE_REFUNDS_FILE'] ?? defaultRefundRegister),
  );
  const now = options.now ?? (() => new Date());
  return defineTool<RefundInput, RefundOutput>({
    tool: 'billing',
    action: 'refund',
    description: "Refund an amount (EUR) to a customer's account, once per run step.",
    inputSchema,
    outputSchema,
    cost: { usd: 0.002, latencyMs: 50 },
    async handler(input, ctx) {
      const refund = await register
        .refundOnce({
          refundId: refundIdOf(ctx.effectKey),
          effectKey: ctx.effectKey,
          runId: ctx.runId,
          accountId: input.accountId,
          amount: input.amount,
          currency: 'EUR',
          ...(input.ticketId === undefined ? {} : { ticketId: input.ticketId }),
          refundedAt: now().toISOString(),
        })
        .catch((error: unknown) => {
          throw new ToolError(
            'refund_register_unavailable',
            `refund register ${register.path} failed: ${(error as Error).message}`,
            { retryable: true },
          );
        });
      const { refundId, amount, currency } = refund.entry;
      return result(
        { refundId, refundedAmount: amount, currency },
        { confidence: 1, lineage: { source: 'billing', fresh: true } },
      );
    },
  });
}
