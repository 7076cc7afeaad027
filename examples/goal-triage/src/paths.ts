import { fileURLToPath } from 'node:url';

/**
 * Root directory of the goal-triage package (`examples/goal-triage/`), the same from `src/` (Jest, tsc type-check) and
 * from `dist/` (built worker process): both sit one level below it.
 */
export const packageDir: string = fileURLToPath(new URL('..', import.meta.url));

/** Default CRM accounts: `<package>/data/accounts.json`. */
export const defaultAccountsFile: string = fileURLToPath(new URL('../data/accounts.json', import.meta.url));

/** Default refund register, relative to the worker's working directory (the repository root in the demo). */
export const defaultRefundRegister = '.data/goal-triage-refunds.jsonl';
