import { defineTool, result } from '@ledgerflow/sdk';
import { CATEGORIES, classifyTicket, URGENCIES, type Classification } from './classify-rules.js';

/** Input of `support.classify`: the ticket's text (`subject` optional). */
export interface ClassifyInput {
  readonly message: string;
  readonly subject?: string;
}

const inputSchema = {
  type: 'object',
  required: ['message'],
  properties: {
    message: { type: 'string', minLength: 1, maxLength: 10_000, description: "the customer's message" },
    subject: { type: 'string', maxLength: 300 },
  },
} as const;

const outputSchema = {
  type: 'object',
  required: ['category', 'urgency', 'confidence'],
  properties: {
    category: { type: 'string', enum: [...CATEGORIES] },
    urgency: { type: 'string', enum: [...URGENCIES] },
    confidence: { type: 'number', minimum: 0, maximum: 1 },
  },
} as const;

/**
 * `support.classify`: a ticket's category, urgency and confidence by keyword rules ({@link classifyTicket}); the
 * result's `confidence` is the classification's, so a workflow's `minConfidence` can hold a doubtful one for review.
 * Cost hint: 0.0002 USD and 20 ms a call (what a small hosted classifier would cost; these rules cost nothing).
 */
export function supportClassifyTool() {
  return defineTool<ClassifyInput, Classification>({
    tool: 'support',
    action: 'classify',
    description: 'Classify a support ticket: category, urgency and a confidence, from its text.',
    inputSchema,
    outputSchema,
    cost: { usd: 0.0002, latencyMs: 20 },
    handler(input) {
      const classification = classifyTicket(input.subject ?? '', input.message);
      return result(classification, { confidence: classification.confidence });
    },
  });
}
