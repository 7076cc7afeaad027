import { join } from 'node:path';
import { Module } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { APP_FILTER, NestFactory } from '@nestjs/core';
import { parseAuditExport, verifyAuditExport } from '@ledgerflow/audit';
import { decide } from '@ledgerflow/domain';
import { SqliteEventStore } from '@ledgerflow/event-store';
import { RUN_REPOSITORY, RunRepository } from '@ledgerflow/service-runtime';
import type { Decision } from '@ledgerflow/service-runtime';
import { removeDir, tempDir } from '@ledgerflow/testing';
import { AuditController } from './audit.controller.js';
import { HttpErrorFilter } from './http-error.filter.js';
import { allow, planOf, step } from './run-script.spec-util.js';

/** `GET /v1/runs/{runId}/audit` over HTTP (Nest + express), reading a real SQLite event store file. */
describe('AuditController over HTTP', () => {
  let dir: string;
  let store: SqliteEventStore;
  let runs: RunRepository;
  let app: INestApplication;
  let baseUrl: string;
  const plan = planOf('claims', [step('a'), step('b', { dependsOn: ['a'] })]);
  const startRun =
    (runId: string): Decision =>
    (state, now) =>
      decide(
        {
          type: 'StartRun',
          data: {
            runId,
            workflowId: 'claims',
            workflowVersion: '1.0.0',
            trigger: { source: 'api', idempotencyKey: runId },
            input: {},
            plan,
          },
        },
        state,
        { now },
      );
  const allowA: Decision = (state, now) =>
    decide({ type: 'RecordStepPolicyDecision', data: { stepId: 'a', attempt: 1, decision: allow } }, state, { now });
  const getAudit = async (runId: string) => {
    const response = await fetch(`${baseUrl}/v1/runs/${runId}/audit`);
    return { status: response.status, body: (await response.json()) as unknown };
  };

  beforeAll(async () => {
    dir = await tempDir('ledgerflow-audit-controller');
    store = await SqliteEventStore.open(join(dir, 'events.db'));
    runs = new RunRepository(store, { kind: 'service', id: 'planner' });
    @Module({
      controllers: [AuditController],
      providers: [
        { provide: RUN_REPOSITORY, useValue: runs },
        { provide: APP_FILTER, useClass: HttpErrorFilter },
      ],
    })
    class AuditTestModule {}
    app = await NestFactory.create(AuditTestModule, { logger: false });
    await app.listen(0, '127.0.0.1');
    baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });

  afterAll(async () => {
    await app?.close();
    await store?.close();
    await removeDir(dir);
  });

  it('exports every event of the run with its chain; the export verifies and carries the head', async () => {
    await runs.execute('r1', startRun('r1'), { causationId: 'trigger' });
    await runs.execute('r1', allowA, { causationId: 'policy' });
    const before = Date.now();
    const { status, body } = await getAudit('r1');
    expect(status).toBe(200);
    const doc = parseAuditExport(body);
    const stored = await store.readStream('run-r1');
    expect(doc).toMatchObject({ format: 'ledgerflow-audit/1', runId: 'r1', head: stored[2]?.metadata.hash });
    expect(doc.events).toEqual(stored);
    expect(Date.parse(doc.exportedAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(verifyAuditExport(doc)).toEqual({ ok: true, count: 3, head: doc.head, unhashed: 0 });
  });

  it('a later export has a new head; the earlier head no longer matches it, so an old copy is told apart', async () => {
    await runs.execute('r2', startRun('r2'), { causationId: 'trigger' });
    const first = parseAuditExport((await getAudit('r2')).body);
    await runs.execute('r2', allowA, { causationId: 'policy' });
    const second = parseAuditExport((await getAudit('r2')).body);
    expect(second.head).not.toBe(first.head);
    expect(verifyAuditExport(first, second.head as string)).toMatchObject({
      ok: false,
      reason: 'head_mismatch',
      revision: 1,
    });
  });

  it('answers 404 run_not_found for a run that does not exist', async () => {
    const { status, body } = await getAudit('nope');
    expect(status).toBe(404);
    expect(body).toMatchObject({ error: { code: 'run_not_found', message: 'run nope does not exist' } });
  });
});
