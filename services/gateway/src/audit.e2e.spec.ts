import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SqliteEventStore } from '@ledgerflow/event-store';
import type { StoredEvent } from '@ledgerflow/event-store';
import { benchWorkers, repoRoot, runEventsWhen, startStack, tempDir, authHeader } from '@ledgerflow/testing';
import type { Stack } from '@ledgerflow/testing';

interface ExportFile {
  format: string;
  runId: string;
  head: string;
  events: Array<{
    streamId: string;
    revision: number;
    type: string;
    data: Record<string, unknown>;
    metadata: Record<string, unknown>;
  }>;
}

/**
 * Audit trail end to end: every service appends hashed events; a `noop-chain` run (ten steps, every event
 * appended by the planner and the executor as separate processes) is exported over HTTP, verified by the
 * built CLI (`node tools/cli/dist/main.js audit verify <file>`), then altered, cut, reordered and moved to
 * another run: each change is detected and the first event that does not verify is named.
 */
describe('the audit trail of a run', () => {
  let stack: Stack;
  let store: SqliteEventStore;
  let dataDir: string;
  let runId: string;
  let stored: StoredEvent[];
  let original: ExportFile;

  const verifyFile = async (doc: unknown, name: string, extra: string[] = []) => {
    const file = join(dataDir, `${name}.json`);
    await writeFile(file, JSON.stringify(doc, null, 2));
    return new Promise<{ code: number; out: string; err: string }>((resolve) => {
      execFile(
        process.execPath,
        [join(repoRoot(), 'tools/cli/dist/main.js'), 'audit', 'verify', file, ...extra],
        { timeout: 20_000 },
        (error, out, err) => {
          resolve({ code: error ? Number((error as { code?: unknown }).code ?? -1) : 0, out, err });
        },
      );
    });
  };
  const copy = (): ExportFile => JSON.parse(JSON.stringify(original)) as ExportFile;
  const named = (event: StoredEvent | undefined) =>
    `first failure: event #${event?.revision} (${event?.metadata.eventId}): `;

  beforeAll(async () => {
    dataDir = await tempDir('ledgerflow-audit-');
    stack = await startStack({
      dataDir,
      env: { LEDGERFLOW_DEFINITIONS_DIR: 'examples/bench/workflows' },
      extras: [benchWorkers(join(dataDir, 'ledger.jsonl'))],
    });
    store = await SqliteEventStore.open(stack.sqlitePath);
    const response = await fetch(`${stack.gatewayUrl}/v1/workflows/noop-chain/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await authHeader(stack)) },
      body: JSON.stringify({ input: {} }),
    });
    ({ runId } = (await response.json()) as { runId: string });
    stored = await runEventsWhen(
      store,
      runId,
      (events) => events.some((e) => e.type === 'RunCompleted'),
      'the run to complete',
    );
  }, 90_000);

  afterAll(async () => {
    await store?.close();
    await stack?.stop();
  }, 30_000);

  it('is exported over HTTP with every stored event and its chain head, and verifies', async () => {
    expect(stored.at(-1)?.type).toBe('RunCompleted');
    // The caller who started it (the test's admin token), by the planner; every later event the executor's own.
    expect(stored.slice(0, 2).map((e) => e.metadata.actor)).toEqual(
      Array(2).fill({ kind: 'human', id: 'ledgerflow-test', via: 'planner' }),
    );
    expect(new Set(stored.slice(2).map((e) => (e.metadata.actor as { id: string }).id))).toEqual(new Set(['executor']));
    const response = await fetch(`${stack.gatewayUrl}/v1/runs/${runId}/audit`, { headers: await authHeader(stack) });
    expect(response.status).toBe(200);
    original = (await response.json()) as ExportFile;
    expect(original).toMatchObject({ format: 'ledgerflow-audit/1', runId, head: stored.at(-1)?.metadata.hash });
    expect(original.events).toEqual(stored);
    expect(await verifyFile(original, 'original')).toEqual({
      code: 0,
      out: `ok: ${stored.length} events, chain head ${original.head}\n`,
      err: '',
    });
    await expect(readFile(join(dataDir, 'original.json'), 'utf8')).resolves.toContain(original.head);
  });

  it('answers 404 run_not_found for an unknown run', async () => {
    const response = await fetch(`${stack.gatewayUrl}/v1/runs/no-such-run/audit`, { headers: await authHeader(stack) });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { code: 'run_not_found' } });
  });

  it('detects an altered event and names it', async () => {
    const doc = copy();
    const index = doc.events.findIndex((e) => e.type === 'StepSucceeded' && e.data.stepId === 's05');
    doc.events[index]!.data.output = { n: 500 };
    expect(await verifyFile(doc, 'altered')).toEqual({
      code: 1,
      err: '',
      out: expect.stringContaining(`${named(stored[index])}content altered`),
    });
  });

  it('detects a removed event and names the event after the gap', async () => {
    const doc = copy();
    const index = doc.events.findIndex((e) => e.type === 'StepStarted' && e.data.stepId === 's03');
    doc.events.splice(index, 1);
    expect(await verifyFile(doc, 'removed')).toMatchObject({
      code: 1,
      out: expect.stringContaining(`${named(stored[index + 1])}previous hash mismatch`),
    });
  });

  it('detects two reordered events and names the one moved up', async () => {
    const doc = copy();
    const i = doc.events.findIndex((e) => e.type === 'StepPolicyEvaluated' && e.data.stepId === 's07');
    [doc.events[i], doc.events[i + 1]] = [doc.events[i + 1]!, doc.events[i]!];
    expect(await verifyFile(doc, 'reordered')).toMatchObject({
      code: 1,
      out: expect.stringContaining(`${named(stored[i + 1])}previous hash mismatch`),
    });
  });

  it('detects a truncated tail through the head, and a rewritten head through --head', async () => {
    const doc = copy();
    doc.events.splice(-2, 2);
    expect(await verifyFile(doc, 'truncated')).toMatchObject({
      code: 1,
      out: expect.stringContaining(`${named(stored.at(-3))}chain head mismatch`),
    });
    doc.head = doc.events.at(-1)!.metadata.hash as string;
    expect((await verifyFile(doc, 'truncated-rehead')).code).toBe(0);
    expect(await verifyFile(doc, 'truncated-rehead', ['--head', original.head])).toMatchObject({
      code: 1,
      out: expect.stringContaining(`${named(stored.at(-3))}chain head mismatch`),
    });
  });

  it('detects an export passed off as another run', async () => {
    const doc = { ...copy(), runId: '00000000-0000-4000-8000-000000000000' };
    expect(await verifyFile(doc, 'other-run')).toMatchObject({
      code: 1,
      out: expect.stringContaining(`${named(stored[0])}wrong stream`),
    });
  });
});
