import { readFileSync } from 'node:fs';
import { defineTool, result, ToolError } from '@ledgerflow/sdk';
import { defaultAccountsFile } from '../paths.js';

/** Customer plans of the CRM. */
export const PLANS = ['free', 'pro', 'enterprise'] as const;
export type Plan = (typeof PLANS)[number];

/** One CRM account: `lifetimeValue` in EUR (major units). */
export interface Account {
  readonly email: string;
  readonly accountId: string;
  readonly plan: Plan;
  readonly lifetimeValue: number;
}

export interface LookupAccountInput {
  readonly customerEmail: string;
}

export type LookupAccountOutput = Omit<Account, 'email'>;

export interface CrmLookupOptions {
  /** JSON array of {@link Account}; default env `TRIAGE_ACCOUNTS_FILE`, else `<package>/data/accounts.json`. */
  readonly accountsFile?: string;
}

const inputSchema = {
  type: 'object',
  required: ['customerEmail'],
  properties: { customerEmail: { type: 'string', minLength: 3, maxLength: 320 } },
} as const;

const outputSchema = {
  type: 'object',
  required: ['accountId', 'plan', 'lifetimeValue'],
  properties: {
    accountId: { type: 'string', pattern: '^ACC-[0-9]+$' },
    plan: { type: 'string', enum: [...PLANS] },
    lifetimeValue: { type: 'number', minimum: 0, description: 'EUR' },
  },
} as const;

/**
 * `crm.lookup_account`: the CRM account of a customer email (compared case-insensitively), read once from the
 * accounts file. Returns `{ accountId, plan, lifetimeValue }`, lineage `{ source: 'crm', fresh: true }`.
 * Cost hint: 0.0001 USD and 15 ms a call.
 * @throws ToolError `account_not_found` (not retryable) for an email the CRM does not know.
 * @throws Error at construction when the accounts file cannot be read or is not JSON.
 */
export function crmLookupAccountTool(options: CrmLookupOptions = {}) {
  const file = options.accountsFile ?? process.env['TRIAGE_ACCOUNTS_FILE'] ?? defaultAccountsFile;
  const accounts = JSON.parse(readFileSync(file, 'utf8')) as Account[];
  const byEmail = new Map(accounts.map((account) => [account.email.toLowerCase(), account]));
  return defineTool<LookupAccountInput, LookupAccountOutput>({
    tool: 'crm',
    action: 'lookup_account',
    description: "Look up a customer's CRM account by email: account id, plan and lifetime value (EUR).",
    inputSchema,
    outputSchema,
    cost: { usd: 0.0001, latencyMs: 15 },
    handler(input) {
      const account = byEmail.get(input.customerEmail.trim().toLowerCase());
      if (account === undefined) {
        throw new ToolError('account_not_found', 'no CRM account has the customer email of this ticket', {
          retryable: false,
        });
      }
      const { accountId, plan, lifetimeValue } = account;
      return result({ accountId, plan, lifetimeValue }, { lineage: { source: 'crm', fresh: true } });
    },
  });
}
