import { subjects } from '@ledgerflow/contracts';
import { billingRefundTool, type BillingRefundOptions } from './billing-refund.tool.js';
import { crmLookupAccountTool, type CrmLookupOptions } from './crm-lookup-account.tool.js';
import { supportClassifyTool } from './support-classify.tool.js';
import { supportDraftReplyTool } from './support-draft-reply.tool.js';

/** Options of the goal-triage tools; each unset option falls back to its environment variable. */
export type GoalTriageToolOptions = CrmLookupOptions & BillingRefundOptions;

/**
 * The four tools goal-triage plans are made of, as the catalog lists them: `support.classify`,
 * `crm.lookup_account`, `support.draft_reply`, `billing.refund`. Their typed schemas are what lets the catalog
 * generator chain them back from a goal's desired outputs (docs/planning.md).
 */
export function goalTriageTools(options: GoalTriageToolOptions = {}) {
  return [
    supportClassifyTool(),
    crmLookupAccountTool(options),
    supportDraftReplyTool(),
    billingRefundTool(options),
  ] as const;
}

/** The tool subjects the goal-triage worker serves (its NATS user may serve these and nothing else). */
export const GOAL_TRIAGE_TOOL_SUBJECTS: readonly string[] = [
  subjects.tool('support', 'classify'),
  subjects.tool('support', 'draft_reply'),
  subjects.tool('crm', 'lookup_account'),
  subjects.tool('billing', 'refund'),
];
