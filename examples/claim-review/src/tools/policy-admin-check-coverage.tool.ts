import { readFile } from 'node:fs/promises';
import { defineTool, result, ToolError } from '@ledgerflow/sdk';
import { defaultPoliciesFile } from '../paths.js';
import { checkCoverage } from './coverage-rules.js';
import type { CoverageInput, CoverageOutput, PolicyRecord } from './coverage-rules.js';

export interface CheckCoverageOptions {
  /** Policy data file; default env `CLAIM_POLICIES_FILE`, else `<package>/data/policies.json`. */
  readonly policiesFile?: string;
}

const inputSchema = {
  type: 'object',
  required: ['policyNumber', 'amount', 'currency', 'incidentDate', 'lossType'],
  properties: {
    policyNumber: { type: 'string', minLength: 1 },
    amount: { type: ['number', 'null'], minimum: 0 },
    currency: { type: ['string', 'null'] },
    incidentDate: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' },
    lossType: { type: ['string', 'null'] },
  },
} as const;

const outputSchema = {
  type: 'object',
  required: ['covered', 'limit', 'reason'],
  properties: { covered: { type: 'boolean' }, limit: { type: 'number', minimum: 0 }, reason: { type: 'string' } },
} as const;

/**
 * `policy_admin.check_coverage`: looks the policy up in the policy administration data (read afresh on every
 * call) and applies {@link checkCoverage}. Returns `{ covered, limit, reason }` with lineage
 * `{ source: 'policy-admin', fresh: true }`; an unknown policy is `covered: false`, not an error.
 *
 * @throws ToolError `policy_store_unavailable` (retryable) when the data file cannot be read.
 */
export function checkCoverageTool(options: CheckCoverageOptions = {}) {
  const file = options.policiesFile ?? process.env['CLAIM_POLICIES_FILE'] ?? defaultPoliciesFile;
  return defineTool<CoverageInput, CoverageOutput>({
    tool: 'policy_admin',
    action: 'check_coverage',
    description: 'Check whether a policy covers a claim: active, in force on the incident date, peril covered, limit.',
    inputSchema,
    outputSchema,
    async handler(input) {
      const policies = await loadPolicies(file);
      const policy = Object.hasOwn(policies, input.policyNumber) ? policies[input.policyNumber] : undefined;
      return result(checkCoverage(input, policy), { confidence: 1, lineage: { source: 'policy-admin', fresh: true } });
    },
  });
}

async function loadPolicies(file: string): Promise<Record<string, PolicyRecord>> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Record<string, PolicyRecord>;
  } catch (error) {
    throw new ToolError(
      'policy_store_unavailable',
      `policy data ${file} could not be read: ${(error as Error).message}`,
      { retryable: true },
    );
  }
}
