import { createHash } from 'node:crypto';
import type { PolicyFacts } from '@ledgerflow/contracts';

/**
 * The decision's audit id: `aud-` + the first 32 hex digits of sha256 over the canonical JSON of the
 * policy facts (object keys sorted) and the packs' digest (`PolicyPackSet.digest`: every `<id>@<version>` and
 * file content). The same facts and packs always give the same id; another run, step, attempt, input,
 * capability, or an edited pack gives another. The audit record is the `StepPolicyEvaluated` event.
 */
export function auditIdOf(request: PolicyFacts, packsDigest: string): string {
  const digest = createHash('sha256').update(canonicalJson(request)).update('\n').update(packsDigest).digest('hex');
  return `aud-${digest.slice(0, 32)}`;
}

/** JSON with object keys sorted at every level (`undefined` members dropped, like JSON.stringify). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : canonicalJson(item))).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
