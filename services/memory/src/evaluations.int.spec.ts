import { join } from 'node:path';
import { BearerVerifier, signDevToken } from '@ledgerflow/auth';
import type { RecordEvaluationRequest } from '@ledgerflow/contracts';
import { SqliteEventStore } from '@ledgerflow/event-store';
import { validateBody } from '@ledgerflow/service-runtime';
import { rejectionOf, tempDir } from '@ledgerflow/testing';
import { RecordEvaluationDto } from './evaluations.dto.js';
import { EvaluationLedger } from './evaluations.js';

const settings = {
  authSecret: 'a-local-secret-of-at-least-32-bytes!!',
  authIssuer: 'ledgerflow-test',
  authAudience: 'ledgerflow',
};
const verifier = new BearerVerifier({
  keys: { secret: settings.authSecret },
  issuer: settings.authIssuer,
  audience: settings.authAudience,
});

const evaluation: RecordEvaluationRequest['evaluation'] = {
  workflowId: 'claim-review',
  workflowVersion: '1.0.0',
  goldenSet: 'claims',
  goldenSetDigest: `sha256:${'ab'.repeat(32)}`,
  passRate: 0.5,
  cases: [
    {
      caseId: 'CLM-2026-0001',
      runId: 'run-1',
      passed: true,
      failures: [],
      durationMs: 812,
      escalations: 0,
      steps: [{ stepId: 'extract_documents', passed: true, confidence: 0.95 }],
    },
    {
      caseId: 'CLM-2026-0003',
      runId: 'run-2',
      passed: false,
      failures: [{ stepId: 'payout', path: 'amount', message: 'expected 1200 ± 50, got 2150' }],
      durationMs: 905,
      escalations: 1,
      steps: [{ stepId: 'payout', passed: false }],
    },
  ],
};

describe('EvaluationLedger over a SQLite event store', () => {
  let store: SqliteEventStore;
  let ledger: EvaluationLedger;

  beforeAll(async () => {
    store = await SqliteEventStore.open(join(await tempDir('ledgerflow-evaluations-'), 'events.db'));
    ledger = new EvaluationLedger(store, verifier, () => new Date('2026-12-01T10:00:00.000Z'));
  });
  afterAll(async () => store.close());

  it('records EvaluationRecorded in memory-<workflowId> for the caller, and lists them oldest first', async () => {
    const token = await signDevToken(settings, { sub: 'ana', scopes: ['runs:start'] });
    const first = await ledger.record({ token, evaluation });
    expect(first).toEqual({ evaluationId: expect.any(String), ...evaluation, recordedAt: '2026-12-01T10:00:00.000Z' });
    const second = await ledger.record({
      serviceAccount: 'svc:ci:0123456789abcdef',
      evaluation: { ...evaluation, workflowVersion: '1.1.0', passRate: 1 },
    });
    expect(second.evaluationId).not.toBe(first.evaluationId);

    const events = await store.readStream('memory-claim-review');
    expect(events.map((e) => [e.type, e.metadata.eventId, e.metadata.actor])).toEqual([
      ['EvaluationRecorded', first.evaluationId, { kind: 'human', id: 'ana', via: 'memory' }],
      ['EvaluationRecorded', second.evaluationId, { kind: 'service', id: 'svc:ci:0123456789abcdef', via: 'memory' }],
    ]);
    expect(await ledger.list('claim-review')).toEqual([first, second]);
    expect(await ledger.list('invoices')).toEqual([]);
  });

  it('appends after other writers of the memory stream', async () => {
    await store.append(
      'memory-other',
      [
        {
          type: 'DriftDetected',
          data: { workflowId: 'other' },
          metadata: {
            eventId: '00000000-0000-4000-8000-000000000001',
            runId: '',
            causationId: 'test',
            actor: { kind: 'service', id: 'memory' },
            occurredAt: '2026-12-01T09:00:00.000Z',
            schemaVersion: 1,
          },
        },
      ],
      { expectedRevision: 'no_stream' },
    );
    const recorded = await ledger.record({
      serviceAccount: 'svc:ci:0123456789abcdef',
      evaluation: { ...evaluation, workflowId: 'other' },
    });
    expect((await store.readStream('memory-other')).map((e) => e.type)).toEqual([
      'DriftDetected',
      'EvaluationRecorded',
    ]);
    expect(await ledger.list('other')).toEqual([recorded]);
  });

  it('refuses a caller without runs:start, a forged token, and no caller at all', async () => {
    const reader = await signDevToken(settings, { sub: 'ana', scopes: ['runs:read'] });
    expect((await rejectionOf(ledger.record({ token: reader, evaluation }))).code).toBe('forbidden');
    const forged = await signDevToken(
      { ...settings, authSecret: 'another-secret-of-at-least-32-bytes!!' },
      { sub: 'ana', scopes: ['runs:start'] },
    );
    expect((await rejectionOf(ledger.record({ token: forged, evaluation }))).code).toBe('unauthorized');
    expect((await rejectionOf(ledger.record({ evaluation }))).code).toBe('unauthorized');
    expect(await ledger.list('claim-review')).toHaveLength(2);
  });
});

describe('RecordEvaluationDto', () => {
  it('accepts the request the gateway forwards', () => {
    const body = { token: 'x.y.z', evaluation };
    expect(validateBody(RecordEvaluationDto, JSON.parse(JSON.stringify(body)))).toMatchObject(body);
  });

  it('names each failing field', () => {
    const bad = {
      evaluation: {
        ...evaluation,
        workflowId: 'Claim Review',
        goldenSetDigest: 'md5:00',
        passRate: 1.5,
        cases: [{ ...evaluation.cases[0], runId: 'run/1', escalations: -1 }],
        extra: true,
      },
    };
    const error = (() => {
      try {
        validateBody(RecordEvaluationDto, bad);
      } catch (caught) {
        return caught as { code: string; message: string };
      }
      throw new Error('accepted an invalid request');
    })();
    expect(error.code).toBe('request_invalid');
    for (const field of [
      'evaluation.workflowId',
      'evaluation.goldenSetDigest',
      'evaluation.passRate',
      'evaluation.cases.0.runId',
      'evaluation.cases.0.escalations',
      'evaluation.extra',
    ])
      expect(error.message).toContain(field);
  });
});
