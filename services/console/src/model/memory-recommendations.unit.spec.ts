import type { RecommendationImpactMeasured, RecommendationView } from '@ledgerflow/contracts';
import { decodeIdentity } from './jwt-claims.js';
import type { SignedInIdentity } from './jwt-claims.js';
import {
  appliedSentence,
  canDecideRecommendations,
  decisionRequestOf,
  effectRowsOf,
  impactRowsOf,
  MAX_DECISION_COMMENT,
  orderedForReview,
  proposalSentence,
} from './memory-recommendations.js';

const jwtWith = (claims: Record<string, unknown>): string =>
  ['{"alg":"none"}', JSON.stringify(claims), 'sig'].map((part) => Buffer.from(part).toString('base64url')).join('.');
const identity = (scope: string): SignedInIdentity => decodeIdentity(jwtWith({ sub: 'lead-lou', scope }));

const refreshRule = {
  id: 'learned-0a1b2c3d',
  on: { step: 'call_api', code: 'token_expired' },
  steps: [{ id: 'refresh_token', agent: 'caller', tool: 'bench', action: 'refresh_token' }],
};

describe('recommendations as the memory page shows and decides them', () => {
  it('offers decisions to workflows:write and admin tokens, and to API keys (their scopes are not in the key)', () => {
    expect(canDecideRecommendations(identity('runs:read workflows:write'))).toBe(true);
    expect(canDecideRecommendations(identity('admin'))).toBe(true);
    expect(canDecideRecommendations(identity('runs:read runs:operate'))).toBe(false);
    expect(canDecideRecommendations(decodeIdentity(`lfk_0123456789abcdef_${'a'.repeat(43)}`))).toBe(true);
  });

  it('sends the trimmed comment, none when blank, and refuses one longer than the API takes', () => {
    expect(decisionRequestOf('memory-token.add_recovery_rule.abc', 'accept', '  the pattern is clear ')).toEqual({
      path: '/v1/recommendations/memory-token.add_recovery_rule.abc/accept',
      body: { comment: 'the pattern is clear' },
    });
    expect(decisionRequestOf('a/b', 'reject', '   ')).toEqual({ path: '/v1/recommendations/a%2Fb/reject', body: {} });
    expect(decisionRequestOf('r', 'accept', 'x'.repeat(MAX_DECISION_COMMENT + 1))).toEqual({
      error: `The comment has ${MAX_DECISION_COMMENT + 1} characters; the API takes at most ${MAX_DECISION_COMMENT}.`,
    });
  });

  it('says what each kind of proposal changes, and what is in force once applied', () => {
    expect(proposalSentence({ proposal: { rule: refreshRule } })).toBe(
      'When call_api fails with token_expired: add refresh_token (bench.refresh_token as caller), then retry call_api.',
    );
    expect(proposalSentence({ proposal: { stepId: 'score', timeoutMs: 7500 } })).toBe(
      'Set the timeout of score to 7.5 s (a new workflow version).',
    );
    expect(proposalSentence({ proposal: { stepId: 'extract', minConfidence: 0.7 } })).toBe(
      'Set the minConfidence of extract to 0.7 (a new workflow version).',
    );
    expect(
      proposalSentence({
        proposal: {
          beforeStepId: 'pay',
          step: { id: 'validate_pay', agent: 'clerk', tool: 'bank', action: 'validate' },
        },
      }),
    ).toBe('Add the optional step validate_pay (bank.validate as clerk) before pay (a new workflow version).');
    const rule = { ...refreshRule, recommendationId: 'r', workflowId: 'memory-token', scope: ['tests', 'tokens'] };
    expect(appliedSentence({ recommendationId: 'r', kind: 'add_recovery_rule', rule, appliedAt: '' })).toBe(
      'Rule learned-0a1b2c3d in force (scope tests, tokens): when call_api fails with token_expired, add refresh_token, then retry.',
    );
    expect(
      appliedSentence({ recommendationId: 'r', kind: 'raise_step_timeout', workflowVersion: '1.0.1', appliedAt: '' }),
    ).toBe('Workflow version 1.0.1 registered with the change.');
  });

  it('labels the projected effects it knows and names the others', () => {
    expect(effectRowsOf({ operatorFixesAvoidedPerRun: 0.1, expectedSuccessRate: 1, somethingNew: 2.34567 })).toEqual([
      { label: 'Operator fixes avoided per run', value: '0.1' },
      { label: 'Expected success rate of the fix', value: '100%' },
      { label: 'somethingNew', value: '2.346' },
    ]);
  });

  it('sets the impact figures before and after side by side', () => {
    const figures = (runs: number, successRate: number, meanDurationMs: number, operatorInterventions: number) => ({
      runs,
      successRate,
      meanDurationMs,
      meanGateWaitMs: 0,
      operatorInterventions,
    });
    const impact: RecommendationImpactMeasured = {
      recommendationId: 'r',
      before: figures(5, 0.8, 12_340, 2),
      after: figures(5, 1, 640, 0),
      measuredAt: '',
    };
    expect(impactRowsOf(impact)).toEqual([
      { label: 'Runs', before: '5', after: '5' },
      { label: 'Success rate', before: '80%', after: '100%' },
      { label: 'Mean duration', before: '12.3 s', after: '640 ms' },
      { label: 'Mean gate wait', before: '0 ms', after: '0 ms' },
      { label: 'Runs with an operator intervention', before: '2', after: '0' },
    ]);
  });

  it('puts the proposed ones first, each group in the order the API listed it', () => {
    const of = (recommendationId: string, status: RecommendationView['status']) =>
      ({ recommendationId, status }) as RecommendationView;
    const listed = [of('a', 'applied'), of('b', 'proposed'), of('c', 'rejected'), of('d', 'proposed')];
    expect(orderedForReview(listed).map((r) => r.recommendationId)).toEqual(['b', 'd', 'a', 'c']);
  });
});
