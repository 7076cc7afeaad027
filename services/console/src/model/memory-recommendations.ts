import type {
  ImpactFigures,
  LearnedRecoveryStep,
  RecommendationApplied,
  RecommendationImpactMeasured,
  RecommendationKind,
  RecommendationView,
} from '@ledgerflow/contracts';
import type { SignedInIdentity } from './jwt-claims.js';

/**
 * What the memory page shows of `GET /v1/workflows/{id}/recommendations` and what a decision sends
 * (`POST /v1/recommendations/{id}/accept|reject`; shapes: libs/contracts/src/memory.ts; rules and projected effects:
 * docs/memory.md, "Recommendations").
 */

export const RECOMMENDATION_KIND_LABELS: Readonly<Record<RecommendationKind, string>> = {
  add_recovery_rule: 'Add a recovery rule',
  raise_step_timeout: 'Raise a step timeout',
  add_pre_validation: 'Add a pre-validation step',
  adjust_confidence_threshold: 'Adjust a confidence threshold',
};

/** The longest comment the API takes with a decision (`RecommendationDecisionBody`, docs/api.md). */
export const MAX_DECISION_COMMENT = 2000;

/**
 * Whether to offer Accept and Reject: the token carries `workflows:write` or `admin`, the scopes the API requires.
 * An API key's scopes are not in the key, so it is offered them and the API decides (as the gates inbox does).
 */
export function canDecideRecommendations(identity: SignedInIdentity): boolean {
  return (
    identity.kind === 'api_key' || identity.scopes.some((scope) => scope === 'workflows:write' || scope === 'admin')
  );
}

/** The request a decision sends: the comment trimmed, left out when empty; too long a comment is refused here. */
export function decisionRequestOf(
  recommendationId: string,
  decision: 'accept' | 'reject',
  comment: string,
): { readonly path: string; readonly body: { comment?: string } } | { readonly error: string } {
  const text = comment.trim();
  if (text.length > MAX_DECISION_COMMENT)
    return { error: `The comment has ${text.length} characters; the API takes at most ${MAX_DECISION_COMMENT}.` };
  return {
    path: `/v1/recommendations/${encodeURIComponent(recommendationId)}/${decision}`,
    body: text ? { comment: text } : {},
  };
}

const stepSentence = (step: LearnedRecoveryStep): string => `${step.id} (${step.tool}.${step.action} as ${step.agent})`;

/** What accepting would change, in one sentence. */
export function proposalSentence(recommendation: Pick<RecommendationView, 'proposal'>): string {
  const { proposal } = recommendation;
  if ('rule' in proposal)
    return `When ${proposal.rule.on.step} fails with ${proposal.rule.on.code}: add ${proposal.rule.steps
      .map(stepSentence)
      .join(', ')}, then retry ${proposal.rule.on.step}.`;
  if ('timeoutMs' in proposal)
    return `Set the timeout of ${proposal.stepId} to ${seconds(proposal.timeoutMs)} (a new workflow version).`;
  if ('minConfidence' in proposal)
    return `Set the minConfidence of ${proposal.stepId} to ${proposal.minConfidence} (a new workflow version).`;
  return `Add the optional step ${stepSentence(proposal.step)} before ${proposal.beforeStepId} (a new workflow version).`;
}

/** What is in force once applied: the learned rule (its id and scope) or the new workflow version. */
export function appliedSentence(applied: RecommendationApplied): string {
  if (applied.rule) {
    const { rule } = applied;
    const scope = rule.scope.length ? ` (scope ${rule.scope.join(', ')})` : '';
    return `Rule ${rule.id} in force${scope}: when ${rule.on.step} fails with ${rule.on.code}, add ${rule.steps
      .map((step) => step.id)
      .join(', ')}, then retry.`;
  }
  if (applied.workflowVersion) return `Workflow version ${applied.workflowVersion} registered with the change.`;
  return 'Applied.';
}

/** Known projected-effect figures (docs/memory.md), their labels and how to read them; others show as named. */
const EFFECTS: Readonly<Record<string, { readonly label: string; readonly format: (n: number) => string }>> = {
  operatorFixesAvoidedPerRun: { label: 'Operator fixes avoided per run', format: (n) => decimal(n) },
  expectedSuccessRate: { label: 'Expected success rate of the fix', format: (n) => percent(n) },
  timeoutMs: { label: 'Timeout', format: (n) => seconds(n) },
  p99Headroom: { label: 'Headroom over p99', format: (n) => `${decimal(n)}×` },
  invalidInputRunShare: { label: 'Runs with invalid input', format: (n) => percent(n) },
  failuresPerRun: { label: 'Failures per run', format: (n) => decimal(n) },
  acceptedShare: { label: 'Accepted unchanged at or above the threshold', format: (n) => percent(n) },
  reviewedShare: { label: 'Share of results reviewed', format: (n) => percent(n) },
};

/** The projected effect as label/value pairs, in the order memory wrote them. */
export function effectRowsOf(effect: Readonly<Record<string, number>>): { label: string; value: string }[] {
  return Object.entries(effect).map(([name, value]) => {
    const known = EFFECTS[name];
    return known ? { label: known.label, value: known.format(value) } : { label: name, value: decimal(value) };
  });
}

/** The measured impact's figures, before and after the change, formatted (durations in ms as seconds). */
export function impactRowsOf(impact: RecommendationImpactMeasured): { label: string; before: string; after: string }[] {
  const rows: [string, (figures: ImpactFigures) => string][] = [
    ['Runs', (f) => String(f.runs)],
    ['Success rate', (f) => percent(f.successRate)],
    ['Mean duration', (f) => seconds(f.meanDurationMs)],
    ['Mean gate wait', (f) => seconds(f.meanGateWaitMs)],
    ['Runs with an operator intervention', (f) => String(f.operatorInterventions)],
  ];
  return rows.map(([label, of]) => ({ label, before: of(impact.before), after: of(impact.after) }));
}

/** The recommendations still waiting for a person first (oldest first among them), then the decided ones. */
export function orderedForReview(recommendations: readonly RecommendationView[]): RecommendationView[] {
  const proposed = recommendations.filter((r) => r.status === 'proposed');
  return [...proposed, ...recommendations.filter((r) => r.status !== 'proposed')];
}

const percent = (share: number): string => `${Math.round(share * 1000) / 10}%`;
const decimal = (n: number): string => String(Math.round(n * 1000) / 1000);
const seconds = (ms: number): string => (ms < 1000 ? `${Math.round(ms)} ms` : `${Math.round(ms / 100) / 10} s`);
