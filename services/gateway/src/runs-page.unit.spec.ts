import { InMemoryEventStore } from '@ledgerflow/event-store';
import { planOf, claimRun, step } from './run-script.spec-util.js';
import { runCursorOf, runTimeBoundOf } from './runs-page.js';
import { encodeCursor, pageLimitOf } from './list-page.js';
import { RunsProjection } from './runs.projection.js';

const t = (second: number): string => new Date(Date.UTC(2026, 4, 1, 10, 0, second)).toISOString();
const plan = (workflowId: string) => planOf(workflowId, [step('extract')]);

describe('GET /v1/runs paging', () => {
  let store: InMemoryEventStore;
  let projection: RunsProjection;
  beforeEach(() => {
    store = new InMemoryEventStore();
    projection = new RunsProjection(store);
  });

  it('bounds the pages by creation time: createdAfter inclusive, createdBefore exclusive, with the cursor too', async () => {
    for (const n of [0, 1, 2, 3, 4, 5])
      await claimRun(`r${n}`)
        .at(t(n))
        .start(plan(n % 2 ? 'odd' : 'even'))
        .writeTo(store);
    const ids = async (filter: Parameters<RunsProjection['pageOfRuns']>[0], limit = 10) =>
      (await projection.pageOfRuns(filter, { limit })).runs.map((run) => run.runId);
    expect(await ids({ createdAfter: t(2) })).toEqual(['r5', 'r4', 'r3', 'r2']);
    expect(await ids({ createdBefore: t(2) })).toEqual(['r1', 'r0']);
    expect(await ids({ createdAfter: t(1), createdBefore: t(4), workflowId: 'odd' })).toEqual(['r3', 'r1']);
    const first = await projection.pageOfRuns({ createdAfter: t(1) }, { limit: 2 });
    expect(first.runs.map((run) => run.runId)).toEqual(['r5', 'r4']);
    expect(
      (await projection.pageOfRuns({ createdAfter: t(1) }, { limit: 2, before: first.next! })).runs.map(
        (run) => run.runId,
      ),
    ).toEqual(['r3', 'r2']);
    expect(runTimeBoundOf('createdAfter', '2026-05-01T12:00:00+02:00')).toBe('2026-05-01T10:00:00.000Z');
    expect(runTimeBoundOf('createdBefore', undefined)).toBeUndefined();
    for (const bad of [
      'yesterday',
      '2026-05-01',
      '2026-05-01T10:00:00',
      '2026-13-01T10:00:00Z',
      ['2026-05-01T10:00:00Z'],
    ]) {
      expect(() => runTimeBoundOf('createdAfter', bad)).toThrow(
        expect.objectContaining({
          code: 'request_invalid',
          details: expect.objectContaining({ field: 'createdAfter' }),
        }),
      );
    }
  });

  it('pages newest first with a keyset cursor that stays stable while runs are added, out of order too', async () => {
    // Appended out of creation order: the projection keeps its order by createdAt, then runId.
    for (const n of [3, 0, 4, 1, 2]) await claimRun(`r${n}`).at(t(n)).start(plan('a')).writeTo(store);
    const first = await projection.pageOfRuns({}, { limit: 2 });
    expect(first.runs.map((run) => run.runId)).toEqual(['r4', 'r3']);
    await claimRun('r9').at(t(9)).start(plan('a')).writeTo(store);
    await claimRun('r2b').at(t(2)).start(plan('a')).writeTo(store); // same createdAt as r2: after it by id
    const second = await projection.pageOfRuns({}, { limit: 2, before: first.next! });
    expect(second.runs.map((run) => run.runId)).toEqual(['r2b', 'r2']);
    const last = await projection.pageOfRuns({}, { limit: 2, before: second.next! });
    expect(last).toEqual({
      runs: [expect.objectContaining({ runId: 'r1' }), expect.objectContaining({ runId: 'r0' })],
    });
    expect((await projection.pageOfRuns({}, { limit: 1 })).runs[0]?.runId).toBe('r9');
  });

  it('filters before it counts a page', async () => {
    for (let n = 0; n < 6; n++)
      await claimRun(`r${n}`)
        .at(t(n))
        .start(plan(n % 2 ? 'odd' : 'even'))
        .writeTo(store);
    const page = await projection.pageOfRuns({ workflowId: 'odd' }, { limit: 2 });
    expect(page.runs.map((run) => run.runId)).toEqual(['r5', 'r3']);
    expect(
      (await projection.pageOfRuns({ workflowId: 'odd' }, { limit: 2, before: page.next! })).runs.map(
        (run) => run.runId,
      ),
    ).toEqual(['r1']);
  });

  it('parses limit and cursor, refusing anything else with the field named', () => {
    expect(pageLimitOf(undefined)).toBe(100);
    expect(pageLimitOf('1000')).toBe(1000);
    for (const bad of ['0', '1001', '-1', '2.5', 'ten', '', ['5']]) {
      expect(() => pageLimitOf(bad)).toThrow(
        expect.objectContaining({ code: 'request_invalid', details: expect.objectContaining({ field: 'limit' }) }),
      );
    }
    const cursor = { createdAt: t(3), runId: 'r3' };
    expect(runCursorOf(encodeCursor('runs', [cursor.createdAt, cursor.runId]))).toEqual(cursor);
    expect(runCursorOf(undefined)).toBeUndefined();
    for (const bad of [
      '',
      'not a cursor',
      encodeCursor('runs', ['yesterday', 'r1']),
      encodeCursor('runs', [t(1), '']),
      encodeCursor('gates', [t(1), 'r1']),
      Buffer.from(`${t(1)}|r1`).toString('base64url'),
    ]) {
      expect(() => runCursorOf(bad)).toThrow(
        expect.objectContaining({ code: 'request_invalid', details: expect.objectContaining({ field: 'cursor' }) }),
      );
    }
  });
});
