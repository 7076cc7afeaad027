import { everyPage } from './list-pages.js';
import type { ReadPage } from './list-pages.js';
import { runEventsAfter } from './run-events.js';
import type { RunEventRecord } from './run-events.js';
import { checkpointsOfRun } from './replay.js';
import type { Checkpoint, CheckpointList } from './replay.js';

/** A run of 300 events, as `GET /v1/runs/{id}/events` stores them (revisions 0..299). */
const events: RunEventRecord[] = Array.from({ length: 300 }, (_, revision) => ({
  type: revision === 0 ? 'RunTriggered' : 'RunPaused',
  data: {},
  metadata: {} as RunEventRecord['metadata'],
  streamId: 'run-r1',
  revision,
  position: 1000 + revision,
  recordedAt: '2026-05-01T10:00:00.000Z',
}));

/**
 * A gateway stand-in answering a list `limit` items at a time (the API's most is 1000; `pageSize` caps it lower so a
 * long run takes several pages), naming the next page by its position as a `Link` does; the paths it was asked.
 */
function pagedList<T>(all: readonly T[], pageSize: number) {
  const asked: string[] = [];
  const read = async (path: string): Promise<ReadPage<T[]>> => {
    asked.push(path);
    const url = new URL(path, 'http://console.invalid');
    const after = Number(url.searchParams.get('after') ?? '-1');
    const from = Math.max(after + 1, Number(url.searchParams.get('cursor') ?? '0'));
    const limit = Math.min(Number(url.searchParams.get('limit') ?? '100'), pageSize);
    url.searchParams.set('cursor', String(from + limit));
    const next = from + limit < all.length ? `${url.pathname}${url.search}` : undefined;
    return { items: all.slice(from, from + limit), ...(next ? { next } : {}) };
  };
  return { asked, read };
}

describe('the console reads a list of the API to its end', () => {
  it("reads every event of a 300-event run over the gateway's pages, in revision order", async () => {
    const gateway = pagedList(events, 100);
    const read = await runEventsAfter(gateway.read, 'r1');
    expect(read.map((event) => event.revision)).toEqual(events.map((event) => event.revision));
    expect(gateway.asked).toHaveLength(3);
    expect(gateway.asked[0]).toBe('/v1/runs/r1/events?after=-1&limit=1000');
  });

  it('reads every event past a revision, however many pages they take', async () => {
    const gateway = pagedList(events, 40);
    const read = await runEventsAfter(gateway.read, 'r1', 149);
    expect(read.map((event) => event.revision)).toEqual(events.slice(150).map((event) => event.revision));
    expect(gateway.asked).toHaveLength(4);
  });

  it('joins the checkpoints of every page of a run, the revision as the last page says', async () => {
    const checkpoints: Checkpoint[] = Array.from({ length: 230 }, (_, i) => ({
      id: `cp-${i + 1}`,
      revision: 2 * i + 3,
      type: 'StepSucceeded',
      summary: `step ${i + 1} succeeded`,
    }));
    const gateway = pagedList(checkpoints, 100);
    const read = async (path: string): Promise<ReadPage<CheckpointList>> => {
      const page = await gateway.read(path);
      return { ...page, items: { runId: 'r1', revision: 470 + gateway.asked.length, checkpoints: page.items } };
    };
    const list = await checkpointsOfRun(read, 'r/1');
    expect(list.checkpoints.map((checkpoint) => checkpoint.id)).toEqual(checkpoints.map((checkpoint) => checkpoint.id));
    expect(list.revision).toBe(473);
    expect(gateway.asked[0]).toBe('/v1/runs/r%2F1/checkpoints?limit=1000');
  });

  it('refuses a next page that names a page already read, rather than reading forever', async () => {
    const read = async (path: string): Promise<ReadPage<number[]>> => ({ items: [1], next: path });
    await expect(everyPage(read, '/v1/workflows/w/stats')).rejects.toThrow(/named \/v1\/workflows\/w\/stats/);
  });
});
