import type { Category, Urgency } from './classify-rules.js';
import type { Plan } from './crm-lookup-account.tool.js';

/** What a reply is drafted from: the classification, the account's plan, the ticket and a refund made (EUR). */
export interface ReplyFacts {
  readonly category: Category;
  readonly plan: Plan;
  readonly message: string;
  readonly urgency?: Urgency;
  readonly refundId?: string;
  readonly refundedAmount?: number;
}

const OPENING: Readonly<Record<Category, string>> = {
  billing: 'Thank you for contacting us about your bill.',
  technical: 'Thank you for reporting this problem.',
  account: 'Thank you for getting in touch about your account.',
  other: 'Thank you for your message.',
};

const BODY: Readonly<Record<Category, string>> = {
  billing: 'We have checked the charges on your account and a billing specialist is reviewing them.',
  technical: 'Our engineers are looking into it; we will write again as soon as we know more.',
  account: 'For your security, please use the password reset link on the sign-in page; it expires in 30 minutes.',
  other: 'A member of our team will read it and get back to you.',
};

const SERVICE: Readonly<Record<Plan, string>> = {
  free: 'Replies on the free plan usually take up to 3 business days.',
  pro: 'As a Pro customer you will hear from us within one business day.',
  enterprise: 'Your account manager has been informed and will follow up personally.',
};

/** `1234.5` -> `EUR 1,234.50`. */
export const eur = (amount: number): string =>
  `EUR ${amount.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

/**
 * A reply draft from fixed templates (no model): an opening and a body per category, a line on the refund made
 * (when the plan refunded before drafting), a priority line for an urgent ticket, the service level of the plan. The same facts give the same text; the customer's message is not quoted
 * (a draft must not copy personal data the ticket may hold).
 */
export function draftReply(facts: ReplyFacts): string {
  const lines = [OPENING[facts.category], BODY[facts.category]];
  if (facts.refundId !== undefined && facts.refundedAmount !== undefined) {
    lines.push(
      `We have refunded ${eur(facts.refundedAmount)} to your account (reference ${facts.refundId}); it reaches your card within 5 business days.`,
    );
  }
  if (facts.urgency === 'high') lines.push('We have marked your ticket as high priority.');
  lines.push(SERVICE[facts.plan]);
  return `Hello,\n\n${lines.join(' ')}\n\nKind regards,\nCustomer Support`;
}
