import Database from 'better-sqlite3';
import { inputDigestOf } from '@ledgerflow/audit';
import { subjects } from '@ledgerflow/contracts';
import { SqliteEventStore } from '@ledgerflow/event-store';
import { requestJson } from '@ledgerflow/messaging';
import { authHeader, devToken, eventually, startBenchStack, startRunOverHttp } from '@ledgerflow/testing';
import type { BenchStack } from '@ledgerflow/testing';

/**
 * Integrity checked by the system (docs/operations.md, "Integrity"): a row of the SQLite store edited directly
 * (bypassing every service) is flagged by the API and refused by the service that would act on the run. A
 * `chaos-gated` run waits at its gate (g2, reviewer chaos-lead); the test edits its last event, `GateOpened`,
 * in place (the reviewers it names), as someone with write access to the file would.
 */
describe('integrity of a run edited in the store', () => {
  let stack: BenchStack;
  let store: SqliteEventStore;

  beforeAll(async () => {
    stack = await startBenchStack('ledgerflow-integrity-', {
      definitionsDirs: ['services/executor/src/fixtures/workflows'],
    });
    store = await SqliteEventStore.open(stack.sqlitePath);
  }, 90_000);

  afterAll(async () => {
    await store?.close();
    await stack?.stop();
  }, 30_000);

  const get = async (path: string) => {
    const response = await fetch(`${stack.gatewayUrl}${path}`, { headers: await authHeader(stack) });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  const getList = async (path: string) => {
    const response = await fetch(`${stack.gatewayUrl}${path}`, { headers: await authHeader(stack) });
    return { status: response.status, body: (await response.json()) as Array<Record<string, unknown>> };
  };

  it('flags the run in the API, refuses the gate decision, marks it integrity_failed; an untouched run stays ok', async () => {
    const runId = await startRunOverHttp(stack, 'chaos-gated', { input: { sleepMs: 0 }, idempotencyKey: 'tampered' });
    const other = await startRunOverHttp(stack, 'chaos-gated', { input: { sleepMs: 0 }, idempotencyKey: 'untouched' });
    for (const id of [runId, other]) {
      await eventually(
        async () => ((await store.readStream(`run-${id}`)).some((e) => e.type === 'GateOpened') ? true : undefined),
        30_000,
        `gate of ${id}`,
      );
    }
    expect((await get(`/v1/runs/${runId}`)).body.integrity).toEqual({ ok: true });

    const gateOpened = (await store.readStream(`run-${runId}`)).find((e) => e.type === 'GateOpened');
    const db = new Database(stack.sqlitePath);
    try {
      const data = { ...(gateOpened?.data as Record<string, unknown>), reviewers: ['mallory'] };
      expect(
        db
          .prepare('UPDATE events SET data = ? WHERE event_id = ?')
          .run(JSON.stringify(data), gateOpened?.metadata.eventId).changes,
      ).toBe(1);
    } finally {
      db.close();
    }

    const run = await get(`/v1/runs/${runId}`);
    expect(run.status).toBe(200);
    expect(run.body.integrity).toMatchObject({
      ok: false,
      revision: gateOpened?.revision,
      eventId: gateOpened?.metadata.eventId,
      reason: 'content_altered',
    });
    expect((await get(`/v1/runs/${runId}/trace`)).body.integrity).toMatchObject({
      ok: false,
      reason: 'content_altered',
    });
    expect((await get(`/v1/runs/${other}`)).body.integrity).toEqual({ ok: true });

    const before = (await store.readStream(`run-${runId}`)).length;
    for (const reviewer of ['mallory', 'chaos-lead']) {
      const token = await devToken(stack, { sub: reviewer, scopes: ['gates:decide'] });
      const decided = await fetch(`${stack.gatewayUrl}/v1/gates/${runId}.g2/decision`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ outcome: 'approve' }),
      });
      expect([reviewer, decided.status, ((await decided.json()) as { error?: { code?: string } }).error?.code]).toEqual(
        [reviewer, 409, 'integrity_failed'],
      );
    }
    expect((await store.readStream(`run-${runId}`)).length).toBe(before);

    // The policy service refuses to decide (and so to grant) on that history too.
    const nc = await stack.connect('executor');
    try {
      const input = { sleepMs: 0 };
      const asked = await requestJson(
        nc,
        subjects.policyEvaluate,
        { runId, stepId: 'g2', attempt: 1, input, inputDigest: inputDigestOf(input) },
        { timeoutMs: 10_000 },
      ).then(
        () => 'granted',
        (error: { code?: string }) => error.code,
      );
      expect(asked).toBe('integrity_failed');
    } finally {
      await nc.close();
    }

    // Each service that met the broken chain marked the run, once: the run is listed as integrity_failed.
    const listed = await eventually(
      async () => {
        const { body } = await getList('/v1/runs?status=integrity_failed');
        const found = body.find((r) => r.runId === runId);
        return found && (found.integrity as { detectedBy: string[] }).detectedBy.length >= 3 ? body : undefined;
      },
      10_000,
      'run listed as integrity_failed',
    );
    expect(listed.map((r) => r.runId)).toEqual([runId]);
    expect(listed[0]).toMatchObject({
      status: 'integrity_failed',
      integrity: { eventId: gateOpened?.metadata.eventId, revision: gateOpened?.revision, reason: 'content_altered' },
    });
    const marks = await store.readStream(`integrity-${runId}`);
    const detectors = marks.map((e) => (e.data as { detectedBy: string }).detectedBy);
    expect([...detectors].sort()).toEqual(expect.arrayContaining(['approval', 'gateway', 'policy']));
    expect(new Set(detectors).size).toBe(detectors.length); // once per service, however often it met the run
    expect(marks.every((e) => e.type === 'RunIntegrityFailed')).toBe(true);

    // The untouched run still moves: its reviewer's decision is recorded.
    const lead = await devToken(stack, { sub: 'chaos-lead', scopes: ['gates:decide'] });
    const ok = await fetch(`${stack.gatewayUrl}/v1/gates/${other}.g2/decision`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${lead}` },
      body: JSON.stringify({ outcome: 'approve' }),
    });
    expect(ok.status).toBe(200);
  }, 90_000);
});
