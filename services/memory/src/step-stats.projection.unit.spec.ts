import { EventVersionError, RUN_EVENT_UPCASTERS } from '@ledgerflow/domain';
import { DURATION_WINDOW, percentile, StepStatsProjection } from './step-stats.projection.js';
import type { ProjectedEvent } from './step-stats.projection.js';

/** Builds the events of one run in revision order, as they come off `run-<runId>`. */
class RunEvents {
  private revision = -1;
  constructor(readonly runId: string) {}

  private next(type: string, data: Record<string, unknown>): ProjectedEvent {
    this.revision += 1;
    return { streamId: `run-${this.runId}`, revision: this.revision, type, data, metadata: { runId: this.runId } };
  }

  triggered(workflowId = 'claim-review'): ProjectedEvent {
    return this.next('RunTriggered', { runId: this.runId, workflowId, workflowVersion: '1.0.0' });
  }

  started(stepId: string, attempt = 1): ProjectedEvent {
    return this.next('StepStarted', { stepId, attempt });
  }

  succeeded(stepId: string, durationMs: number, attempt = 1): ProjectedEvent {
    return this.next('StepSucceeded', { stepId, attempt, durationMs });
  }

  failed(stepId: string, durationMs: number, attempt = 1): ProjectedEvent {
    return this.next('StepFailed', { stepId, attempt, durationMs });
  }

  other(type: string, data: Record<string, unknown> = {}): ProjectedEvent {
    return this.next(type, data);
  }
}

describe('StepStatsProjection', () => {
  let projection: StepStatsProjection;
  beforeEach(() => {
    projection = new StepStatsProjection(':memory:');
  });
  afterEach(() => projection.close());

  it('has no stats for a workflow it has not seen', () => {
    expect(projection.stats('claim-review')).toEqual([]);
    expect(projection.appliedRevision('r1')).toBe(-1);
  });

  it('counts runs per step, attempts succeeded and failed, and the success rate over attempts', () => {
    const r1 = new RunEvents('r1');
    projection.apply([
      r1.triggered(),
      r1.started('extract'),
      r1.succeeded('extract', 100),
      r1.started('screen'),
      r1.failed('screen', 40),
      r1.other('StepRetryScheduled', { stepId: 'screen', attempt: 2 }),
      r1.started('screen', 2),
      r1.succeeded('screen', 60, 2),
    ]);
    const r2 = new RunEvents('r2');
    projection.apply([r2.triggered(), r2.started('extract'), r2.failed('extract', 300)]);

    expect(projection.stats('claim-review')).toEqual([
      {
        workflowId: 'claim-review',
        stepId: 'extract',
        runs: 2,
        succeeded: 1,
        failed: 1,
        successRate: 0.5,
        p50DurationMs: 100,
        p95DurationMs: 300,
      },
      {
        workflowId: 'claim-review',
        stepId: 'screen',
        runs: 1,
        succeeded: 1,
        failed: 1,
        successRate: 0.5,
        p50DurationMs: 40,
        p95DurationMs: 60,
      },
    ]);
    expect(projection.appliedRevision('r1')).toBe(7);
    expect(projection.appliedRevision('r2')).toBe(2);
  });

  it('a step started but not finished counts a run with a success rate of 0', () => {
    const r1 = new RunEvents('r1');
    projection.apply([r1.triggered(), r1.started('extract')]);
    expect(projection.stats('claim-review')).toEqual([
      {
        workflowId: 'claim-review',
        stepId: 'extract',
        runs: 1,
        succeeded: 0,
        failed: 0,
        successRate: 0,
        p50DurationMs: 0,
        p95DurationMs: 0,
      },
    ]);
  });

  it('keeps workflows apart', () => {
    const a = new RunEvents('a');
    const b = new RunEvents('b');
    projection.apply([a.triggered('claim-review'), a.started('extract'), a.succeeded('extract', 10)]);
    projection.apply([b.triggered('onboarding'), b.started('extract'), b.failed('extract', 20)]);
    expect(projection.stats('claim-review')).toMatchObject([{ stepId: 'extract', succeeded: 1, failed: 0 }]);
    expect(projection.stats('onboarding')).toMatchObject([{ stepId: 'extract', succeeded: 0, failed: 1 }]);
  });

  it('gives nearest-rank p50 and p95 over the durations', () => {
    const events: ProjectedEvent[] = [];
    const durations = Array.from({ length: 20 }, (_, i) => (((i * 7) % 20) + 1) * 10); // 10..200 ms, shuffled
    durations.forEach((durationMs, i) => {
      const run = new RunEvents(`r${i}`);
      events.push(run.triggered(), run.started('extract'), run.succeeded('extract', durationMs));
    });
    projection.apply(events);
    // nearest rank: p50 -> ceil(0.5 * 20) = 10th value, p95 -> ceil(0.95 * 20) = 19th value
    expect(projection.stats('claim-review')[0]).toMatchObject({
      runs: 20,
      succeeded: 20,
      successRate: 1,
      p50DurationMs: 100,
      p95DurationMs: 190,
    });
  });

  it('ignores redelivered events: applying the same events again changes nothing', () => {
    const r1 = new RunEvents('r1');
    const events = [
      r1.triggered(),
      r1.started('extract'),
      r1.failed('extract', 50),
      r1.started('extract', 2),
      r1.succeeded('extract', 70, 2),
    ];
    projection.apply(events);
    const before = projection.stats('claim-review');
    projection.apply(events);
    projection.apply([events[2] as ProjectedEvent]);
    expect(projection.stats('claim-review')).toEqual(before);
    expect(before).toMatchObject([{ runs: 1, succeeded: 1, failed: 1 }]);
  });

  it('applies a later event of a run once its earlier ones are in', () => {
    const r1 = new RunEvents('r1');
    const [triggered, started, succeeded] = [r1.triggered(), r1.started('extract'), r1.succeeded('extract', 80)];
    projection.apply([triggered, started] as ProjectedEvent[]);
    projection.apply([started, succeeded] as ProjectedEvent[]);
    expect(projection.stats('claim-review')).toMatchObject([{ runs: 1, succeeded: 1, p50DurationMs: 80 }]);
    expect(projection.appliedRevision('r1')).toBe(2);
  });

  it('ignores events of a run whose RunTriggered it has not seen', () => {
    const unseen = new RunEvents('unseen');
    unseen.triggered(); // revision 0, never applied
    projection.apply([unseen.started('extract'), unseen.succeeded('extract', 10)]);
    expect(projection.stats('claim-review')).toEqual([]);
    expect(projection.appliedRevision('unseen')).toBe(-1);
  });

  it('records events without a step (run events) as applied without counting anything', () => {
    const r1 = new RunEvents('r1');
    projection.apply([r1.triggered(), r1.other('PlanCreated', { plan: {} }), r1.other('RunPaused', { reason: 'x' })]);
    expect(projection.appliedRevision('r1')).toBe(2);
    expect(projection.stats('claim-review')).toEqual([]);
  });

  it(`keeps only the last ${DURATION_WINDOW} durations of a step for percentiles`, () => {
    const events: ProjectedEvent[] = [];
    const run = new RunEvents('r1');
    events.push(run.triggered(), run.started('extract'));
    for (let i = 0; i < 200; i++) events.push(run.failed('extract', 1_000_000)); // old, slow outcomes
    for (let i = 0; i < DURATION_WINDOW; i++) events.push(run.succeeded('extract', 5)); // the window
    projection.apply(events);
    expect(projection.stats('claim-review')[0]).toMatchObject({
      succeeded: DURATION_WINDOW,
      failed: 200,
      p50DurationMs: 5,
      p95DurationMs: 5,
    });
  });
});

describe('percentile (nearest rank)', () => {
  it('is 0 for no values and the value itself for one', () => {
    expect(percentile([], 0.5)).toBe(0);
    expect(percentile([42], 0.95)).toBe(42);
  });

  it('picks the ceil(p * n)-th smallest value', () => {
    expect(percentile([1, 2, 3, 4], 0.5)).toBe(2);
    expect(percentile([1, 2, 3, 4], 0.95)).toBe(4);
    expect(percentile([10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 0.95)).toBe(100);
    expect(percentile([10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 0.9)).toBe(90);
  });
});

describe('StepStatsProjection: stored events upcast on read', () => {
  /**
   * A change of shape as a test registers it: suppose `StepSucceeded` v1 recorded `durationSeconds` and v2 (the shape
   * this projection reads) `durationMs` (docs/events.md, "Versions and upcasting").
   */
  const msFromSeconds = RUN_EVENT_UPCASTERS.with({
    type: 'StepSucceeded',
    fromVersion: 1,
    upcast: (data) => {
      const { durationSeconds, ...rest } = data as { durationSeconds: number };
      return { ...rest, durationMs: durationSeconds * 1000 };
    },
  });

  it('projects a stored v1 event after a v2 change of its type in the current shape', () => {
    const projection = new StepStatsProjection(':memory:', msFromSeconds);
    const run = new RunEvents('r1');
    const stored = [run.triggered(), run.started('extract')];
    // No schemaVersion: version 1.
    const v1 = run.other('StepSucceeded', { stepId: 'extract', attempt: 1, durationSeconds: 0.25 });
    const later = new RunEvents('r2');
    const r2 = [later.triggered(), later.started('extract'), later.succeeded('extract', 40)];
    const v2 = { ...r2[2], metadata: { ...r2[2].metadata, schemaVersion: 2 } };
    projection.apply([...stored, v1, r2[0], r2[1], v2]);
    expect(projection.stats('claim-review')).toMatchObject([
      { stepId: 'extract', runs: 2, succeeded: 2, p50DurationMs: 40, p95DurationMs: 250 },
    ]);
    projection.close();
  });

  it('refuses an event newer than its registry reads, applying nothing of the call', () => {
    const projection = new StepStatsProjection(':memory:');
    const run = new RunEvents('r1');
    const newer = run.succeeded('extract', 10);
    expect(() =>
      projection.apply([
        run.triggered(),
        run.started('extract'),
        { ...newer, metadata: { ...newer.metadata, schemaVersion: 2 } },
      ]),
    ).toThrow(EventVersionError);
    expect(projection.appliedRevision('r1')).toBe(-1);
    projection.close();
  });
});
