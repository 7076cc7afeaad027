import { defineTool, result } from '@ledgerflow/sdk';
import { CATEGORIES, URGENCIES } from './classify-rules.js';
import { PLANS } from './crm-lookup-account.tool.js';
import { draftReply, type ReplyFacts } from './reply-templates.js';

export interface DraftReplyOutput {
  readonly replyDraft: string;
}

const inputSchema = {
  type: 'object',
  required: ['category', 'plan', 'message'],
  properties: {
    category: { type: 'string', enum: [...CATEGORIES] },
    plan: { type: 'string', enum: [...PLANS] },
    message: { type: 'string', minLength: 1, maxLength: 10_000 },
    urgency: { type: 'string', enum: [...URGENCIES] },
    refundId: { type: 'string', minLength: 1 },
    refundedAmount: { type: 'number', minimum: 0, description: 'EUR' },
  },
} as const;

const outputSchema = {
  type: 'object',
  required: ['replyDraft'],
  properties: { replyDraft: { type: 'string', minLength: 1 } },
} as const;

/**
 * `support.draft_reply`: a reply draft for an agent to send, from the ticket's category and urgency, the customer's
 * plan and, when given, the refund made ({@link draftReply}, fixed templates). `refundId`/`refundedAmount` are optional
 * inputs: the catalog generator passes them when the plan has a refund step already (docs/planning.md), so the draft
 * then follows the refund, and its approval. Cost hint: 0.001 USD and 30 ms a call.
 */
export function supportDraftReplyTool() {
  return defineTool<ReplyFacts, DraftReplyOutput>({
    tool: 'support',
    action: 'draft_reply',
    description: "Draft a reply to a support ticket from its category, the customer's plan and the ticket text.",
    inputSchema,
    outputSchema,
    cost: { usd: 0.001, latencyMs: 30 },
    handler(input) {
      return result({ replyDraft: draftReply(input) }, { lineage: { source: 'support-templates', fresh: true } });
    },
  });
}
