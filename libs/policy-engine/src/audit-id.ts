import { createHash } from 'node:crypto';
import { canonicalJson } from '@ledgerflow/audit';
import type { PolicyFacts } from '@ledgerflow/contracts';

/**
 * The decision's audit id: `aud-` + the first 32 hex digits of sha256 over the canonical JSON of the
 * policy facts (`canonicalJson` of @ledgerflow/audit) and the packs' digest (`PolicyPackSet.digest`: every `<id>@<version>` and
 * file content). The same facts and packs always give the same id; another run, step, attempt, input,
 * capability, or an edited pack gives another. The audit record is the `StepPolicyEvaluated` event.
 */
export function auditIdOf(request: PolicyFacts, packsDigest: string): string {
  const digest = createHash('sha256').update(canonicalJson(request)).update('\n').update(packsDigest).digest('hex');
  return `aud-${digest.slice(0, 32)}`;
}
