import type { StepCalibration, WorkflowInsights } from '@ledgerflow/contracts';
import { calibrationRowsOf, formatUsd, formatUtc, usageRowsOf, windowOf } from './memory-insights.js';

describe('memory insights as the memory page shows them', () => {
  it('writes evidence times in UTC to the minute, one time when the window is one minute', () => {
    expect(formatUtc('2026-12-06T10:04:59.123Z')).toBe('2026-12-06 10:04 UTC');
    expect(formatUtc('not a time')).toBe('not a time');
    expect(windowOf({ from: '2026-12-06T10:04:00Z', to: '2026-12-07T08:00:00Z' })).toBe(
      '2026-12-06 10:04 UTC – 2026-12-07 08:00 UTC',
    );
    expect(windowOf({ from: '2026-12-06T10:04:01Z', to: '2026-12-06T10:04:40Z' })).toBe('2026-12-06 10:04 UTC');
  });

  it('writes costs with two significant digits below ten cents and cents above', () => {
    expect([0, 0.0044, 0.012, 0.05, 0.1, 1.5, 0.000000001].map(formatUsd)).toEqual([
      '$0.00',
      '$0.0044',
      '$0.012',
      '$0.050',
      '$0.10',
      '$1.50',
      '$0.000000001',
    ]);
  });

  it('gives each reviewed step its non-empty buckets, lowest first, with the share accepted unchanged', () => {
    const bucket = (from: number, count: number, accepted: number, corrected = 0) => ({
      from,
      to: from + 0.1,
      count,
      meanConfidence: from + 0.05,
      accepted,
      corrected,
      rejected: count - accepted - corrected,
    });
    const calibration: StepCalibration[] = [
      {
        stepId: 'extract',
        reviewed: 6,
        expectedCalibrationError: 0.18,
        buckets: [bucket(0.9, 2, 2), bucket(0.2, 0, 0), bucket(0.30000000000000004, 4, 1, 2)],
      },
      { stepId: 'never', reviewed: 0, expectedCalibrationError: 0, buckets: [] },
    ];
    expect(calibrationRowsOf(calibration)).toEqual([
      {
        stepId: 'extract',
        reviewed: 6,
        expectedCalibrationError: 0.18,
        rows: [
          expect.objectContaining({ bucket: '[0.3, 0.4)', count: 4, acceptedShare: 0.25, corrected: 2, rejected: 1 }),
          expect.objectContaining({ bucket: '[0.9, 1]', count: 2, acceptedShare: 1, rejected: 0 }),
        ],
      },
    ]);
  });

  it('orders usage by cost, then tokens, and keeps the workflow total apart', () => {
    const usage: WorkflowInsights['usage'] = {
      inputTokens: 330,
      outputTokens: 33,
      costUsd: 0.004,
      steps: 7,
      byStep: {
        score: { inputTokens: 10, outputTokens: 1, costUsd: 0, steps: 2 },
        extract: { inputTokens: 300, outputTokens: 30, costUsd: 0.004, steps: 4 },
        lookup: { inputTokens: 20, outputTokens: 2, costUsd: 0, steps: 1 },
      },
    };
    const { rows, total } = usageRowsOf(usage);
    expect(rows.map((row) => `${row.stepId} ${row.tokens}`)).toEqual(['extract 330', 'lookup 22', 'score 11']);
    expect(total).toEqual({
      stepId: 'total',
      inputTokens: 330,
      outputTokens: 33,
      costUsd: 0.004,
      steps: 7,
      tokens: 363,
    });
  });
});
