import fc from 'fast-check';
import type { StepCalibration } from '@ledgerflow/contracts';
import type { OperatorFix, StepTiming } from '../memory-facts.js';
import { fix, literalFacts, outcome } from './literal-facts.spec-util.js';
import {
  MIN_ACCEPTED_SHARE,
  MIN_CALIBRATION_REVIEWS,
  MIN_FIX_EVIDENCE,
  MIN_FIX_SUCCESS_RATE,
  MIN_TIMING_SAMPLES,
  TIMEOUT_PROXIMITY,
  calibratedThreshold,
  propose,
  proposedTimeoutMs,
} from './propose.js';
import { parseRecommendationId } from './recommendation-ids.js';

const NOW = '2026-05-02T00:00:00.000Z';
const definition = {
  steps: [
    { id: 'fetch_invoice', tool: 'erp', action: 'fetch', agent: 'main' },
    { id: 'score', tool: 'model', action: 'score', agent: 'scorer', minConfidence: 0.5 },
  ],
};

/** Fixes over a few steps, codes, actions, added-step signatures, scopes and outcomes. */
const fixesArb = fc
  .array(
    fc.record({
      stepId: fc.constantFrom('fetch_invoice', 'post'),
      code: fc.constantFrom('token_expired', 'upstream_timeout', 'input_invalid'),
      action: fc.constantFrom('revise+retry', 'revise+retry', 'retry', 'skip'),
      tool: fc.constantFrom('auth.refresh', 'auth.login'),
      scope: fc.constantFrom([], ['claims']),
      succeeded: fc.boolean(),
    }),
    { maxLength: 40 },
  )
  .map((drafts) =>
    drafts.map((draft, i): OperatorFix => {
      const [tool, action] = draft.tool.split('.') as [string, string];
      return fix(i, {
        stepId: draft.stepId,
        code: draft.code,
        action: draft.action,
        scope: draft.scope,
        succeeded: draft.succeeded,
        addedSteps: draft.action === 'revise+retry' ? [{ id: 'fix_step', agent: 'main', tool, action }] : [],
      });
    }),
  );

describe('propose: add_recovery_rule', () => {
  it('proposes the rule of 3 operator fixes by the same added step, 2 of which succeeded, with the right counts', () => {
    const facts = literalFacts({
      fixes: [fix(1), fix(2, { succeeded: false }), fix(3)],
      outcomes: Array.from({ length: 30 }, (_, i) => outcome(`r${i}`, i)),
    });
    const [proposal, ...rest] = propose(facts, 'wf', { now: NOW });
    expect(rest).toEqual([]);
    expect(proposal).toMatchObject({
      workflowId: 'wf',
      kind: 'add_recovery_rule',
      scope: [],
      evidence: { runs: 30, occurrences: 3, succeeded: 2, exampleRunIds: ['r1', 'r2', 'r3'] },
      projectedEffect: { operatorFixesAvoidedPerRun: 3 / 30, expectedSuccessRate: 2 / 3 },
      proposal: {
        rule: {
          on: { step: 'fetch_invoice', code: 'token_expired' },
          steps: [{ id: 'refresh_token', agent: 'main', tool: 'auth', action: 'refresh' }],
        },
      },
      proposedAt: NOW,
    });
    expect(proposal?.recommendationId).toMatch(/^wf\.add_recovery_rule\.[0-9a-f]{12}$/);
    expect((proposal?.proposal as { rule: { id: string } }).rule.id).toMatch(/^learned-[0-9a-f]{8}$/);
    expect(proposal?.summary).toContain('refresh_token');
  });

  it('every proposal has counts consistent with the facts, passes the thresholds, and keeps its id whatever the time', () => {
    fc.assert(
      fc.property(fixesArb, fc.constantFrom([], ['claims']), (fixes, scope) => {
        const facts = literalFacts({ fixes, scope, runs: 100 });
        const proposals = propose(facts, 'wf', { now: NOW }).filter((p) => p.kind === 'add_recovery_rule');
        for (const proposal of proposals) {
          const rule = (
            proposal.proposal as unknown as {
              rule: { on: { step: string; code: string }; steps: { tool: string; action: string }[] };
            }
          ).rule;
          const signature = rule.steps.map((step) => `${step.tool}.${step.action}`).join(',');
          const same = fixes.filter(
            (f) =>
              f.action === 'revise+retry' &&
              f.stepId === rule.on.step &&
              f.code === rule.on.code &&
              f.scope.join(',') === scope.join(',') &&
              f.addedSteps.map((step) => `${step.tool}.${step.action}`).join(',') === signature,
          );
          expect(proposal.evidence.occurrences).toBe(same.length);
          expect(proposal.evidence.succeeded).toBe(same.filter((f) => f.succeeded).length);
          expect(same.length).toBeGreaterThanOrEqual(MIN_FIX_EVIDENCE);
          expect(same.filter((f) => f.succeeded).length / same.length).toBeGreaterThanOrEqual(MIN_FIX_SUCCESS_RATE);
          expect(proposal.scope).toEqual(scope);
          expect(parseRecommendationId(proposal.recommendationId)).toEqual({
            workflowId: 'wf',
            kind: 'add_recovery_rule',
          });
        }
        const later = propose(facts, 'wf', { now: '2027-01-01T00:00:00.000Z' });
        expect(later.map((p) => p.recommendationId)).toEqual(
          propose(facts, 'wf', { now: NOW }).map((p) => p.recommendationId),
        );
        expect(new Set(later.map((p) => p.recommendationId)).size).toBe(later.length);
      }),
    );
  });

  it('proposes nothing under the thresholds: fewer than 3 fixes, a success rate under 0.6, plain retries, another scope', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MIN_FIX_EVIDENCE - 1 }), fc.integer({ min: 3, max: 20 }), (few, n) => {
        const failing = Math.floor(n * (1 - MIN_FIX_SUCCESS_RATE)) + 1;
        const cases = [
          Array.from({ length: few }, (_, i) => fix(i)),
          Array.from({ length: n }, (_, i) => fix(i, { succeeded: i >= failing })),
          Array.from({ length: n }, (_, i) => fix(i, { action: 'retry', addedSteps: [] })),
          Array.from({ length: n }, (_, i) => fix(i, { scope: ['claims'] })),
        ];
        for (const fixes of cases) {
          expect(propose(literalFacts({ fixes, runs: 50 }), 'wf', { now: NOW })).toEqual([]);
        }
      }),
    );
  });
});

describe('propose: raise_step_timeout', () => {
  const timing = (overrides: Partial<StepTiming>): StepTiming => ({
    workflowId: 'wf',
    stepId: 'fetch_invoice',
    timeoutMs: 10_000,
    samples: 40,
    p95DurationMs: 7_000,
    p99DurationMs: 8_500,
    ...overrides,
  });

  it('proposes ceil(p99 × 1.5 / 1 s) s when p99 >= 80% of the timeout over >= 20 samples, and only then', () => {
    expect(propose(literalFacts({ timings: [timing({})], runs: 40 }), 'wf', { now: NOW })[0]).toMatchObject({
      kind: 'raise_step_timeout',
      proposal: { stepId: 'fetch_invoice', timeoutMs: 13_000 },
      evidence: { occurrences: 40, figures: { p99DurationMs: 8_500, timeoutMs: 10_000 } },
    });
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 1_000, max: 120_000 }),
        fc.double({ min: 0, max: 2, noNaN: true }),
        (samples, timeoutMs, ratio) => {
          const p99DurationMs = timeoutMs * ratio;
          const proposals = propose(literalFacts({ timings: [timing({ samples, timeoutMs, p99DurationMs })] }), 'wf', {
            now: NOW,
          });
          const expected =
            samples >= MIN_TIMING_SAMPLES &&
            p99DurationMs >= TIMEOUT_PROXIMITY * timeoutMs &&
            proposedTimeoutMs(p99DurationMs) > timeoutMs;
          expect(proposals.length).toBe(expected ? 1 : 0);
          if (expected)
            expect(proposals[0]?.proposal).toEqual({
              stepId: 'fetch_invoice',
              timeoutMs: proposedTimeoutMs(p99DurationMs),
            });
        },
      ),
    );
  });
});

describe('propose: adjust_confidence_threshold', () => {
  const bucketsArb = fc.array(fc.tuple(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 30 })), {
    minLength: 10,
    maxLength: 10,
  });
  const calibrationOf = (counts: [number, number][]): StepCalibration => ({
    stepId: 'score',
    reviewed: counts.reduce((sum, [accepted, other]) => sum + accepted + other, 0),
    expectedCalibrationError: 0.1,
    buckets: counts.map(([accepted, other], i) => ({
      from: i / 10,
      to: (i + 1) / 10,
      count: accepted + other,
      meanConfidence: i / 10 + 0.05,
      accepted,
      corrected: other,
      rejected: 0,
    })),
  });

  it('proposes the lowest bucket bound above which >= 95% of >= 20 reviews were accepted unchanged', () => {
    fc.assert(
      fc.property(bucketsArb, (counts) => {
        const calibration = calibrationOf(counts);
        const found = calibratedThreshold(calibration);
        const qualifies = (from: number): boolean => {
          const above = calibration.buckets.filter((b) => b.from >= from);
          const reviewed = above.reduce((sum, b) => sum + b.count, 0);
          return (
            reviewed >= MIN_CALIBRATION_REVIEWS &&
            above.reduce((s, b) => s + b.accepted, 0) >= MIN_ACCEPTED_SHARE * reviewed
          );
        };
        const lowest = calibration.buckets
          .filter((b) => b.count > 0)
          .map((b) => b.from)
          .find(qualifies);
        expect(found?.threshold).toBe(lowest === undefined ? undefined : Math.round(lowest * 1e4) / 1e4);
        const proposals = propose(literalFacts({ calibration: [calibration] }), 'wf', { now: NOW, definition });
        const expected = lowest !== undefined && Math.abs(lowest - 0.5) > 1e-9;
        expect(proposals.length).toBe(expected ? 1 : 0);
        if (expected) {
          expect(proposals[0]).toMatchObject({
            kind: 'adjust_confidence_threshold',
            proposal: { stepId: 'score', minConfidence: found?.threshold },
            evidence: { occurrences: found?.reviewed, succeeded: found?.accepted, figures: { currentThreshold: 0.5 } },
          });
        }
      }),
    );
  });

  it('says the threshold in force is unknown without the definition', () => {
    const calibration = calibrationOf([
      [0, 9],
      [0, 0],
      [0, 0],
      [0, 0],
      [0, 0],
      [0, 0],
      [0, 0],
      [20, 1],
      [10, 0],
      [0, 0],
    ]);
    const [proposal] = propose(literalFacts({ calibration: [calibration] }), 'wf', { now: NOW });
    expect(proposal).toMatchObject({ proposal: { minConfidence: 0.7 } });
    expect(proposal?.summary).toContain('unknown threshold');
  });
});

describe('propose: add_pre_validation', () => {
  const invalid = (n: number, stepId = 'fetch_invoice') =>
    fix(n, { stepId, code: 'input_invalid', action: 'skip', addedSteps: [], succeeded: false });

  it("proposes an optional validate step on the failing step's tool when >= 5 failures in >= 10% of runs", () => {
    const facts = literalFacts({ fixes: [1, 2, 3, 4, 5].map((n) => invalid(n)), runs: 50 });
    expect(propose(facts, 'wf', { now: NOW, definition })).toMatchObject([
      {
        kind: 'add_pre_validation',
        evidence: { runs: 50, occurrences: 5, figures: { failedRuns: 5 } },
        projectedEffect: { invalidInputRunShare: 0.1 },
        proposal: {
          beforeStepId: 'fetch_invoice',
          step: { id: 'validate_fetch_invoice', tool: 'erp', action: 'validate', agent: 'main' },
        },
      },
    ]);
    expect(
      propose(literalFacts({ fixes: [1, 2, 3, 4, 5].map((n) => invalid(n)), runs: 51 }), 'wf', {
        now: NOW,
        definition,
      }),
    ).toEqual([]);
    expect(
      propose(literalFacts({ fixes: [1, 2, 3, 4].map((n) => invalid(n)), runs: 10 }), 'wf', { now: NOW, definition }),
    ).toEqual([]);
    expect(propose(facts, 'wf', { now: NOW })).toEqual([]);
  });
});
