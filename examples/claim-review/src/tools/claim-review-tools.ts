import { billingPayoutTool } from './billing-payout.tool.js';
import type { BillingPayoutOptions } from './billing-payout.tool.js';
import { documentsExtractTool } from './documents-extract.tool.js';
import type { DocumentsExtractOptions } from './documents-extract.tool.js';
import { fraudScreenTool } from './fraud-screen.tool.js';
import type { FraudScreenOptions } from './fraud-screen.tool.js';
import { checkCoverageTool } from './policy-admin-check-coverage.tool.js';
import type { CheckCoverageOptions } from './policy-admin-check-coverage.tool.js';

/** Options of all four claim-review tools; each unset option falls back to its environment variable. */
export type ClaimReviewToolOptions = DocumentsExtractOptions &
  CheckCoverageOptions &
  FraudScreenOptions &
  BillingPayoutOptions;

/**
 * The four tools the claim-review workflow calls: `documents.extract`, `policy_admin.check_coverage`,
 * `fraud.screen`, `billing.payout`.
 */
export function claimReviewTools(options: ClaimReviewToolOptions = {}) {
  return [
    documentsExtractTool(options),
    checkCoverageTool(options),
    fraudScreenTool(options),
    billingPayoutTool(options),
  ] as const;
}
