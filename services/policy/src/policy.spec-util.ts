import { generateKeyPairSync } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { PolicyEvaluateRequest, PolicyFacts } from '@ledgerflow/contracts';
import { foldRun } from '@ledgerflow/domain';
import type { GateSource, Plan, PlanStep, PolicyDecision, RunEvent, RunState } from '@ledgerflow/domain';
import { aStep, runEventFixtures } from '@ledgerflow/testing';

/** The claim-review example packs. */
export const EXAMPLE_POLICIES = fileURLToPath(new URL('../../../examples/claim-review/policies', import.meta.url));

/** A fresh Ed25519 key pair: the private key as PKCS#8 PEM (the env var format), the public as SPKI PEM. */
export function grantKeys(): { privatePem: string; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privatePem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    publicPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
  };
}

/** The engine's facts for a claim-review payout of `amount` EUR (run `run-7`, attempt 2). */
export const payoutFacts = (amount: number, overrides: Partial<PolicyFacts> = {}): PolicyFacts => ({
  runId: 'run-7',
  workflowId: 'claim-review',
  stepId: 'payout',
  attempt: 2,
  agent: 'payout-agent',
  agentCapabilities: ['billing.payout'],
  tool: 'billing',
  action: 'payout',
  policyTags: ['payout'],
  input: { claimId: 'CLM-2026-0001', amount, currency: 'EUR' },
  ...overrides,
});

export const RUN_ID = 'run-7';
export const NOW = '2026-05-01T10:00:00.000Z';
export const DIGEST = `sha256:${'ab'.repeat(32)}`;

/** The claim-review step `assess` (agent `assessor` runs `claims.assess`); {@link payout} pays after it. */
export const assess = aStep('assess', { tool: 'claims', action: 'assess', agent: 'assessor' });
export const payout = aStep('payout', {
  tool: 'billing',
  action: 'payout',
  agent: 'payout-agent',
  dependsOn: ['assess'],
  policyTags: ['payout'],
});

/**
 * {@link aPlan} overrides of a claim-review plan. Agents: `payout-agent` and `payout-backup` may pay; `clerk` may only
 * read claims.
 */
export const CLAIM_REVIEW: Partial<Plan> = {
  workflowId: 'claim-review',
  agents: {
    assessor: ['claims.assess'],
    'payout-agent': ['billing.payout'],
    'payout-backup': ['billing.payout'],
    clerk: ['claims.read'],
  },
};

const allow: PolicyDecision = { outcome: 'allow', rules: [], rationale: 'allowed', auditId: 'aud-1' };
const approval: PolicyDecision = {
  outcome: 'require_approval',
  rules: [],
  rationale: 'payout over 50,000',
  auditId: 'aud-2',
  gate: { reviewers: ['claims-lead'], slaSeconds: 14_400, escalateTo: [], reason: 'payout over 50,000' },
};

const fixtures = runEventFixtures(RUN_ID, { time: () => NOW });

/** Event builders for given/when/then specs of the policy service (the facts it reads), over {@link runEventFixtures}. */
export const ev = {
  ...fixtures,
  evaluated: (stepId: string, attempt = 1, decision = allow) => fixtures.evaluated(stepId, attempt, decision),
  evaluatedForApproval: (stepId: string, attempt = 1) => fixtures.evaluated(stepId, attempt, approval),
  stepStarted: (step: PlanStep, attempt = 1, input: unknown = payoutInput(10)) =>
    fixtures.stepStarted(step, attempt, { input }),
  failed: (stepId: string, attempt = 1) =>
    fixtures.failed(stepId, attempt, { error: { code: 'timeout', message: 'slow', retryable: true } }),
  retryScheduled: (stepId: string, attempt: number, agent?: string) =>
    fixtures.retryScheduled(stepId, attempt, agent === undefined ? {} : { agent, requestedBy: 'operator-1' }),
  gateOpened: (stepId: string, source: GateSource = 'definition') => fixtures.gateOpened(stepId, { source }),
  /** `assess` allowed, started and succeeded. */
  assessed: (): RunEvent[] => [ev.evaluated('assess'), ev.stepStarted(assess, 1, {}), ev.succeeded('assess')],
};

export const payoutInput = (amount: number) => ({ claimId: 'CLM-2026-0001', amount, currency: 'EUR' });

/** The wire request the executor sends for `payout` (attempt 1 unless given). */
export const payoutRequest = (
  amount: number,
  overrides: Partial<PolicyEvaluateRequest> = {},
): PolicyEvaluateRequest => ({
  runId: RUN_ID,
  stepId: 'payout',
  attempt: 1,
  input: payoutInput(amount),
  inputDigest: DIGEST,
  ...overrides,
});

/** Runs folded from their events, by id: the policy service's `LoadRun` over a fixed history. */
export function runsOf(histories: Record<string, readonly RunEvent[]>): (runId: string) => Promise<RunState> {
  return async (runId) => foldRun(histories[runId] ?? []);
}
