import fc from 'fast-check';
import { stepCalibration } from './calibration.js';
import {
  CALIBRATION_MAX_ECE,
  CALIBRATION_MIN_REVIEWED,
  FAILURE_CLUSTER_MIN_COUNT,
  FAILURE_CLUSTER_MIN_SHARE,
  GATE_WAIT_MIN_DECISIONS,
  OPERATOR_FIX_MIN_OCCURRENCES,
  SLOW_STEP_MIN_SAMPLES,
  computeInsights,
  duration,
} from './insights.js';
import type { MemorySnapshot } from './insights.js';
import type { OperatorFix } from './memory-facts.js';

const seen = {
  firstSeen: '2026-11-02T08:00:00.000Z',
  lastSeen: '2026-11-20T08:00:00.000Z',
  exampleRunIds: ['r1', 'r2'],
};
const empty: MemorySnapshot = {
  workflowId: 'claims',
  scope: ['claims'],
  runs: 100,
  clusters: [],
  timings: [],
  gateWaits: [],
  fixes: [],
  calibration: [],
  usage: { inputTokens: 0, outputTokens: 0, costUsd: 0, steps: 0, byStep: {} },
};
const kinds = (snapshot: Partial<MemorySnapshot>) =>
  computeInsights({ ...empty, ...snapshot }).insights.map((i) => i.kind);

describe('computeInsights', () => {
  it('reports a failure cluster from 3 failures in 5% of the runs, with its sentence and evidence', () => {
    const cluster = {
      stepId: 'fraud_screen',
      code: 'upstream_timeout',
      tool: 'fraud.screen',
      count: 14,
      runs: 12,
      ...seen,
    };
    const [insight] = computeInsights({ ...empty, clusters: [cluster] }).insights;
    expect(insight).toEqual({
      kind: 'failure_cluster',
      stepId: 'fraud_screen',
      summary: 'fraud_screen fails with upstream_timeout in 12% of runs since 2026-11-02',
      evidence: {
        runs: 100,
        occurrences: 14,
        from: seen.firstSeen,
        to: seen.lastSeen,
        exampleRunIds: ['r1', 'r2'],
        figures: { runsAffected: 12, share: 0.12 },
      },
    });
    expect(kinds({ clusters: [{ ...cluster, count: FAILURE_CLUSTER_MIN_COUNT - 1, runs: 2 }] })).toEqual([]);
    expect(kinds({ clusters: [{ ...cluster, count: 30, runs: FAILURE_CLUSTER_MIN_SHARE * 100 - 1 }] })).toEqual([]);
    expect(kinds({ clusters: [{ ...cluster, count: 3, runs: FAILURE_CLUSTER_MIN_SHARE * 100 }] })).toEqual([
      'failure_cluster',
    ]);
  });

  it('reports a slow step when its p99 reaches 80% of its timeout over 20 attempts', () => {
    const timing = {
      workflowId: 'claims',
      stepId: 'fetch',
      timeoutMs: 5000,
      samples: SLOW_STEP_MIN_SAMPLES,
      p95DurationMs: 3000,
      p99DurationMs: 4000,
      ...seen,
    };
    expect(computeInsights({ ...empty, timings: [timing] }).insights[0].summary).toBe(
      'fetch takes 4s at p99, 80% of its 5s timeout (20 attempts)',
    );
    expect(kinds({ timings: [{ ...timing, p99DurationMs: 3999 }] })).toEqual([]);
    expect(kinds({ timings: [{ ...timing, samples: SLOW_STEP_MIN_SAMPLES - 1 }] })).toEqual([]);
  });

  it("reports a step's p95 gate wait from 5 decisions", () => {
    const wait = {
      stepId: 'pay',
      count: GATE_WAIT_MIN_DECISIONS,
      totalMs: 5 * 3_600_000,
      p95WaitMs: 7_500_000,
      ...seen,
    };
    const [insight] = computeInsights({ ...empty, gateWaits: [wait] }).insights;
    expect(insight.summary).toBe('pay waits 2h 5m at its gate at p95 (5 decisions)');
    expect(insight.evidence.figures).toEqual({ p95WaitMs: 7_500_000, meanWaitMs: 3_600_000 });
    expect(kinds({ gateWaits: [{ ...wait, count: GATE_WAIT_MIN_DECISIONS - 1 }] })).toEqual([]);
  });

  it('reports a fix pattern seen 3 times, with how often the step then succeeded; cancels are no fix', () => {
    const fix = (runId: string, succeeded: boolean, action = 'revise+retry'): OperatorFix => ({
      workflowId: 'claims',
      scope: ['claims'],
      runId,
      stepId: 'fetch',
      code: 'token_expired',
      action,
      addedSteps:
        action === 'revise+retry' ? [{ id: 'refresh_token', agent: 'a', tool: 'auth', action: 'refresh' }] : [],
      actor: 'olga',
      failedAt: `2026-11-0${runId.slice(1)}T08:00:00.000Z`,
      fixedAt: `2026-11-0${runId.slice(1)}T09:00:00.000Z`,
      succeeded,
    });
    const fixes = [
      fix('r1', true),
      fix('r2', false),
      fix('r3', true),
      fix('r4', false, 'cancel'),
      fix('r5', false, 'cancel'),
      fix('r6', false, 'cancel'),
    ];
    const insights = computeInsights({ ...empty, fixes }).insights;
    expect(insights).toEqual([
      {
        kind: 'operator_fix',
        stepId: 'fetch',
        summary:
          'fetch failing with token_expired was fixed by adding refresh_token (auth.refresh) and retrying 3 times (2 then succeeded)',
        evidence: {
          runs: 100,
          occurrences: 3,
          succeeded: 2,
          from: '2026-11-01T09:00:00.000Z',
          to: '2026-11-03T09:00:00.000Z',
          exampleRunIds: ['r1', 'r2', 'r3'],
          figures: { successRate: 2 / 3 },
        },
      },
    ]);
    expect(kinds({ fixes: fixes.slice(0, OPERATOR_FIX_MIN_OCCURRENCES - 1) })).toEqual([]);
  });

  it('reports miscalibration from an expected calibration error of 0.1 over 20 reviews', () => {
    // 20 results at confidence 0.5, accepted `accepted` times: ECE = |accepted/20 − 0.5|.
    const calibrated = (accepted: number) => ({
      ...stepCalibration(
        'extract',
        [
          {
            bucket: 5,
            count: CALIBRATION_MIN_REVIEWED,
            confidenceMicros: 10_000_000,
            accepted,
            corrected: CALIBRATION_MIN_REVIEWED - accepted,
            rejected: 0,
          },
        ],
        1e6,
      ),
      ...seen,
    });
    expect(calibrated(8).expectedCalibrationError).toBeCloseTo(CALIBRATION_MAX_ECE, 12);
    expect(kinds({ calibration: [calibrated(8)] })).toEqual(['calibration']);
    expect(kinds({ calibration: [calibrated(9)] })).toEqual([]);
    expect(computeInsights({ ...empty, calibration: [calibrated(2)] }).insights[0].summary).toBe(
      "extract's confidence is off by 0.40 (expected calibration error over 20 reviewed results)",
    );
  });

  it('names the step that costs the most', () => {
    const step = (costUsd: number) => ({ inputTokens: 10, outputTokens: 5, costUsd, steps: 4, ...seen });
    const usage = {
      inputTokens: 20,
      outputTokens: 10,
      costUsd: 0.4,
      steps: 8,
      byStep: { extract: step(0.1), pay: step(0.3) },
    };
    const result = computeInsights({ ...empty, usage });
    expect(result.insights).toEqual([
      expect.objectContaining({
        kind: 'usage',
        stepId: 'pay',
        summary: 'pay uses the most: $0.3000 of $0.4000 (75%) over 4 results',
      }),
    ]);
    expect(result.usage.byStep.pay).toEqual({ inputTokens: 10, outputTokens: 5, costUsd: 0.3, steps: 4 });
  });

  it('reports nothing for a workflow without history', () => {
    expect(computeInsights({ ...empty, runs: 0 })).toEqual({
      workflowId: 'claims',
      scope: ['claims'],
      runs: 0,
      insights: [],
      calibration: [],
      usage: { inputTokens: 0, outputTokens: 0, costUsd: 0, steps: 0, byStep: {} },
    });
  });
});

describe('stepCalibration', () => {
  it('keeps the expected calibration error in [0, 1] and 0 when every bucket is exact', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            bucket: fc.integer({ min: 0, max: 9 }),
            accepted: fc.nat(50),
            other: fc.nat(50),
            meanMicros: fc.integer({ min: 0, max: 1_000_000 }),
          }),
          { maxLength: 10 },
        ),
        (rows) => {
          const unique = [...new Map(rows.filter((r) => r.accepted + r.other > 0).map((r) => [r.bucket, r])).values()];
          const counts = unique.map((r) => ({
            bucket: r.bucket,
            count: r.accepted + r.other,
            confidenceMicros: r.meanMicros * (r.accepted + r.other),
            accepted: r.accepted,
            corrected: r.other,
            rejected: 0,
          }));
          const { expectedCalibrationError, reviewed, buckets } = stepCalibration('s', counts, 1e6);
          expect(expectedCalibrationError).toBeGreaterThanOrEqual(0);
          expect(expectedCalibrationError).toBeLessThanOrEqual(1 + 1e-12);
          expect(reviewed).toBe(buckets.reduce((sum, b) => sum + b.count, 0));
          const exact = counts.map((c) => ({
            ...c,
            confidenceMicros: Math.round((c.accepted / c.count) * 1e6) * c.count,
          }));
          expect(stepCalibration('s', exact, 1e6).expectedCalibrationError).toBeLessThan(1e-6);
        },
      ),
    );
  });
});

describe('duration', () => {
  it('writes milliseconds for a sentence', () => {
    expect([320, 4100, 4000, 725_000, 12_000_000].map(duration)).toEqual(['320ms', '4.1s', '4s', '12m 5s', '3h 20m']);
  });
});
