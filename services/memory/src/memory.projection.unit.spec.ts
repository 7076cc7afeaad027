import { MemoryProjection } from './memory.projection.js';
import { Positions, RunBuilder } from './memory-history.spec-util.js';
import type { HistoryEvent } from './memory-history.spec-util.js';

/** Each run's events, merged in position order (what the store holds). */
const merged = (...runs: RunBuilder[]): HistoryEvent[] =>
  runs.flatMap((run) => run.events).sort((a, b) => a.position! - b.position!);

describe('MemoryProjection', () => {
  let projection: MemoryProjection;
  let positions: Positions;
  let n = 0;
  const run = (workflowId = 'claims', startMs = n * 600_000) =>
    new RunBuilder(`r${String(n++).padStart(2, '0')}`, workflowId, startMs, positions);
  beforeEach(() => {
    projection = new MemoryProjection(':memory:');
    positions = new Positions();
    n = 0;
  });
  afterEach(() => projection.close());

  it('clusters failures by step, code and the tool of the failed attempt, counting runs affected once', () => {
    const a = run().triggered().planned().started('fetch', 1, 'billing.invoice').failed('fetch', 'upstream_timeout');
    a.autoRetry('fetch', 2).started('fetch', 2, 'billing.invoice').failed('fetch', 'upstream_timeout', 500, 2);
    const b = run().triggered().planned().started('fetch', 1, 'billing.backup').failed('fetch', 'upstream_timeout');
    projection.apply(merged(a, b));
    const clusters = projection.snapshot('claims').clusters;
    expect(clusters).toEqual([
      expect.objectContaining({
        stepId: 'fetch',
        code: 'upstream_timeout',
        tool: 'billing.backup',
        count: 1,
        runs: 1,
        exampleRunIds: ['r01'],
      }),
      expect.objectContaining({
        stepId: 'fetch',
        code: 'upstream_timeout',
        tool: 'billing.invoice',
        count: 2,
        runs: 1,
        exampleRunIds: ['r00'],
      }),
    ]);
    expect(clusters[1].firstSeen < clusters[1].lastSeen).toBe(true);
  });

  it('records operator fixes: a revision then a retry, a retry, a skip, a recovery rule, a cancel; never an automatic retry', () => {
    const revised = run().triggered().planned().started('fetch').failed('fetch', 'token_expired');
    revised
      .operatorRevision(['refresh_token'], 'olga')
      .started('refresh_token', 1, 'auth.refresh')
      .succeeded('refresh_token', 20);
    revised.operatorRetry('fetch', 2, 'olga').started('fetch', 2).succeeded('fetch', 30, {}, 2).completed();
    const retried = run().triggered().planned().started('fetch').failed('fetch', 'upstream_unavailable');
    retried
      .operatorRetry('fetch', 2, 'omar')
      .started('fetch', 2)
      .failed('fetch', 'upstream_unavailable', 10, 2)
      .runFailed();
    const skipped = run()
      .triggered()
      .planned()
      .started('fetch')
      .failed('fetch', 'not_found')
      .skipped('fetch', 'olga')
      .completed();
    const recovered = run().triggered().planned().started('fetch').failed('fetch', 'token_expired');
    recovered
      .recovery('fetch', 1, 'learned-1', ['refresh_token'])
      .started('fetch', 2)
      .succeeded('fetch', 10, {}, 2)
      .completed();
    const cancelled = run()
      .triggered()
      .planned()
      .started('fetch')
      .failed('fetch', 'upstream_unavailable')
      .cancelled('omar');
    const automatic = run().triggered().planned().started('fetch').failed('fetch', 'upstream_timeout');
    automatic.autoRetry('fetch', 2).started('fetch', 2).succeeded('fetch', 10, {}, 2).completed();
    projection.apply(merged(revised, retried, skipped, recovered, cancelled, automatic));

    const fixes = projection.operatorFixes('claims');
    expect(
      fixes.map(({ runId, code, action, actor, succeeded }) => ({ runId, code, action, actor, succeeded })),
    ).toEqual([
      { runId: 'r00', code: 'token_expired', action: 'revise+retry', actor: 'olga', succeeded: true },
      { runId: 'r01', code: 'upstream_unavailable', action: 'retry', actor: 'omar', succeeded: false },
      { runId: 'r02', code: 'not_found', action: 'skip', actor: 'olga', succeeded: false },
      { runId: 'r03', code: 'token_expired', action: 'recovery:learned-1', actor: 'planner', succeeded: true },
      { runId: 'r04', code: 'upstream_unavailable', action: 'cancel', actor: 'omar', succeeded: false },
    ]);
    expect(fixes[0].addedSteps).toEqual([
      { id: 'refresh_token', agent: 'a', tool: 'auth', action: 'refresh', input: {}, timeoutMs: 5000 },
    ]);
    expect(fixes[0].fixedAt > fixes[0].failedAt).toBe(true);

    const outcomes = projection.runOutcomes('claims', { limit: 10 });
    expect(
      outcomes.map(({ runId, status, operatorInterventions, recoveries }) => ({
        runId,
        status,
        operatorInterventions,
        recoveries,
      })),
    ).toEqual([
      { runId: 'r00', status: 'completed', operatorInterventions: 2, recoveries: [] },
      { runId: 'r01', status: 'failed', operatorInterventions: 1, recoveries: [] },
      { runId: 'r02', status: 'completed', operatorInterventions: 1, recoveries: [] },
      { runId: 'r03', status: 'completed', operatorInterventions: 0, recoveries: ['learned-1'] },
      { runId: 'r04', status: 'cancelled', operatorInterventions: 0, recoveries: [] },
      { runId: 'r05', status: 'completed', operatorInterventions: 0, recoveries: [] },
    ]);
  });

  it('answers run outcome windows: after a time, at or before a time (the latest), the latest', () => {
    const runs = Array.from({ length: 5 }, (_, i) =>
      run('claims', i * 60_000)
        .triggered()
        .planned()
        .completed(),
    );
    projection.apply(merged(...runs));
    const all = projection.runOutcomes('claims', { limit: 10 });
    expect(all.map((o) => o.runId)).toEqual(['r00', 'r01', 'r02', 'r03', 'r04']);
    expect(projection.runOutcomes('claims', { after: all[1].endedAt, limit: 2 }).map((o) => o.runId)).toEqual([
      'r02',
      'r03',
    ]);
    expect(projection.runOutcomes('claims', { before: all[2].endedAt, limit: 2 }).map((o) => o.runId)).toEqual([
      'r01',
      'r02',
    ]);
    expect(projection.runOutcomes('claims', { limit: 2 }).map((o) => o.runId)).toEqual(['r03', 'r04']);
    expect(all[0].durationMs).toBeGreaterThan(0);
  });

  it('buckets confidence-gate verdicts (accepted, corrected, rejected), computes the calibration error and keeps labels', () => {
    const a = run().triggered().planned().started('extract').succeeded('extract', 10, { confidence: 0.35 });
    a.gateOpened('extract', 'confidence', 0.35).gateDecided('extract', 'approved', 120_000);
    const b = run().triggered().planned().started('extract').succeeded('extract', 10, { confidence: 0.31 });
    b.gateOpened('extract', 'confidence', 0.31).gateDecided('extract', 'approved', 60_000, { amount: 90 });
    const c = run().triggered().planned().started('extract').succeeded('extract', 10, { confidence: 0.72 });
    c.gateOpened('extract', 'confidence', 0.72).gateDecided('extract', 'rejected', 30_000);
    const d = run()
      .triggered()
      .planned()
      .started('pay')
      .gateOpened('pay', 'definition')
      .gateDecided('pay', 'approved', 10_000);
    projection.apply(merged(a, b, c, d));

    const [calibration] = projection.calibration('claims');
    expect(calibration.stepId).toBe('extract');
    expect(calibration.reviewed).toBe(3);
    expect(calibration.buckets).toHaveLength(10);
    expect(calibration.buckets[3]).toEqual({
      from: 0.3,
      to: 0.4,
      count: 2,
      meanConfidence: 0.33,
      accepted: 1,
      corrected: 1,
      rejected: 0,
    });
    expect(calibration.buckets[7]).toMatchObject({ count: 1, meanConfidence: 0.72, accepted: 0, rejected: 1 });
    // ECE = 2/3·|1/2 − 0.33| + 1/3·|0 − 0.72|
    expect(calibration.expectedCalibrationError).toBeCloseTo((2 / 3) * 0.17 + (1 / 3) * 0.72, 8);

    const waits = projection.snapshot('claims').gateWaits;
    expect(waits.map((w) => [w.stepId, w.count, w.totalMs, w.p95WaitMs])).toEqual([
      ['extract', 3, 210_000, 120_000],
      ['pay', 1, 10_000, 10_000],
    ]);
    expect(projection.runOutcomes('claims', { limit: 10 })).toEqual([]); // none finished

    const page = projection.labels('claims', { limit: 10 });
    expect(page.next).toBeUndefined();
    expect(page.labels).toEqual([
      {
        runId: 'r01',
        stepId: 'extract',
        input: { claim: 'extract' },
        output: { amount: 100 },
        correctedOutput: { amount: 90 },
        verdict: 'corrected',
        confidence: 0.31,
        reviewer: 'rita',
        decidedAt: expect.any(String),
      },
      {
        runId: 'r02',
        stepId: 'extract',
        input: { claim: 'extract' },
        output: { amount: 100 },
        correctedOutput: null,
        verdict: 'rejected',
        confidence: 0.72,
        reviewer: 'rita',
        decidedAt: expect.any(String),
      },
    ]);
  });

  it('pages labels with an opaque cursor, filtered by step, and refuses a cursor it did not give', () => {
    const runs = Array.from({ length: 5 }, (_, i) => {
      const step = i % 2 === 0 ? 'extract' : 'classify';
      return run()
        .triggered()
        .planned()
        .started(step)
        .succeeded(step, 10, { confidence: 0.5 })
        .gateOpened(step, 'confidence', 0.5)
        .gateDecided(step, 'approved', 1000, { v: i });
    });
    projection.apply(merged(...runs));
    const first = projection.labels('claims', { limit: 2 });
    expect(first.labels.map((l) => l.runId)).toEqual(['r00', 'r01']);
    const second = projection.labels('claims', { limit: 2, after: first.next! });
    expect(second.labels.map((l) => l.runId)).toEqual(['r02', 'r03']);
    const third = projection.labels('claims', { limit: 2, after: second.next! });
    expect(third).toEqual({ labels: [expect.objectContaining({ runId: 'r04' })] });
    expect(projection.labels('claims', { limit: 10, stepId: 'classify' }).labels.map((l) => l.runId)).toEqual([
      'r01',
      'r03',
    ]);
    expect(() => projection.labels('claims', { limit: 2, after: 'bm9wZQ' })).toThrow(
      expect.objectContaining({ code: 'request_invalid' }),
    );
  });

  it('sums usage per run, per step and per workflow', () => {
    const a = run()
      .triggered()
      .planned()
      .started('extract')
      .succeeded('extract', 10, { usage: { inputTokens: 100, outputTokens: 20, costUsd: 0.1 } });
    a.started('pay').succeeded('pay', 10, { usage: { costUsd: 0.2 } });
    const b = run()
      .triggered()
      .planned()
      .started('extract')
      .succeeded('extract', 10, { usage: { inputTokens: 50, outputTokens: 5, costUsd: 0.1 } });
    projection.apply(merged(a, b));
    expect(projection.runUsage('r00')).toEqual({
      inputTokens: 100,
      outputTokens: 20,
      costUsd: 0.3,
      steps: 2,
      byStep: {
        extract: { inputTokens: 100, outputTokens: 20, costUsd: 0.1, steps: 1 },
        pay: { inputTokens: 0, outputTokens: 0, costUsd: 0.2, steps: 1 },
      },
    });
    expect(projection.insights('claims').usage).toEqual({
      inputTokens: 150,
      outputTokens: 25,
      costUsd: 0.4,
      steps: 3,
      byStep: {
        extract: { inputTokens: 150, outputTokens: 25, costUsd: 0.2, steps: 2 },
        pay: { inputTokens: 0, outputTokens: 0, costUsd: 0.2, steps: 1 },
      },
    });
  });

  it('leaves evaluation runs out of every figure', () => {
    const evaluation = run()
      .triggered({ goldenSet: 'g', caseId: 'c1' })
      .planned(['claims'])
      .started('fetch')
      .failed('fetch', 'x');
    evaluation
      .operatorRetry('fetch', 2)
      .started('fetch', 2)
      .succeeded('fetch', 10, { usage: { costUsd: 1 } }, 2)
      .completed();
    projection.apply(evaluation.events);
    expect(projection.appliedRevision('r00')).toBe(evaluation.events.length - 1);
    expect(projection.stats('claims')).toEqual([]);
    expect(projection.runCount('claims')).toBe(0);
    expect(projection.operatorFixes('claims')).toEqual([]);
    expect(projection.runOutcomes('claims', { limit: 5 })).toEqual([]);
    expect(projection.scopeOf('claims')).toEqual([]);
    const dump = projection.dump();
    for (const [table, rows] of Object.entries(dump))
      if (table !== 'memory_runs') expect({ table, rows }).toEqual({ table, rows: [] });
  });

  it("answers for the workflow's current scope: the latest run's, never mixing in another scope's runs", () => {
    const old = run('claims', 0).triggered().planned().started('fetch').failed('fetch', 'old_code').completed();
    const latest = run('claims', 60_000)
      .triggered()
      .planned(['high-value', 'claims'])
      .started('fetch')
      .failed('fetch', 'new_code');
    projection.apply(merged(old, latest));
    expect(projection.scopeOf('claims')).toEqual(['claims', 'high-value']);
    expect(projection.runCount('claims')).toBe(1);
    expect(projection.snapshot('claims').clusters.map((c) => c.code)).toEqual(['new_code']);
    expect(projection.runOutcomes('claims', { limit: 5 })).toEqual([]);
    expect(projection.stats('claims')).toMatchObject([{ stepId: 'fetch', runs: 2, failed: 2 }]); // statistics span scopes
  });

  it('gives each step its latest timeout and p95/p99 durations', () => {
    const runs = Array.from({ length: 20 }, (_, i) =>
      run()
        .triggered()
        .planned()
        .started('fetch', 1, 'billing.invoice', i < 19 ? 5000 : 4000)
        .succeeded('fetch', (i + 1) * 200),
    );
    projection.apply(merged(...runs));
    expect(projection.stepTimings('claims')).toEqual([
      { workflowId: 'claims', stepId: 'fetch', timeoutMs: 4000, samples: 20, p95DurationMs: 3800, p99DurationMs: 4000 },
    ]);
    const [slow] = projection.insights('claims').insights;
    expect(slow).toMatchObject({
      kind: 'slow_step',
      stepId: 'fetch',
      evidence: { occurrences: 20, figures: { timeoutMs: 4000, p99DurationMs: 4000 } },
    });
    // Examples: runs whose attempt took ≥ 80% of the timeout it ran with (r15..r18: 3200..3800 ms of 5000 ms are not).
    expect(slow.evidence.exampleRunIds).toEqual(['r19']);
  });

  it('applies nothing twice: a redelivered batch or a repeated event changes no table', () => {
    const a = run()
      .triggered()
      .planned()
      .started('fetch')
      .failed('fetch', 'token_expired')
      .operatorRetry('fetch', 2)
      .started('fetch', 2)
      .succeeded('fetch', 5, { usage: { costUsd: 0.1 } }, 2)
      .completed();
    projection.apply(a.events);
    const before = projection.dump();
    projection.apply(a.events);
    projection.apply(a.events.slice(3, 6));
    expect(projection.dump()).toEqual(before);
  });
});
