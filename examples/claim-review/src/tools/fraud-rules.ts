/** Input of `fraud.screen`. Amounts in major units of the claim currency; dates ISO-8601. */
export interface FraudInput {
  readonly claimId: string;
  /** Amount the claimant entered in the CRM. */
  readonly amount: number;
  /** Amount the claim documents state (`documents.extract`), null when none does. */
  readonly documentedAmount: number | null;
  /** Date of the incident, YYYY-MM-DD. */
  readonly incidentDate: string;
  /** When the claim was submitted (ISO-8601 timestamp); without it the claim age is not scored. */
  readonly submittedAt?: string | null;
  readonly description: string;
}

/** Output of `fraud.screen`: `score` 0..1 (higher is riskier, two decimals) and the flags that raised it. */
export interface FraudOutput {
  readonly score: number;
  readonly flags: readonly string[];
}

/**
 * Score weights and thresholds of the example's fraud desk (made up for the demo, not actuarial figures):
 * a base of 0.05, plus each flag's weight, capped at 1.
 */
export const FRAUD_RULES = {
  base: 0.05,
  /** Claimed and documented amounts differ by more than this fraction of the documented amount. */
  mismatchTolerance: 0.01,
  /** The fraud desk's review limit: claims above it get a closer look (same figure as the payout gate). */
  reviewLimit: 50_000,
  veryHighLimit: 1_000_000,
  /** Reported more than this many days after the incident. */
  lateReportDays: 90,
  weights: {
    amount_mismatch: 0.3,
    no_documented_amount: 0.2,
    high_value: 0.15,
    very_high_value: 0.15,
    late_report: 0.15,
    incident_after_report: 0.4,
    keyword: 0.1,
  },
  /** Phrases in the description that fraud handlers look twice at; at most three count. */
  keywords: ['cash only', 'no receipt', 'urgent', 'lost all documents', 'total loss', 'friend'],
  maxKeywords: 3,
} as const;

const DAY_MS = 86_400_000;

/** Scores a claim by {@link FRAUD_RULES}; pure and deterministic (the same claim always scores the same). */
export function screenClaim(input: FraudInput): FraudOutput {
  const rules = FRAUD_RULES;
  const flags: string[] = [];
  if (input.documentedAmount === null) flags.push('no_documented_amount');
  else if (Math.abs(input.amount - input.documentedAmount) > rules.mismatchTolerance * input.documentedAmount) {
    flags.push('amount_mismatch');
  }
  if (input.amount > rules.reviewLimit) flags.push('high_value');
  if (input.amount > rules.veryHighLimit) flags.push('very_high_value');
  if (input.submittedAt) {
    const ageDays = (Date.parse(input.submittedAt) - Date.parse(input.incidentDate)) / DAY_MS;
    if (ageDays < -1) flags.push('incident_after_report');
    else if (ageDays > rules.lateReportDays) flags.push('late_report');
  }
  const description = input.description.toLowerCase();
  const keywords = rules.keywords.filter((word) => description.includes(word)).slice(0, rules.maxKeywords);
  let score = rules.base;
  for (const flag of flags) score += rules.weights[flag as keyof typeof rules.weights];
  score += keywords.length * rules.weights.keyword;
  flags.push(...keywords.map((word) => `keyword:${word}`));
  return { score: Math.round(Math.min(1, score) * 100) / 100, flags };
}

/** Parses a comma-separated list of claim ids (blanks ignored). */
export function parseClaimList(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((id) => id.trim())
    .filter((id) => id.length > 0);
}
