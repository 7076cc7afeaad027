import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { SqliteEventStore } from '@ledgerflow/event-store';
import type { StoredEvent } from '@ledgerflow/event-store';
import { repoRoot, runEventsWhen, startBenchStack, authHeader } from '@ledgerflow/testing';
import type { BenchStack } from '@ledgerflow/testing';

/**
 * Replay end to end: `recorded-chain` (r1 -> r2 -> r3 -> r4, each recording a ledger line per idempotency key)
 * runs through the stack; its checkpoints, state at cp-2 and diff cp-2..cp-3 are read from the gateway; a fork at
 * cp-2 (gateway -> planner `lf.planner.fork-run`) carries r1, r2 over and the executor runs r3, r4 anew: no
 * StepStarted and no ledger line for r1, r2 in the new run.
 */
describe('replay: checkpoints, state, diff and fork', () => {
  let stack: BenchStack;
  let store: SqliteEventStore;
  let api: string;
  let ledger: string;

  beforeAll(async () => {
    stack = await startBenchStack('ledgerflow-replay-');
    ledger = stack.benchLedger;
    store = await SqliteEventStore.open(stack.sqlitePath);
    api = stack.gatewayUrl;
  }, 90_000);

  afterAll(async () => {
    await store?.close();
    await stack?.stop();
  }, 30_000);

  /** The run's events once it completed or failed. */
  const ended = (runId: string): Promise<StoredEvent[]> =>
    runEventsWhen(
      store,
      runId,
      (events) => events.some((e) => e.type === 'RunCompleted' || e.type === 'RunFailed'),
      'the run to end',
    );

  const get = async (path: string) => {
    const response = await fetch(`${api}${path}`, { headers: await authHeader(stack) });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  /** The side effects the bench.record worker applied: one JSON line per idempotency key (examples/bench/src/tools.ts). */
  const readLines = (path: string): Array<{ runId: string; stepId: string }> =>
    existsSync(path)
      ? readFileSync(path, 'utf8')
          .split('\n')
          .filter((line) => line.trim() !== '')
          .map((line) => JSON.parse(line) as { runId: string; stepId: string })
      : [];
  const stepOf = (event: StoredEvent) => (event.data as { stepId?: string }).stepId;

  it('reads checkpoints, state and diff, and forks at cp-2 without re-running r1 and r2', async () => {
    const started = await fetch(`${stack.gatewayUrl}/v1/workflows/recorded-chain/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await authHeader(stack)) },
      body: JSON.stringify({ input: { sleepMs: 0 } }),
    });
    const { runId } = (await started.json()) as { runId: string };
    expect((await ended(runId)).at(-1)?.type).toBe('RunCompleted');

    const checkpoints = (await get(`/v1/runs/${runId}/checkpoints`)).body.checkpoints as Array<{
      id: string;
      stepId: string;
      type: string;
      at: string;
    }>;
    expect(checkpoints.map((cp) => [cp.id, cp.type, cp.stepId])).toEqual([
      ['cp-1', 'StepSucceeded', 'r1'],
      ['cp-2', 'StepSucceeded', 'r2'],
      ['cp-3', 'StepSucceeded', 'r3'],
      ['cp-4', 'StepSucceeded', 'r4'],
    ]);
    expect(checkpoints.every((cp) => !Number.isNaN(Date.parse(cp.at)))).toBe(true);

    const state = await get(`/v1/runs/${runId}/state?at=cp-2`);
    const steps = state.body.steps as Array<{
      stepId: string;
      status: string;
      output?: unknown;
      lineage: { upstream: string[] };
    }>;
    expect(steps.map((s) => [s.stepId, s.status])).toEqual([
      ['r1', 'succeeded'],
      ['r2', 'succeeded'],
      ['r3', 'pending'],
      ['r4', 'pending'],
    ]);
    expect(steps[1]?.lineage.upstream).toEqual(['r1']);
    expect(steps[0]?.output).toEqual({ recorded: true });

    const diff = (await get(`/v1/runs/${runId}/diff?from=cp-2&to=cp-3`)).body.changes as Array<{
      op: string;
      path: string;
      to?: unknown;
    }>;
    expect(diff).toContainEqual({ op: 'replace', path: '/steps/r3/status', from: 'pending', to: 'succeeded' });
    expect(diff.some((change) => change.path === '/steps/r3/output')).toBe(true);
    expect(diff.filter((change) => /^\/steps\/r[124]\//.test(change.path))).toEqual([]);

    expect(await get(`/v1/runs/${runId}/state?at=cp-9`)).toEqual({
      status: 404,
      body: { error: expect.objectContaining({ code: 'checkpoint_unknown' }) },
    });

    const fork = async () => {
      const response = await fetch(`${api}/v1/runs/${runId}/fork`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(await authHeader(stack)) },
        body: JSON.stringify({ at: 'cp-2' }),
      });
      return {
        status: response.status,
        body: (await response.json()) as {
          runId: string;
          created: boolean;
          forkedFrom: { runId: string; checkpoint: string };
        },
      };
    };
    const forked = await fork();
    expect(forked.status).toBe(202);
    expect(forked.body).toMatchObject({
      created: true,
      forkedFrom: { runId, checkpoint: 'cp-2' },
      location: `/v1/runs/${forked.body.runId}`,
    });
    const events = await ended(forked.body.runId);
    expect(events.at(-1)?.type).toBe('RunCompleted');
    expect(events.filter((e) => e.type === 'StepStarted').map(stepOf)).toEqual(['r3', 'r4']);
    expect(
      events.filter((e) => e.type === 'StepSucceeded' && (e.data as { carriedOver?: boolean }).carriedOver).map(stepOf),
    ).toEqual(['r1', 'r2']);
    expect(
      readLines(ledger)
        .filter((line) => line.runId === forked.body.runId)
        .map((line) => line.stepId),
    ).toEqual(['r3', 'r4']);
    expect(
      readLines(ledger)
        .filter((line) => line.runId === runId)
        .map((line) => line.stepId),
    ).toEqual(['r1', 'r2', 'r3', 'r4']);

    const forkState = await get(`/v1/runs/${forked.body.runId}/state`);
    expect(forkState.body).toMatchObject({ status: 'completed', forkedFrom: { runId, checkpoint: 'cp-2' } });
    expect(
      (forkState.body.steps as Array<{ lineage: { carriedOver: boolean } }>).map((s) => s.lineage.carriedOver),
    ).toEqual([true, true, false, false]);
    expect((await fork()).body).toMatchObject({ runId: forked.body.runId, created: false });
  }, 60_000);

  it('serves the same through the command line (ledgerflow runs ...)', async () => {
    const token = (
      await authHeader(stack, { sub: 'auditor', scopes: ['runs:read', 'runs:operate'] })
    ).authorization.slice('Bearer '.length);
    const cli = async (...args: string[]) => {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [join(repoRoot(), 'tools/cli/dist/main.js'), ...args],
        {
          env: { ...process.env, LEDGERFLOW_URL: api, LEDGERFLOW_TOKEN: token },
        },
      );
      return stdout;
    };
    const started = await fetch(`${api}/v1/workflows/recorded-chain/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await authHeader(stack)) },
      body: JSON.stringify({ input: { sleepMs: 0 } }),
    });
    const { runId } = (await started.json()) as { runId: string };
    expect((await ended(runId)).at(-1)?.type).toBe('RunCompleted');

    const checkpoints = JSON.parse(await cli('runs', 'checkpoints', runId, '--json')) as {
      checkpoints: Array<{ id: string }>;
    };
    expect(checkpoints.checkpoints.map((cp) => cp.id)).toEqual(['cp-1', 'cp-2', 'cp-3', 'cp-4']);
    expect(await cli('runs', 'trace', runId)).toContain('r4');
    const diff = JSON.parse(await cli('runs', 'diff', runId, '--from', 'cp-3', '--to', 'cp-4', '--json')) as {
      changes: Array<{ path: string }>;
    };
    expect(diff.changes.map((c) => c.path)).toContain('/steps/r4/status');
    const forked = JSON.parse(await cli('runs', 'fork', runId, '--at', 'cp-3', '--json')) as {
      runId: string;
      created: boolean;
    };
    expect(forked.created).toBe(true);
    const events = await ended(forked.runId);
    expect(events.filter((e) => e.type === 'StepStarted').map(stepOf)).toEqual(['r4']);
  }, 60_000);
});
