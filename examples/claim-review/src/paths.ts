import { fileURLToPath } from 'node:url';

/**
 * Root directory of the claim-review package (`examples/claim-review/`), the same from `src/` (Jest, tsc
 * type-check) and from `dist/` (built worker process): both sit one level below it.
 */
export const packageDir: string = fileURLToPath(new URL('..', import.meta.url));

/** Default directory of claim attachments: `<package>/claims/attachments`. */
export const defaultAttachmentsDir: string = fileURLToPath(new URL('../claims/attachments/', import.meta.url));

/** Default policy administration data: `<package>/data/policies.json`. */
export const defaultPoliciesFile: string = fileURLToPath(new URL('../data/policies.json', import.meta.url));

/** Default billing ledger, relative to the worker's working directory (the repository root in the demo). */
export const defaultBillingLedger = '.data/billing-ledger.jsonl';
