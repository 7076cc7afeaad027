/** One policy in the policy administration system (`data/policies.json`, keyed by policy number). */
export interface PolicyRecord {
  readonly holder: string;
  readonly product: string;
  /** Most the policy pays for one claim, in major units of `currency`. */
  readonly coverageLimit: number;
  readonly currency: string;
  readonly active: boolean;
  /** Inclusive ISO dates (YYYY-MM-DD) of the cover period. */
  readonly validFrom: string;
  readonly validTo: string;
  /** Peril ids the policy covers, e.g. `water_damage`, `fire`. */
  readonly coveredPerils: readonly string[];
}

/** Input of `policy_admin.check_coverage`. `amount`/`currency`/`lossType` come from the claim's documents. */
export interface CoverageInput {
  readonly policyNumber: string;
  readonly amount: number | null;
  readonly currency: string | null;
  /** ISO date (YYYY-MM-DD) of the incident. */
  readonly incidentDate: string;
  readonly lossType: string | null;
}

/**
 * Output of `policy_admin.check_coverage`. `limit` is the policy's coverage limit (0 when the policy is
 * unknown); `reason` says which rule decided, in words a claims handler reads.
 */
export interface CoverageOutput {
  readonly covered: boolean;
  readonly limit: number;
  readonly reason: string;
}

/**
 * Coverage rules, checked in this order (the first that fails decides): the policy exists, is active, was
 * in force on the incident date, covers the type of loss, is in the claim's currency, and the claim states
 * an amount. An amount above the limit is still covered, payable up to the limit.
 */
export function checkCoverage(input: CoverageInput, policy: PolicyRecord | undefined): CoverageOutput {
  const { policyNumber, amount, currency, incidentDate, lossType } = input;
  if (!policy) return { covered: false, limit: 0, reason: `policy ${policyNumber} does not exist` };
  const limit = policy.coverageLimit;
  const deny = (reason: string): CoverageOutput => ({ covered: false, limit, reason });
  if (!policy.active) return deny(`policy ${policyNumber} is not active`);
  if (incidentDate < policy.validFrom || incidentDate > policy.validTo) {
    return deny(`incident date ${incidentDate} is outside the cover period ${policy.validFrom}..${policy.validTo}`);
  }
  if (!lossType) return deny('the claim documents state no type of loss');
  if (!policy.coveredPerils.includes(lossType)) {
    return deny(`type of loss ${lossType} is not covered (covered: ${policy.coveredPerils.join(', ')})`);
  }
  if (currency !== policy.currency)
    return deny(`claim currency ${currency ?? 'none'} differs from policy currency ${policy.currency}`);
  if (amount === null) return deny('the claim documents state no amount claimed');
  if (amount > limit) {
    return {
      covered: true,
      limit,
      reason: `${lossType} covered; amount ${amount} exceeds the limit ${limit}, payable up to the limit`,
    };
  }
  return { covered: true, limit, reason: `${lossType} covered up to ${limit} ${policy.currency}` };
}
