import { Module } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR, APP_PIPE, NestFactory } from '@nestjs/core';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import { nextPageOf, subjects } from '@ledgerflow/contracts';
import type {
  ErrorBody,
  EvaluationRecorded,
  LabelledExample,
  Principal,
  RecommendationView,
  WorkflowInsights,
} from '@ledgerflow/contracts';
import { LedgerflowError } from '@ledgerflow/domain';
import { NATS_CONNECTION } from '@ledgerflow/service-runtime';
import { startNatsServer } from '@ledgerflow/testing';
import type { NatsServerHandle } from '@ledgerflow/testing';
import { AuthGuard } from './auth.guard.js';
import { Authenticator } from './authenticator.js';
import { BodyValidationPipe } from './body-validation.pipe.js';
import { HttpErrorFilter } from './http-error.filter.js';
import { InputShapeInterceptor } from './input-shape.interceptor.js';
import { MemoryController } from './memory-api.controller.js';
import { ServicesClient } from './services.client.js';

/** Bearer credentials of the test and who each is; `lfk_...` is a service account's API key. */
const PRINCIPALS: Record<string, Principal> = {
  reader: { kind: 'human', id: 'rita', scopes: ['runs:read'] },
  writer: { kind: 'human', id: 'ana', scopes: ['workflows:write', 'runs:start', 'runs:read'] },
};
const API_KEY = 'lfk_0123456789abcdef_secret';
const ACCOUNT: Principal = { kind: 'service', id: 'svc:ci:0123456789abcdef', scopes: ['admin'] };

const recommendation = (id: string, proposedAt: string): RecommendationView => ({
  recommendationId: `claims.add_recovery_rule.${id}`,
  workflowId: 'claims',
  scope: [],
  kind: 'add_recovery_rule',
  summary: 'add recovery refresh_token before retrying fetch_invoice on token_expired',
  evidence: { runs: 30, occurrences: 6, succeeded: 6, from: proposedAt, to: proposedAt, exampleRunIds: ['r-1'] },
  projectedEffect: { operatorFixesAvoided: 0.2 },
  proposal: { rule: { id: 'learned-1', on: { step: 'fetch_invoice', code: 'token_expired' }, steps: [] } },
  proposedAt,
  status: 'proposed',
});

const label = (i: number, stepId = 'extract'): LabelledExample => ({
  runId: `run-${i}`,
  stepId,
  input: { text: `claim ${i}` },
  output: { amount: i },
  correctedOutput: { amount: i * 10 },
  verdict: 'corrected',
  reviewer: 'ana',
  decidedAt: `2026-01-01T00:00:${String(i).padStart(2, '0')}.000Z`,
});

/**
 * Memory's endpoints over HTTP (Nest + express, the gateway's guard, interceptor, pipe and filter) against a real
 * nats-server, with a stand-in for memory answering `lf.memory.*` as its contract says (libs/contracts, memory.ts):
 * what the gateway sends on each subject, and how it answers memory's replies and refusals.
 */
describe('MemoryController over HTTP and NATS', () => {
  let server: NatsServerHandle;
  let gatewayNc: NatsConnection;
  let memoryNc: NatsConnection;
  let app: INestApplication;
  let baseUrl: string;
  const received: Array<{ subject: string; body: Record<string, unknown> }> = [];
  const recommendations = new Map<string, RecommendationView>();
  const labels = Array.from({ length: 5 }, (_, i) => label(i)).concat([label(9, 'assess')]);
  const evaluations: EvaluationRecorded[] = [];
  const insights: WorkflowInsights = {
    workflowId: 'claims',
    scope: ['claims'],
    runs: 30,
    insights: [
      {
        kind: 'failure_cluster',
        stepId: 'fetch_invoice',
        summary: 'fetch_invoice fails with token_expired in 20% of runs since 2026-01-01',
        evidence: { runs: 30, occurrences: 6, from: '2026-01-01', to: '2026-01-02', exampleRunIds: ['r-1'] },
      },
    ],
    calibration: [],
    usage: { inputTokens: 10, outputTokens: 5, costUsd: 0.01, steps: 2, byStep: {} },
  };

  /** Memory, as the stand-in answers it: a value, or a refusal as memory's handlers throw it. */
  function answer(subject: string, body: Record<string, unknown>): unknown {
    switch (subject) {
      case subjects.memoryInsights:
        return insights;
      case subjects.memoryRecommendations:
        return [...recommendations.values()];
      case subjects.memoryDecideRecommendation: {
        const found = recommendations.get(String(body['recommendationId']));
        if (!found) throw new LedgerflowError('recommendation_not_found', 'no such recommendation', false);
        if (found.status !== 'proposed')
          throw new LedgerflowError('recommendation_already_decided', `already ${found.status}`, false);
        const decided: RecommendationView = {
          ...found,
          status: body['decision'] === 'accept' ? 'accepted' : 'rejected',
          decidedBy: String(body['token'] ?? body['serviceAccount']),
          decidedAt: '2026-01-03T00:00:00.000Z',
          ...(typeof body['comment'] === 'string' ? { comment: body['comment'] } : {}),
        };
        recommendations.set(found.recommendationId, decided);
        return decided;
      }
      case subjects.memoryLabels: {
        const matching = labels.filter((l) => body['stepId'] === undefined || l.stepId === body['stepId']);
        const from = body['after'] === undefined ? 0 : Number(String(body['after']).replace('m', ''));
        const limit = Number(body['limit']);
        const page = matching.slice(from, from + limit);
        return { labels: page, ...(from + limit < matching.length ? { next: `m${from + limit}` } : {}) };
      }
      case subjects.memoryRecordEvaluation: {
        const recorded = {
          ...(body['evaluation'] as Omit<EvaluationRecorded, 'evaluationId' | 'recordedAt'>),
          evaluationId: `eval-${evaluations.length + 1}`,
          recordedAt: `2026-01-0${evaluations.length + 1}T00:00:00.000Z`,
        };
        evaluations.push(recorded);
        return recorded;
      }
      case subjects.memoryEvaluations:
        return evaluations;
      default:
        throw new Error(`unexpected subject ${subject}`);
    }
  }

  const call = async (method: string, path: string, credential = 'writer', body?: unknown) => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${credential}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: response.status, headers: response.headers, text, json };
  };
  const errorOf = (json: unknown) => (json as { error: ErrorBody }).error;

  beforeAll(async () => {
    server = await startNatsServer({ jetstream: false });
    memoryNc = await connect({ servers: server.url });
    gatewayNc = await connect({ servers: server.url });
    memoryNc.subscribe('lf.memory.*', {
      callback: (_error, message) => {
        const body = message.json<Record<string, unknown>>();
        received.push({ subject: message.subject, body });
        try {
          message.respond(JSON.stringify({ ok: true, value: answer(message.subject, body) }));
        } catch (error) {
          const e = error as LedgerflowError;
          message.respond(
            JSON.stringify({ ok: false, error: { code: e.code, message: e.message, retryable: e.retryable } }),
          );
        }
      },
    });
    await memoryNc.flush();
    const jwt = {
      verify: (token: string) => {
        const principal = PRINCIPALS[token];
        if (!principal) throw new LedgerflowError('unauthorized', 'unknown token', false);
        return Promise.resolve(principal);
      },
    };
    const accounts = {
      authenticate: (key: string) =>
        key === API_KEY
          ? Promise.resolve(ACCOUNT)
          : Promise.reject(new LedgerflowError('unauthorized', 'unknown key', false)),
    };
    @Module({
      controllers: [MemoryController],
      providers: [
        ServicesClient,
        { provide: NATS_CONNECTION, useValue: gatewayNc },
        { provide: Authenticator, useValue: new Authenticator(jwt, accounts) },
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_INTERCEPTOR, useClass: InputShapeInterceptor },
        { provide: APP_PIPE, useClass: BodyValidationPipe },
        { provide: APP_FILTER, useClass: HttpErrorFilter },
      ],
    })
    class MemoryApiTestModule {}
    app = await NestFactory.create(MemoryApiTestModule, { logger: false, rawBody: true });
    await app.listen(0, '127.0.0.1');
    baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  }, 30_000);

  beforeEach(() => {
    received.length = 0;
    recommendations.clear();
    for (const r of [
      recommendation('000000000002', '2026-01-02T00:00:00.000Z'),
      recommendation('000000000001', '2026-01-01T00:00:00.000Z'),
      { ...recommendation('000000000003', '2026-01-03T00:00:00.000Z'), status: 'rejected' as const },
    ])
      recommendations.set(r.recommendationId, r);
  });

  afterAll(async () => {
    await app?.close();
    await gatewayNc?.close();
    await memoryNc?.close();
    await server?.stop();
  });

  it('answers insights as memory does, asking it for the path workflow', async () => {
    const { status, json } = await call('GET', '/v1/workflows/claims/insights', 'reader');
    expect([status, json]).toEqual([200, insights]);
    expect(received).toEqual([{ subject: subjects.memoryInsights, body: { workflowId: 'claims' } }]);
  });

  it('lists recommendations oldest first, filtered by a validated status, paged by Link', async () => {
    const first = await call('GET', '/v1/workflows/claims/recommendations?status=proposed&limit=1', 'reader');
    expect(first.status).toBe(200);
    expect((first.json as RecommendationView[]).map((r) => r.recommendationId)).toEqual([
      'claims.add_recovery_rule.000000000001',
    ]);
    const next = nextPageOf(first.headers.get('link'));
    expect(next).toContain('status=proposed');
    const second = await call('GET', next!, 'reader');
    expect((second.json as RecommendationView[]).map((r) => r.recommendationId)).toEqual([
      'claims.add_recovery_rule.000000000002',
    ]);
    expect(second.headers.get('link')).toBeNull();
    const all = await call('GET', '/v1/workflows/claims/recommendations', 'reader');
    expect((all.json as RecommendationView[]).map((r) => r.status)).toEqual(['proposed', 'proposed', 'rejected']);
    const bad = await call('GET', '/v1/workflows/claims/recommendations?status=maybe', 'reader');
    expect([bad.status, errorOf(bad.json).code, errorOf(bad.json).details?.['field']]).toEqual([
      400,
      'request_invalid',
      'status',
    ]);
  });

  it("forwards a decision with the caller's JWT, or a service account's id (never its key); 200 with the recommendation", async () => {
    const id = 'claims.add_recovery_rule.000000000001';
    const accepted = await call('POST', `/v1/recommendations/${id}/accept`, 'writer', { comment: 'seen it work' });
    expect(accepted.status).toBe(200);
    expect(accepted.json).toMatchObject({ recommendationId: id, status: 'accepted', comment: 'seen it work' });
    expect(received.at(-1)).toEqual({
      subject: subjects.memoryDecideRecommendation,
      body: { recommendationId: id, decision: 'accept', comment: 'seen it work', token: 'writer' },
    });
    const other = 'claims.add_recovery_rule.000000000002';
    const rejected = await fetch(`${baseUrl}/v1/recommendations/${other}/reject`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}` },
    });
    expect(rejected.status).toBe(200);
    expect(received.at(-1)?.body).toEqual({ recommendationId: other, decision: 'reject', serviceAccount: ACCOUNT.id });
    expect(JSON.stringify(received)).not.toContain(API_KEY);
  });

  it('answers memory refusals by their category: 404 recommendation_not_found, 409 recommendation_already_decided', async () => {
    const missing = await call(
      'POST',
      '/v1/recommendations/claims.add_recovery_rule.0000000000ff/accept',
      'writer',
      {},
    );
    expect([missing.status, errorOf(missing.json).code]).toEqual([404, 'recommendation_not_found']);
    const decided = await call('POST', '/v1/recommendations/claims.add_recovery_rule.000000000003/accept', 'writer');
    expect([decided.status, errorOf(decided.json).code]).toEqual([409, 'recommendation_already_decided']);
  });

  it('refuses a decision without workflows:write (403), with a long comment or another field (400), before memory', async () => {
    const id = 'claims.add_recovery_rule.000000000001';
    const reader = await call('POST', `/v1/recommendations/${id}/accept`, 'reader', {});
    expect([reader.status, errorOf(reader.json).code]).toEqual([403, 'forbidden']);
    const long = await call('POST', `/v1/recommendations/${id}/reject`, 'writer', { comment: 'x'.repeat(2001) });
    expect([long.status, errorOf(long.json).code]).toEqual([400, 'request_invalid']);
    const extra = await call('POST', `/v1/recommendations/${id}/reject`, 'writer', { decision: 'accept' });
    expect([extra.status, errorOf(extra.json).code]).toEqual([400, 'request_invalid']);
    const badId = await call('POST', `/v1/recommendations/a%0Ab/accept`, 'writer', {});
    expect([badId.status, errorOf(badId.json).details?.['field']]).toEqual([400, 'recommendationId']);
    expect(received).toEqual([]);
  });

  it('serves labels as JSON lines, following Link pages to the last, filtered by step', async () => {
    const lines: LabelledExample[] = [];
    let path: string | undefined = '/v1/workflows/claims/labels?stepId=extract&limit=2';
    const pages: string[] = [];
    while (path !== undefined) {
      pages.push(path);
      const page = await call('GET', path, 'reader');
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
      lines.push(
        ...page.text
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as LabelledExample),
      );
      path = nextPageOf(page.headers.get('link'));
    }
    expect(pages).toHaveLength(3);
    expect(lines).toEqual(labels.filter((l) => l.stepId === 'extract'));
    expect(received.map((r) => r.body)).toEqual([
      { workflowId: 'claims', stepId: 'extract', limit: 2 },
      { workflowId: 'claims', stepId: 'extract', limit: 2, after: 'm2' },
      { workflowId: 'claims', stepId: 'extract', limit: 2, after: 'm4' },
    ]);
    const garbled = await call('GET', '/v1/workflows/claims/labels?cursor=bm9wZQ', 'reader');
    expect([garbled.status, errorOf(garbled.json).details?.['field']]).toEqual([400, 'cursor']);
    const tooMany = await call('GET', '/v1/workflows/claims/labels?limit=1001', 'reader');
    expect([tooMany.status, errorOf(tooMany.json).details?.['field']]).toEqual([400, 'limit']);
  });

  it('records an evaluation (201) in the name of the caller under the path workflow, and lists them', async () => {
    const evaluation = {
      workflowVersion: '1.0.0',
      goldenSet: 'claims.golden.yaml',
      goldenSetDigest: `sha256:${'0'.repeat(64)}`,
      passRate: 1,
      cases: [{ caseId: 'c1', runId: 'r-1', passed: true, failures: [], durationMs: 5, escalations: 0, steps: [] }],
    };
    const recorded = await call('POST', '/v1/workflows/claims/evaluations', 'writer', evaluation);
    expect(recorded.status).toBe(201);
    expect(recorded.json).toMatchObject({ ...evaluation, workflowId: 'claims', evaluationId: 'eval-1' });
    expect(received.at(-1)).toEqual({
      subject: subjects.memoryRecordEvaluation,
      body: { evaluation: { ...evaluation, workflowId: 'claims' }, token: 'writer' },
    });
    const mismatch = await call('POST', '/v1/workflows/claims/evaluations', 'writer', {
      ...evaluation,
      workflowId: 'other',
    });
    expect([mismatch.status, errorOf(mismatch.json).code]).toEqual([400, 'request_invalid']);
    const reader = await call('POST', '/v1/workflows/claims/evaluations', 'reader', evaluation);
    expect(reader.status).toBe(403);
    const listed = await call('GET', '/v1/workflows/claims/evaluations', 'reader');
    expect([listed.status, (listed.json as EvaluationRecorded[]).map((e) => e.evaluationId)]).toEqual([
      200,
      ['eval-1'],
    ]);
  });
});
