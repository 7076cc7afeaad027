import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SqliteEventStore } from './sqlite.event-store.js';

/**
 * Several OS processes append to one SQLite file at once, as the services of one machine do with the embedded
 * store (docs/architecture.md, "Concurrency and crashes"). The workers run the compiled library
 * (`libs/event-store/dist`, built by `make test` or `npx tsc -b libs/event-store`), see
 * src/testing/sqlite-append-worker.mjs.
 */
const here = dirname(fileURLToPath(import.meta.url));
const workerScript = join(here, 'testing', 'sqlite-append-worker.mjs');
const buildInfo = resolve(here, '..', 'dist', 'tsconfig.tsbuildinfo');
const WORKERS = 4;
const APPENDS = 120;

interface WorkerResult {
  ownEventIds: string[];
  sharedEventIds: string[];
  sharedAppends: number;
  conflicts: number;
  errors: unknown[];
}

function assertBuilt(): void {
  const hint = 'build it first: npx tsc -b libs/event-store';
  if (!existsSync(buildInfo)) throw new Error(`libs/event-store/dist is missing; ${hint}`);
  const built = statSync(buildInfo).mtimeMs;
  const stale = readdirSync(here).filter(
    (f) => f.endsWith('.ts') && !f.includes('.spec') && statSync(join(here, f)).mtimeMs > built,
  );
  if (stale.length > 0) throw new Error(`libs/event-store/dist is older than ${stale.join(', ')}; ${hint}`);
}

function runWorker(
  file: string,
  id: number,
  startAt: number,
): Promise<{ code: number | null; result?: WorkerResult; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [workerScript, file, String(id), String(APPENDS), String(startAt)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = stdout.trim().split('\n').pop();
      resolvePromise({ code, result: line ? (JSON.parse(line) as WorkerResult) : undefined, stderr });
    });
  });
}

describe('SqliteEventStore shared by several OS processes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lf-sqlite-mp-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps every event exactly once, contiguous revisions, increasing positions and settles conflicts', async () => {
    assertBuilt();
    const file = join(dir, 'shared.db');
    const startAt = Date.now() + 1500;
    const outcomes = await Promise.all(Array.from({ length: WORKERS }, (_, i) => runWorker(file, i + 1, startAt)));
    for (const outcome of outcomes) {
      expect({ code: outcome.code, errors: outcome.result?.errors ?? outcome.stderr }).toEqual({ code: 0, errors: [] });
    }
    const results = outcomes.map((o) => o.result as WorkerResult);

    const store = await SqliteEventStore.open(file);
    const events = await store.readAll({ maxCount: 100_000 });
    await store.close();

    const expectedIds = results.flatMap((r) => [...r.ownEventIds, ...r.sharedEventIds]);
    const storedIds = events.map((e) => e.metadata.eventId);
    expect(new Set(storedIds).size).toBe(storedIds.length);
    expect([...storedIds].sort()).toEqual([...expectedIds].sort());

    for (let i = 1; i < events.length; i++) expect(events[i].position).toBeGreaterThan(events[i - 1].position);
    const revisions = new Map<string, number[]>();
    for (const e of events) revisions.set(e.streamId, [...(revisions.get(e.streamId) ?? []), e.revision]);
    for (const [, list] of revisions) expect(list).toEqual(list.map((_, i) => i));

    const sharedAppends = results.reduce((n, r) => n + r.sharedAppends, 0);
    const sharedEvents = results.reduce((n, r) => n + r.sharedEventIds.length, 0);
    expect(sharedAppends).toBe(WORKERS * APPENDS);
    expect(revisions.get('shared')).toHaveLength(sharedEvents);
    for (let w = 1; w <= WORKERS; w++) expect(revisions.get(`proc-${w}`)).toHaveLength(APPENDS);
    // The shared stream was contended: some appends lost the race and were retried after a ConcurrencyError.
    expect(results.reduce((n, r) => n + r.conflicts, 0)).toBeGreaterThan(0);
  }, 120_000);
});
