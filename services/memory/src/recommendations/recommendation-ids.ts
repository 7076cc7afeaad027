import { createHash } from 'node:crypto';
import { ValidationError } from '@ledgerflow/domain';
import type { RecommendationKind } from '@ledgerflow/contracts';

/** The kinds a recommendation id may name, in the order of docs/memory.md. */
export const RECOMMENDATION_KINDS: readonly RecommendationKind[] = [
  'add_recovery_rule',
  'raise_step_timeout',
  'add_pre_validation',
  'adjust_confidence_threshold',
];

const hex12 = (name: string): string => createHash('sha256').update(name).digest('hex').slice(0, 12);

/**
 * The name-based id of a recommendation: `<workflowId>.<kind>.<12 hex>`, the hex being the first 48 bits of the
 * SHA-256 of `workflowId`, `kind`, the memory scope key and the pattern key (e.g. `step|code|tool.action,...`),
 * newline-separated. The same pattern in the same scope always gets the same id, so it is proposed once.
 * @example recommendationIdOf('invoices', 'raise_step_timeout', '', 'fetch|30000') // 'invoices.raise_step_timeout.3f0c…'
 */
export function recommendationIdOf(
  workflowId: string,
  kind: RecommendationKind,
  scopeKey: string,
  patternKey: string,
): string {
  return `${workflowId}.${kind}.${hex12([workflowId, kind, scopeKey, patternKey].join('\n'))}`;
}

const ID = /^([a-z][a-z0-9-]{0,62})\.([a-z_]+)\.([0-9a-f]{12})$/;

/**
 * The workflow id and kind a recommendation id names (workflow ids hold no dot: `^[a-z][a-z0-9-]{0,62}$`).
 * @throws ValidationError `recommendation_id_invalid` (details `{ field: 'recommendationId', rule }`) for anything
 *   else than `<workflowId>.<kind>.<12 hex>` with a known kind.
 */
export function parseRecommendationId(recommendationId: string): { workflowId: string; kind: RecommendationKind } {
  const match = ID.exec(recommendationId);
  const kind = match?.[2] as RecommendationKind | undefined;
  if (!match || kind === undefined || !RECOMMENDATION_KINDS.includes(kind)) {
    throw new ValidationError(
      'recommendation_id_invalid',
      `recommendation id "${recommendationId}" is not <workflowId>.<kind>.<12 hex>`,
      { field: 'recommendationId', rule: 'recommendation_id' },
    );
  }
  return { workflowId: match[1] as string, kind };
}

/** The id of the learned rule a recommendation proposes: `learned-<8 hex>` of its recommendation id (unique per workflow). */
export const learnedRuleIdOf = (recommendationId: string): string => `learned-${hex12(recommendationId).slice(0, 8)}`;
