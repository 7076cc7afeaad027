import { generateKeyPairSync } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { PolicyEvaluateRequest } from '@ledgerflow/contracts';

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

export const payoutRequest = (amount: number, overrides: Partial<PolicyEvaluateRequest> = {}): PolicyEvaluateRequest => ({
  runId: 'run-7', workflowId: 'claim-review', stepId: 'payout', attempt: 2, agent: 'payout-agent',
  agentCapabilities: ['billing.payout'], tool: 'billing', action: 'payout', policyTags: ['payout'],
  input: { claimId: 'CLM-2026-0001', amount, currency: 'EUR' },
  ...overrides,
});
