import { checkCase, failureLocation } from './eval-matchers.js';
import type { RunView } from './eval-matchers.js';
import { failureLines, nearestRank, summarize } from './eval-report.js';
import { parseGoldenSet } from './golden-set.js';

// The CLI loads @ledgerflow/definitions lazily (eval.command.ts); so does this spec.
const { evaluateExpression } = await import('@ledgerflow/definitions');

const set = parseGoldenSet(`
goldenSet: claims
workflow: claim-review
cases:
  - id: c1
    input: {}
    expect:
      final:
        status: { exact: completed }
        outputs.payout.amount: { number: 100, tolerance: 1 }
      steps:
        extract:
          totalAmount: { number: 2150, tolerance: 0.005 }
          lossType: { exact: theft }
          documents[1].kind: { exact: text }
          $: { jsonata: "$count(documents) = 2" }
        payout:
          amount: { number: 1200, tolerance: 50 }
        missing:
          x: { exact: 1 }
`);

const run: RunView = {
  runId: 'r1',
  status: 'completed',
  steps: [
    {
      stepId: 'extract',
      status: 'succeeded',
      confidence: 0.95,
      output: { totalAmount: 2150, lossType: 'theft', documents: [{ kind: 'pdf' }, { kind: 'text' }] },
    },
    { stepId: 'payout', status: 'succeeded', confidence: 0.4, output: { amount: 2400 } },
  ],
  gates: [],
};

describe('checkCase', () => {
  it('applies each matcher and names the failing step, path and why', async () => {
    const [goldenCase] = set.cases;
    const result = await checkCase(goldenCase!, run, evaluateExpression);
    expect(result.passed).toBe(false);
    expect(result.steps).toEqual([
      { stepId: 'extract', passed: true, confidence: 0.95 },
      { stepId: 'payout', passed: false, confidence: 0.4 },
      { stepId: 'missing', passed: false },
    ]);
    expect(result.failures.map((f) => `${failureLocation(f)}: ${f.message}`)).toEqual([
      'steps.payout.output.amount: expected 1200 ± 50, got 2400',
      'steps.missing.output.x: step missing is not in the run',
      'final.outputs.payout.amount: expected 100 ± 1, got 2400',
    ]);
  });

  it('reports a failing JSONata predicate with its result, and a missing path', async () => {
    const strict = parseGoldenSet(`
goldenSet: g
workflow: w
cases:
  - id: c
    input: {}
    expect:
      steps:
        extract:
          $: { jsonata: "$count(documents)" }
          nope.deeper: { exact: null }
          lossType: { jsonata: "$ in ['fire', 'storm']" }
`);
    const result = await checkCase(strict.cases[0]!, run, evaluateExpression);
    expect(result.failures.map((f) => f.message)).toEqual([
      'expected jsonata "$count(documents)" to be true, got 2 for {"documents":[{"kind":"pdf"},{"kind":"text"}],"lossType":"theft","totalAmount":2150}',
      'expected null, got nothing (no such path)',
      `expected jsonata "$ in ['fire', 'storm']" to be true, got false for "theft"`,
    ]);
  });
});

describe('summarize', () => {
  it('computes pass rate, step accuracy, confidence by correctness, latency and escalations', () => {
    const results = [
      {
        caseId: 'a',
        runId: 'r1',
        passed: true,
        failures: [],
        durationMs: 100,
        escalations: 0,
        steps: [{ stepId: 's', passed: true, confidence: 0.9 }],
      },
      {
        caseId: 'b',
        runId: 'r2',
        passed: true,
        failures: [],
        durationMs: 300,
        escalations: 1,
        steps: [{ stepId: 's', passed: true, confidence: 0.7 }],
      },
      {
        caseId: 'c',
        runId: 'r3',
        passed: false,
        failures: [{ stepId: 's', path: 'x', message: 'expected 1, got 2' }],
        durationMs: 200,
        escalations: 2,
        steps: [{ stepId: 's', passed: false, confidence: 0.6 }],
      },
    ];
    const summary = summarize(results);
    expect(summary).toMatchObject({
      cases: 3,
      passed: 2,
      steps: [{ stepId: 's', passed: 2, checked: 3 }],
      latency: { p50Ms: 200, p95Ms: 300 },
      escalations: { gates: 3, cases: 2 },
    });
    expect(summary.passRate).toBeCloseTo(2 / 3);
    expect(summary.confidence.passed.mean).toBeCloseTo(0.8);
    expect(summary.confidence.failed).toEqual({ mean: 0.6, n: 1 });
    expect(failureLines(results)).toEqual(['case c: steps.s.output.x: expected 1, got 2']);
    expect(nearestRank([], 0.5)).toBe(0);
  });
});
