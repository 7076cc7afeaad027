import { defineTool, result, ToolError } from '@ledgerflow/sdk';
import { parseClaimList, screenClaim } from './fraud-rules.js';
import type { FraudInput, FraudOutput } from './fraud-rules.js';

export interface FraudScreenOptions {
  /**
   * Claim ids whose first attempt fails (simulated outage); default env `CLAIM_FRAUD_OUTAGE_CLAIMS`, a
   * comma-separated list (none when unset).
   */
  readonly outageClaims?: readonly string[];
}

const inputSchema = {
  type: 'object',
  required: ['claimId', 'amount', 'documentedAmount', 'incidentDate', 'description'],
  properties: {
    claimId: { type: 'string', minLength: 1 },
    amount: { type: 'number', minimum: 0 },
    documentedAmount: { type: ['number', 'null'] },
    incidentDate: { type: 'string' },
    submittedAt: { type: ['string', 'null'] },
    description: { type: 'string' },
  },
} as const;

const outputSchema = {
  type: 'object',
  required: ['score', 'flags'],
  properties: {
    score: { type: 'number', minimum: 0, maximum: 1 },
    flags: { type: 'array', items: { type: 'string' } },
  },
} as const;

/**
 * `fraud.screen`: a deterministic fraud risk score for a claim ({@link screenClaim}: amounts, claim age,
 * keywords) -> `{ score, flags }`, lineage `{ source: 'fraud-service', fresh: true }`.
 *
 * Simulated upstream outage, for the demo of retries: a claim whose id is in `outageClaims` (env
 * `CLAIM_FRAUD_OUTAGE_CLAIMS`) fails its FIRST attempt (`ctx.attempt === 1`) and succeeds from attempt 2 on.
 * The decision uses only the attempt number, so it holds across worker restarts and replicas.
 *
 * @throws ToolError `fraud_service_unavailable` (retryable) on attempt 1 of an outage claim.
 */
export function fraudScreenTool(options: FraudScreenOptions = {}) {
  const outage = new Set(options.outageClaims ?? parseClaimList(process.env['CLAIM_FRAUD_OUTAGE_CLAIMS']));
  return defineTool<FraudInput, FraudOutput>({
    tool: 'fraud',
    action: 'screen',
    description: 'Score the fraud risk of a claim (0..1) from its amounts, age and wording.',
    inputSchema,
    outputSchema,
    async handler(input, ctx) {
      if (ctx.attempt === 1 && outage.has(input.claimId)) {
        throw new ToolError(
          'fraud_service_unavailable',
          `fraud service unavailable for claim ${input.claimId} on attempt 1 (simulated outage, CLAIM_FRAUD_OUTAGE_CLAIMS)`,
          { retryable: true },
        );
      }
      return result(screenClaim(input), { lineage: { source: 'fraud-service', fresh: true } });
    },
  });
}
