import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/nats-core';
import { BearerVerifier, signDevToken } from '@ledgerflow/auth';
import { memoryStreamId, workflowStreamId, WORKFLOW_VERSION_REGISTERED } from '@ledgerflow/contracts';
import type { RecommendationView, Scope, WorkflowVersionRegistered } from '@ledgerflow/contracts';
import { definitionDigestOf } from '@ledgerflow/definitions';
import { SqliteEventStore } from '@ledgerflow/event-store';
import { eventually, rejectionOf, removeDir, startNatsServer, tempDir } from '@ledgerflow/testing';
import type { NatsServerHandle } from '@ledgerflow/testing';
import { fix, literalFacts, outcome } from './literal-facts.spec-util.js';
import { RecommendationService } from './recommendation.service.js';

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
const token = (sub: string, scopes: Scope[]) => signDevToken(settings, { sub, scopes });

/** The document of `wf@1.0.0` as the planner registered it. */
const document = {
  id: 'wf',
  version: '1.0.0',
  tools: { erp: ['fetch'], auth: ['refresh'] },
  agents: { main: ['erp.fetch', 'auth.refresh'] },
  steps: [{ id: 'fetch_invoice', tool: 'erp', action: 'fetch', agent: 'main', timeout: 10_000 }],
};

describe('RecommendationService over a SQLite event store file', () => {
  let dir: string;
  let store: SqliteEventStore;
  let now: Date;
  const clock = () => now;
  const at = (minute: number) => new Date(Date.UTC(2026, 4, 1, 10, minute));

  beforeEach(async () => {
    dir = await tempDir('memory-recommendations');
    store = await SqliteEventStore.open(join(dir, 'store.db'));
    now = at(40);
    const registered: WorkflowVersionRegistered = {
      workflowId: 'wf',
      version: '1.0.0',
      definition: document,
      digest: definitionDigestOf(document),
      source: 'api',
      registeredBy: { kind: 'human', id: 'ana' },
    };
    await store.append(
      workflowStreamId('wf'),
      [
        {
          type: WORKFLOW_VERSION_REGISTERED,
          data: registered,
          metadata: {
            eventId: 'wf-1.0.0',
            runId: '',
            causationId: 'test',
            actor: { kind: 'human', id: 'ana', via: 'planner' },
            occurredAt: now.toISOString(),
            schemaVersion: 1,
          },
        },
      ],
      { expectedRevision: 'no_stream' },
    );
  });
  afterEach(async () => {
    await store.close();
    await removeDir(dir);
  });

  const recoveryFacts = () =>
    literalFacts({
      fixes: [fix(1), fix(2, { succeeded: false }), fix(3), fix(4)],
      outcomes: Array.from({ length: 30 }, (_, i) => outcome(`r${i}`, i)),
    });

  it('proposes a pattern once, across calls and replicas, and lists it folded from the stream', async () => {
    const facts = recoveryFacts();
    const one = new RecommendationService(store, facts, verifier, undefined, { clock });
    const [proposed] = await one.proposeFor('wf');
    expect(proposed).toMatchObject({ kind: 'add_recovery_rule', evidence: { occurrences: 4, succeeded: 3 } });
    expect(await one.proposeFor('wf')).toEqual([]);
    const replica = await SqliteEventStore.open(join(dir, 'store.db'));
    try {
      now = at(50);
      expect(await new RecommendationService(replica, facts, verifier, undefined, { clock }).proposeFor('wf')).toEqual(
        [],
      );
    } finally {
      await replica.close();
    }
    expect(await one.list('wf')).toEqual([{ ...proposed, status: 'proposed' }]);
    expect((await store.readStream(memoryStreamId('wf'))).map((event) => event.type)).toEqual([
      'RecommendationProposed',
    ]);
  });

  it('reviews after batches at most once per interval, and always after the last batch (trailing review)', async () => {
    const facts = literalFacts({ outcomes: [outcome('r0', 0)] });
    const service = new RecommendationService(store, facts, verifier, undefined, { reviewIntervalMs: 300 });
    try {
      await service.review(['wf']);
      expect(await service.list('wf')).toEqual([]);
      facts.input = recoveryFacts().input;
      await service.review(['wf', 'wf']);
      expect(await service.list('wf')).toEqual([]);
      await eventually('the trailing review', async () => (await service.list('wf')).length === 1, 3_000);
    } finally {
      service.close();
    }
  });

  it('records a reviewer accepting a recovery rule and applies it at once; a second decision is refused', async () => {
    const service = new RecommendationService(store, recoveryFacts(), verifier, undefined, { clock });
    const [proposed] = await service.proposeFor('wf');
    const id = proposed?.recommendationId as string;
    const reader = await token('bob', ['runs:read']);
    expect((await rejectionOf(service.decide({ recommendationId: id, decision: 'accept', token: reader }))).code).toBe(
      'forbidden',
    );
    expect((await rejectionOf(service.decide({ recommendationId: id, decision: 'accept' }))).code).toBe('unauthorized');
    expect(
      (
        await rejectionOf(
          service.decide({ recommendationId: 'wf.add_recovery_rule.000000000000', decision: 'accept', token: reader }),
        )
      ).code,
    ).toBe('forbidden');
    const ana = await token('ana', ['workflows:write']);
    expect(
      (
        await rejectionOf(
          service.decide({ recommendationId: 'wf.add_recovery_rule.000000000000', decision: 'accept', token: ana }),
        )
      ).code,
    ).toBe('recommendation_not_found');
    expect((await rejectionOf(service.decide({ recommendationId: 'nope', decision: 'accept', token: ana }))).code).toBe(
      'recommendation_id_invalid',
    );
    const view = await service.decide({
      recommendationId: id,
      decision: 'accept',
      comment: 'saves a page',
      token: ana,
    });
    expect(view).toMatchObject({
      status: 'applied',
      decidedBy: 'ana',
      comment: 'saves a page',
      applied: {
        kind: 'add_recovery_rule',
        rule: {
          id: (proposed?.proposal as { rule: { id: string } }).rule.id,
          recommendationId: id,
          workflowId: 'wf',
          scope: [],
          on: { step: 'fetch_invoice', code: 'token_expired' },
          steps: [{ id: 'refresh_token', tool: 'auth', action: 'refresh', agent: 'main' }],
        },
        appliedAt: now.toISOString(),
      },
    });
    const events = await store.readStream(memoryStreamId('wf'));
    expect(events.map((event) => [event.type, event.metadata.actor])).toEqual([
      ['RecommendationProposed', { kind: 'service', id: 'memory' }],
      ['RecommendationAccepted', { kind: 'human', id: 'ana', via: 'memory' }],
      ['RecommendationApplied', { kind: 'human', id: 'ana', via: 'memory' }],
    ]);
    for (const decision of ['accept', 'reject'] as const) {
      const refused = await rejectionOf(service.decide({ recommendationId: id, decision, token: ana }));
      expect(refused).toMatchObject({ code: 'recommendation_already_decided', details: { status: 'applied' } });
    }
  });

  it('records a rejection, and never applies or measures a rejected recommendation', async () => {
    const service = new RecommendationService(store, recoveryFacts(), verifier, undefined, { clock, impactRuns: 2 });
    const [proposed] = await service.proposeFor('wf');
    const id = proposed?.recommendationId as string;
    const view = await service.decide({
      recommendationId: id,
      decision: 'reject',
      token: await token('ana', ['admin']),
    });
    expect(view).toMatchObject({ status: 'rejected', decidedBy: 'ana' });
    expect(view.applied).toBeUndefined();
    expect(await service.measureImpact('wf')).toEqual([]);
  });

  describe('a definition change (raise_step_timeout)', () => {
    let nats: NatsServerHandle;
    let nc: NatsConnection;
    beforeAll(async () => {
      nats = await startNatsServer({ jetstream: false });
      nc = await connect({ servers: nats.url });
    });
    afterAll(async () => {
      await nc.close();
      await nats.stop();
    });

    it('stays accepted with a clear error when the planner cannot register the new version; accepting again retries', async () => {
      const facts = literalFacts({
        timings: [
          {
            workflowId: 'wf',
            stepId: 'fetch_invoice',
            timeoutMs: 10_000,
            samples: 25,
            p95DurationMs: 8_000,
            p99DurationMs: 9_100,
          },
        ],
      });
      const service = new RecommendationService(store, facts, verifier, nc, { clock, registerTimeoutMs: 500 });
      const [proposed] = await service.proposeFor('wf');
      expect(proposed?.proposal).toEqual({ stepId: 'fetch_invoice', timeoutMs: 14_000 });
      const id = proposed?.recommendationId as string;
      const ana = await token('ana', ['workflows:write']);
      const failed = await rejectionOf(service.decide({ recommendationId: id, decision: 'accept', token: ana }));
      expect(failed).toMatchObject({
        code: 'recommendation_apply_failed',
        retryable: true,
        details: { recommendationId: id, reason: 'nats_no_responders' },
      });
      const [view] = await service.list('wf');
      expect(view).toMatchObject({ status: 'accepted', decidedBy: 'ana' });
      expect((await rejectionOf(service.decide({ recommendationId: id, decision: 'reject', token: ana }))).code).toBe(
        'recommendation_already_decided',
      );
      expect((await rejectionOf(service.decide({ recommendationId: id, decision: 'accept', token: ana }))).code).toBe(
        'recommendation_apply_failed',
      );
    });
  });

  it('measures the impact once, over the configured number of runs before and after the change', async () => {
    const facts = recoveryFacts();
    const service = new RecommendationService(store, facts, verifier, undefined, { clock, impactRuns: 10 });
    const [proposed] = await service.proposeFor('wf');
    const id = proposed?.recommendationId as string;
    // Applied at 10:40; the 30 runs before ended 10:00..10:29, one of them failed and two needed an operator.
    await service.decide({ recommendationId: id, decision: 'accept', token: await token('ana', ['workflows:write']) });
    facts.input = {
      ...facts.input,
      outcomes: [
        ...(facts.input.outcomes ?? []).map((run, i) =>
          i === 25
            ? { ...run, status: 'failed' as const, operatorInterventions: 1 }
            : i === 27
              ? { ...run, operatorInterventions: 2 }
              : run,
        ),
        ...Array.from({ length: 9 }, (_, i) => outcome(`a${i}`, 41 + i, { durationMs: 500, recoveries: ['learned'] })),
      ],
    };
    expect(await service.measureImpact('wf')).toEqual([]);
    facts.input = {
      ...facts.input,
      outcomes: [...(facts.input.outcomes ?? []), outcome('a9', 55, { durationMs: 500, gateWaitMs: 100 })],
    };
    now = at(56);
    const [measured] = await service.measureImpact('wf');
    expect(measured).toEqual({
      recommendationId: id,
      before: { runs: 10, successRate: 0.9, meanDurationMs: 1000, meanGateWaitMs: 0, operatorInterventions: 2 },
      after: { runs: 10, successRate: 1, meanDurationMs: 500, meanGateWaitMs: 10, operatorInterventions: 0 },
      measuredAt: at(56).toISOString(),
    });
    expect(await service.measureImpact('wf')).toEqual([]);
    const [view] = await service.list('wf');
    expect((view as RecommendationView).impact).toEqual(measured);
  });
});
