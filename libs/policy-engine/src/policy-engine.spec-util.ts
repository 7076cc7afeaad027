import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PolicyFacts } from '@ledgerflow/contracts';
import type { LedgerflowError } from '@ledgerflow/domain';

/** The claim-review example packs. */
export const EXAMPLE_POLICIES = fileURLToPath(new URL('../../../examples/claim-review/policies', import.meta.url));

/** A payout request of the claim-review workflow; override any field. */
export const payoutRequest = (overrides: Partial<PolicyFacts> = {}): PolicyFacts => ({
  runId: 'run-1',
  workflowId: 'claim-review',
  stepId: 'payout',
  attempt: 1,
  agent: 'payout-agent',
  agentCapabilities: ['billing.payout'],
  tool: 'billing',
  action: 'payout',
  policyTags: ['payout'],
  input: { claimId: 'CLM-2026-0001', amount: 100, currency: 'EUR' },
  ...overrides,
});

/** The error `fn` throws (fails the test when it throws nothing). */
export function thrown(fn: () => unknown): LedgerflowError {
  try {
    fn();
  } catch (error) {
    return error as LedgerflowError;
  }
  throw new Error('expected an error');
}

/** A temporary directory with the given files; `remove()` deletes it. */
export function packDir(files: Record<string, string>): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'lf-policy-engine-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
