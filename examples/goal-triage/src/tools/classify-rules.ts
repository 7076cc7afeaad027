/** Ticket categories `support.classify` tells apart. */
export const CATEGORIES = ['billing', 'technical', 'account', 'other'] as const;
export type Category = (typeof CATEGORIES)[number];

/** How soon a ticket needs an answer. */
export const URGENCIES = ['low', 'normal', 'high'] as const;
export type Urgency = (typeof URGENCIES)[number];

/** A ticket's classification: `confidence` 0..1 (see {@link classifyTicket}). */
export interface Classification {
  readonly category: Category;
  readonly urgency: Urgency;
  readonly confidence: number;
}

/** Keywords per category (lower case, matched as whole words or phrases). */
const KEYWORDS: Readonly<Record<Exclude<Category, 'other'>, readonly string[]>> = {
  billing: ['refund', 'charged', 'charge', 'invoice', 'payment', 'billing', 'subscription', 'cancel', 'price'],
  technical: ['error', 'crash', 'crashes', 'bug', 'broken', 'timeout', 'export', 'sync', 'api', 'not working'],
  account: ['password', 'login', 'log in', 'sign in', 'email address', 'two-factor', '2fa', 'locked out', 'username'],
};

const HIGH = ['urgent', 'asap', 'immediately', 'outage', 'down', 'twice', 'legal', 'chargeback'];
const LOW = ['question', 'wondering', 'feedback', 'suggestion', 'no rush'];

function hits(text: string, words: readonly string[]): number {
  return words.filter((word) => new RegExp(`(^|[^a-z0-9])${word.replace(/[-]/g, '\\-')}($|[^a-z0-9])`).test(text))
    .length;
}

/**
 * Rule-based ticket classification (keywords, no model), deterministic for a text.
 * - category: the category with the most keyword hits in subject + message (ties in the order billing, technical,
 *   account); `other` when none hits;
 * - urgency: `high` when an urgency word hits (`urgent`, `outage`, `twice`, `chargeback`, ...), else `low` when a
 *   low word hits (`question`, `feedback`, ...), else `normal`;
 * - confidence: 0.4 for `other`; else 0.55 + 0.1 per hit of the winning category, minus 0.15 per hit of the
 *   runner-up, clamped to 0.3..0.95 (a rule of thumb of this example, not a calibrated probability).
 */
export function classifyTicket(subject: string, message: string): Classification {
  const text = `${subject}\n${message}`.toLowerCase();
  const scored = (Object.keys(KEYWORDS) as Array<keyof typeof KEYWORDS>)
    .map((category) => ({ category, hits: hits(text, KEYWORDS[category]) }))
    .sort((a, b) => b.hits - a.hits);
  const [best, second] = scored;
  const urgency: Urgency = hits(text, HIGH) > 0 ? 'high' : hits(text, LOW) > 0 ? 'low' : 'normal';
  if (best === undefined || best.hits === 0) return { category: 'other', urgency, confidence: 0.4 };
  const raw = 0.55 + 0.1 * best.hits - 0.15 * (second?.hits ?? 0);
  const confidence = Math.round(Math.min(0.95, Math.max(0.3, raw)) * 100) / 100;
  return { category: best.category, urgency, confidence };
}
