/**
 * What each sample claim must end with in the demo (examples/claim-review/README.md, "Sample claims").
 * `gate`: the payout waits at an approval gate that the demo approves as the named reviewer.
 */
export interface ClaimExpectation {
  readonly status: 'completed' | 'failed';
  readonly failureCode?: string;
  readonly gate?: boolean;
  readonly fraudAttempts?: number;
}

export const EXPECTED: Readonly<Record<string, ClaimExpectation>> = {
  'CLM-2026-0001': { status: 'completed' },
  'CLM-2026-0002': { status: 'completed' },
  'CLM-2026-0003': { status: 'completed' },
  'CLM-2026-0004': { status: 'completed', gate: true },
  'CLM-2026-0005': { status: 'failed', failureCode: 'policy_denied' },
  'CLM-2026-0006': { status: 'completed', fraudAttempts: 2 },
};

/** The claim whose first fraud screening fails (simulated outage) and is retried. */
export const OUTAGE_CLAIM = 'CLM-2026-0006';
