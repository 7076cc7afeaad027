import { testMetrics } from '@ledgerflow/testing';
import {
  INTEGRITY_FAILURES_METRIC,
  IntegrityAlarm,
  RUN_INTEGRITY_FAILED,
  integrityStreamId,
} from './integrity-alarm.js';
import { NOW, ObservedStore, allowStep, startRun } from './run-fixtures.spec-util.js';
import { RunRepository } from './run-repository.js';

const planner = { kind: 'service', id: 'planner' } as const;
const clock = () => new Date(NOW);

/** The alarm a service raises on a broken chain: an event marking the run, a metric, once per finding. */
describe('IntegrityAlarm', () => {
  const meters = testMetrics();
  beforeAll(meters.install);
  afterAll(meters.uninstall);

  const failures = async () => {
    const metric = await meters.metric(INTEGRITY_FAILURES_METRIC);
    return metric?.dataPoints.map((p) => [p.attributes, p.value]) ?? [];
  };

  it('marks a tampered run once per service in integrity-<runId>, counts it, and leaves intact runs alone', async () => {
    const store = new ObservedStore();
    await new RunRepository(store, planner, clock).execute('r1', startRun('r1'), { causationId: 'c1' });
    await new RunRepository(store, planner, clock).execute('r2', startRun('r2'), { causationId: 'c2' });
    store.tamper((events) =>
      events.map((e) =>
        e.streamId === 'run-r1' && e.revision === 1 ? { ...e, data: { ...(e.data as object), concurrency: 99 } } : e,
      ),
    );
    const altered = (await store.readStream('run-r1'))[1];

    for (const id of ['executor', 'policy']) {
      const actor = { kind: 'service', id } as const;
      const runs = new RunRepository(store, actor, clock).reportIntegrityTo(
        new IntegrityAlarm(store, actor, undefined, clock),
      );
      for (let i = 0; i < 3; i++)
        expect((await runs.load('r1')).integrity).toMatchObject({ reason: 'content_altered' });
      await expect(runs.execute('r1', allowStep('a'), { causationId: 'p' })).rejects.toMatchObject({
        code: 'integrity_failed',
      });
      expect((await runs.load('r2')).integrity).toBeUndefined();
    }

    const marks = await store.readStream(integrityStreamId('r1'));
    expect(marks.map((e) => [e.type, e.data])).toEqual(
      ['executor', 'policy'].map((detectedBy) => [
        RUN_INTEGRITY_FAILED,
        {
          runId: 'r1',
          eventId: altered?.metadata.eventId,
          revision: 1,
          reason: 'content_altered',
          detectedBy,
          message: 'content altered: the hash of its type, data and metadata differs from the hash it carries',
        },
      ]),
    );
    expect(await store.readStream(integrityStreamId('r2'))).toEqual([]);
    expect(await failures()).toEqual([
      [{ service: 'executor', reason: 'content_altered' }, 1],
      [{ service: 'policy', reason: 'content_altered' }, 1],
    ]);
  });

  it('appends nothing new when a restarted process reports the same finding again', async () => {
    const store = new ObservedStore();
    await new RunRepository(store, planner, clock).execute('r3', startRun('r3'), { causationId: 'c3' });
    store.tamper((events) => events.filter((e) => e.streamId !== 'run-r3' || e.revision !== 0));
    const actor = { kind: 'service', id: 'gateway' } as const;
    for (let restart = 0; restart < 2; restart++) {
      await new RunRepository(store, actor, clock)
        .reportIntegrityTo(new IntegrityAlarm(store, actor, undefined, clock))
        .load('r3');
    }
    expect((await store.readStream(integrityStreamId('r3'))).map((e) => e.data)).toEqual([
      expect.objectContaining({ runId: 'r3', detectedBy: 'gateway' }),
    ]);
  });
});
