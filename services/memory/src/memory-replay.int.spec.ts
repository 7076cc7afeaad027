import fc from 'fast-check';
import { existsSync, mkdtempSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteEventStore } from '@ledgerflow/event-store';
import type { EventStore, StoredEvent } from '@ledgerflow/event-store';
import { CATCH_UP_PAGE_SIZE, catchUpFromStore } from './memory-catch-up.js';
import { variedHistory } from './memory-history.spec-util.js';
import { MemoryProjection } from './memory.projection.js';
import type { ProjectedEvent } from './projected-event.js';

const WORKFLOWS = ['claims', 'onboarding'];

/** Everything memory answers, per workflow, plus every table's rows: what a rebuild must reproduce. */
function answers(projection: MemoryProjection): unknown {
  return {
    tables: projection.dump(),
    workflows: WORKFLOWS.map((workflowId) => ({
      insights: projection.insights(workflowId),
      calibration: projection.calibration(workflowId),
      labels: projection.labels(workflowId, { limit: 1000 }),
      fixes: projection.operatorFixes(workflowId),
      outcomes: projection.runOutcomes(workflowId, { limit: 1000 }),
      timings: projection.stepTimings(workflowId),
      stats: projection.stats(workflowId),
      scope: projection.scopeOf(workflowId),
      runs: projection.runCount(workflowId),
    })),
  };
}

/** A batch as the consumer applies it: the events at hand grouped by run, each run's in revision order. */
function asConsumerBatch(events: readonly StoredEvent[]): ProjectedEvent[] {
  const byRun = new Map<string, StoredEvent[]>();
  for (const event of events) byRun.set(event.streamId, [...(byRun.get(event.streamId) ?? []), event]);
  return [...byRun.values()].flatMap((list) =>
    list.sort((a, b) => a.revision - b.revision),
  ) as unknown as ProjectedEvent[];
}

/**
 * Memory's projection rebuilt from the real SQLite event store from position 0 equals the one fed live, batch by batch
 * with redeliveries (docs/memory.md, "Rebuild"): the same tables row for row, the same insights, calibration, labels
 * and facts.
 */
describe('memory projection: rebuilt from the event store, identical', () => {
  let dir: string;
  let store: SqliteEventStore;
  let stored: StoredEvent[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'memory-replay-'));
    store = await SqliteEventStore.open(join(dir, 'events.db'));
    for (const event of variedHistory(20261102, 48)) {
      await store.append(event.streamId, [{ type: event.type, data: event.data, metadata: event.metadata }], {
        expectedRevision: event.revision === 0 ? 'no_stream' : event.revision - 1,
      });
    }
    stored = [];
    for (let from = 0; ;) {
      const page = await store.readAll({ fromPosition: from, maxCount: 1000 });
      stored.push(...page);
      if (page.length < 1000) break;
      from = page[page.length - 1].position;
    }
  });

  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the history is varied: every kind of figure is there', () => {
    const projection = new MemoryProjection(':memory:');
    projection.apply(stored as unknown as ProjectedEvent[]);
    const claims = projection.insights('claims');
    expect(claims.scope).toEqual(['claims', 'high-value']);
    expect(new Set(claims.insights.map((insight) => insight.kind))).toEqual(
      new Set(['failure_cluster', 'slow_step', 'gate_wait', 'operator_fix', 'calibration', 'usage']),
    );
    expect(claims.calibration[0].reviewed).toBeGreaterThan(5);
    expect(projection.labels('claims', { limit: 1000 }).labels.length).toBeGreaterThan(2);
    expect(new Set(projection.operatorFixes('claims').map((fix) => fix.action.split(':')[0]))).toEqual(
      new Set(['revise+retry', 'retry', 'recovery', 'skip', 'cancel']),
    );
    const dump = projection.dump();
    expect(dump.memory_runs.some((row) => (row as { run_id: string }).run_id === 'eval-1')).toBe(true);
    expect(JSON.stringify(Object.entries(dump).filter(([table]) => table !== 'memory_runs'))).not.toContain('eval-1');
    projection.close();
  });

  it('a file fed live in batches, with redelivered batches, equals a fresh file caught up from position 0', async () => {
    const live = new MemoryProjection(join(dir, 'live.db'));
    for (let i = 0; i < stored.length; i += 37) {
      const batch = asConsumerBatch(stored.slice(i, i + 37));
      live.apply(batch);
      live.apply(batch); // redelivered: changes nothing
      if (i > 0) live.apply(asConsumerBatch(stored.slice(i - 10, i + 5))); // overlapping redelivery
    }
    const rebuilt = new MemoryProjection(join(dir, 'rebuilt.db'));
    const result = await catchUpFromStore(store, rebuilt);
    expect(result).toMatchObject({ ran: true, events: stored.length, position: stored[stored.length - 1].position });
    expect([...result.touched].sort()).toEqual(rebuilt.workflowIds().sort());
    expect(answers(rebuilt)).toEqual(answers(live));
    live.close();
    rebuilt.close();
  });

  it('any split of the events into batches (and any redelivery) gives the same projection', () => {
    const reference = new MemoryProjection(':memory:');
    reference.apply(stored as unknown as ProjectedEvent[]);
    const expected = answers(reference);
    reference.close();
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 120 }), { minLength: 1, maxLength: 40 }),
        fc.array(fc.nat({ max: stored.length - 1 }), { maxLength: 20 }),
        (sizes, redeliveries) => {
          const projection = new MemoryProjection(':memory:');
          let at = 0;
          for (let i = 0; at < stored.length; i++) {
            const size = sizes[i % sizes.length];
            projection.apply(asConsumerBatch(stored.slice(at, at + size)));
            at += size;
            const again = redeliveries[i % Math.max(1, redeliveries.length)];
            if (again !== undefined && again < at) projection.apply(asConsumerBatch(stored.slice(again, again + 3)));
          }
          const actual = answers(projection);
          projection.close();
          expect(actual).toEqual(expected);
        },
      ),
      { numRuns: 15 },
    );
  });
});

describe('memory projection: rebuild on start (catchUpFromStore)', () => {
  let dir: string;
  let store: SqliteEventStore;
  let expected: unknown;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'memory-catch-up-'));
    store = await SqliteEventStore.open(join(dir, 'events.db'));
    for (const event of variedHistory(7, 60)) {
      await store.append(event.streamId, [{ type: event.type, data: event.data, metadata: event.metadata }], {
        expectedRevision: event.revision === 0 ? 'no_stream' : event.revision - 1,
      });
    }
    const reference = new MemoryProjection(':memory:');
    await catchUpFromStore(store, reference);
    expected = answers(reference);
    reference.close();
  });

  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('fills a deleted file from the store in pages, once, and resumes an interrupted catch-up where it stopped', async () => {
    const path = join(dir, 'memory.db');
    const first = new MemoryProjection(path);
    // The store fails on the second page: the first page stays applied, its position saved.
    let reads = 0;
    const failing: EventStore = Object.assign(Object.create(store) as EventStore, {
      readAll: async (options: Parameters<EventStore['readAll']>[0]) => {
        if (++reads === 2) throw new Error('store_unavailable');
        return store.readAll(options);
      },
    });
    const progress: number[] = [];
    await expect(catchUpFromStore(failing, first, (p) => progress.push(p.events))).rejects.toThrow('store_unavailable');
    expect(progress).toEqual([CATCH_UP_PAGE_SIZE]);
    expect(first.catchUpState()).toMatchObject({ done: false });
    const resumed = await catchUpFromStore(store, first);
    expect(resumed.ran).toBe(true);
    expect(answers(first)).toEqual(expected);
    expect(await catchUpFromStore(store, first)).toMatchObject({ ran: false }); // caught up: not again
    first.close();

    // Memory's file deleted: a new one is caught up from position 0.
    for (const suffix of ['', '-wal', '-shm']) if (existsSync(path + suffix)) unlinkSync(path + suffix);
    const second = new MemoryProjection(path);
    expect(second.dump().memory_runs).toEqual([]);
    expect(await catchUpFromStore(store, second)).toMatchObject({ ran: true });
    expect(answers(second)).toEqual(expected);
    second.close();
  });

  it('catches up, on taking the lease back, the runs another replica applied while this file stood by', async () => {
    const history = variedHistory(7, 60);
    const half = Math.floor(history.length / 2);
    const own = await SqliteEventStore.open(join(dir, 'replicas.db'));
    const append = async (events: typeof history) => {
      for (const event of events)
        await own.append(event.streamId, [{ type: event.type, data: event.data, metadata: event.metadata }], {
          expectedRevision: event.revision === 0 ? 'no_stream' : event.revision - 1,
        });
    };
    const projection = new MemoryProjection(join(dir, 'stood-by.db'));
    await append(history.slice(0, half - 20));
    await catchUpFromStore(own, projection); // the first holder's rebuild
    await append(history.slice(half - 20, half));
    const delivered = await own.readAll({ fromPosition: projection.catchUpState().position, maxCount: 1000 });
    projection.apply(asConsumerBatch(delivered)); // then its consumer: the position moves with what it applied
    expect(projection.catchUpState()).toEqual({ position: delivered[delivered.length - 1].position, done: true });

    await append(history.slice(half)); // applied by the other replica while this one stood by (acked there)
    const result = await catchUpFromStore(own, projection); // this replica takes the lease back
    expect(result).toMatchObject({ ran: true, events: history.length - half });
    const reference = new MemoryProjection(':memory:'); // every event of this store, from position 0
    await catchUpFromStore(own, reference);
    expect(answers(projection)).toEqual(answers(reference));
    reference.close();
    expect(await catchUpFromStore(own, projection)).toMatchObject({ ran: false, events: 0 });
    projection.close();
    await own.close();
  });

  it("empties a file of another schema version (an older release's) and rebuilds it", async () => {
    const path = join(dir, 'old.db');
    const old = new Database(path);
    old.exec(
      "CREATE TABLE memory_step_stats (workflow_id TEXT, step_id TEXT, runs INTEGER, succeeded INTEGER, failed INTEGER, durations TEXT DEFAULT '[]');",
    );
    old.exec(
      'CREATE TABLE memory_runs (run_id TEXT PRIMARY KEY, workflow_id TEXT NOT NULL, applied_revision INTEGER NOT NULL);',
    );
    old.exec("INSERT INTO memory_runs VALUES ('r000', 'claims', 999)");
    old.close();
    const projection = new MemoryProjection(path);
    await catchUpFromStore(store, projection);
    expect(answers(projection)).toEqual(expected);
    projection.close();
  });
});
