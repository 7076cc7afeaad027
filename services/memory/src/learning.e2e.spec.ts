import { join } from 'node:path';
import { SqliteEventStore } from '@ledgerflow/event-store';
import type { StoredEvent } from '@ledgerflow/event-store';
import { memoryStreamId } from '@ledgerflow/contracts';
import type { RecommendationView, WorkflowInsights } from '@ledgerflow/contracts';
import {
  benchWorkers,
  devToken,
  eventually,
  mulberry32,
  runEventsWhen,
  startStack,
  tempDir,
} from '@ledgerflow/testing';
import type { Stack } from '@ledgerflow/testing';

const WORKFLOW = 'memory-token';
/** Runs memory compares before and after an applied recommendation (`LEDGERFLOW_MEMORY_IMPACT_RUNS`). */
const IMPACT_RUNS = 5;
/** 30 runs; whether a run's token expires comes from a seeded generator (mulberry32), so every run of the test is alike. */
const SEED = 20261206;
const RUNS = 30;

/**
 * Operational memory learning a recovery end to end, every service and the bench tool workers as OS processes
 * (workflow examples/bench/workflows/memory-token.yaml, which declares no recovery): 30 seeded runs, in some of which
 * the API token has expired; an operator fixes each by adding a `refresh_token` step and retrying. Memory proposes
 * the recovery rule with the counts it saw; a reviewer accepts it; the next expiring run recovers with no operator
 * (`PlanRevised` naming the learned rule and the recommendation); after `IMPACT_RUNS` further runs memory records
 * the measured impact.
 */
describe('memory learns a recovery from operator fixes', () => {
  let stack: Stack;
  let store: SqliteEventStore;
  let operator: string;
  let reviewer: string;

  beforeAll(async () => {
    stack = await startStack({
      dataDir: await tempDir('ledgerflow-learning-'),
      env: {
        LEDGERFLOW_DEFINITIONS_DIR: join('examples', 'bench', 'workflows'),
        LEDGERFLOW_MEMORY_IMPACT_RUNS: String(IMPACT_RUNS),
      },
      extras: [benchWorkers()],
    });
    store = await SqliteEventStore.open(stack.sqlitePath);
    operator = await devToken(stack, { sub: 'ops-ann', scopes: ['runs:start', 'runs:read', 'runs:operate'] });
    reviewer = await devToken(stack, { sub: 'lead-lou', scopes: ['runs:read', 'workflows:write'] });
  }, 90_000);

  afterAll(async () => {
    await store?.close();
    await stack?.stop();
  }, 30_000);

  async function call<T>(
    method: string,
    path: string,
    token: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }> {
    const response = await fetch(`${stack.gatewayUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as T };
  }

  const start = async (expired: boolean): Promise<string> => {
    const { status, body } = await call<{ runId: string }>('POST', `/v1/workflows/${WORKFLOW}/runs`, operator, {
      input: { expired },
    });
    expect(status).toBe(202);
    return body.runId;
  };
  const last = (events: StoredEvent[]) => events.at(-1)?.type;
  const lastIs = (type: string) => (events: StoredEvent[]) => last(events) === type;
  const succeeded = (events: StoredEvent[], stepId: string) =>
    events.some((e) => e.type === 'StepSucceeded' && (e.data as { stepId: string }).stepId === stepId);

  /** The operator's fix: add `refresh_token`, wait for it, retry `call_api`, wait for the run to complete. */
  async function fixByHand(runId: string): Promise<void> {
    await runEventsWhen(store, runId, lastIs('RunPaused'), 'call_api to fail and the run to pause');
    const revised = await call('POST', `/v1/runs/${runId}/revise`, operator, {
      reason: 'the API token expired: refresh it',
      addSteps: [{ id: 'refresh_token', tool: 'bench', action: 'refresh_token', agent: 'caller', input: {} }],
      removeStepIds: [],
    });
    expect(revised.status).toBe(200);
    await runEventsWhen(
      store,
      runId,
      (events) => succeeded(events, 'refresh_token') && last(events) === 'RunPaused',
      'refresh_token to run and the run to pause again',
    );
    const retried = await call('POST', `/v1/runs/${runId}/retry`, operator, {
      stepId: 'call_api',
      reason: 'token refreshed',
    });
    expect(retried.status).toBe(200);
    await runEventsWhen(store, runId, lastIs('RunCompleted'), 'the fixed run to complete');
  }

  async function runOne(expired: boolean): Promise<string> {
    const runId = await start(expired);
    if (expired) await fixByHand(runId);
    else await runEventsWhen(store, runId, lastIs('RunCompleted'), 'the run to complete');
    return runId;
  }

  it('proposes the rule from 30 runs, applies it once accepted, and measures its effect', async () => {
    const random = mulberry32(SEED);
    const plan = Array.from({ length: RUNS }, () => random() < 0.35);
    const expiring = plan.filter(Boolean).length;
    expect(expiring).toBeGreaterThanOrEqual(3);
    const fixedRuns: string[] = [];
    for (let i = 0; i < RUNS; i += 5) {
      const batch = plan.slice(i, i + 5);
      const ids = await Promise.all(batch.map((expired) => runOne(expired)));
      ids.forEach((id, k) => batch[k] && fixedRuns.push(id));
    }

    const proposed = await eventually(
      async () => {
        const { body } = await call<RecommendationView[]>('GET', `/v1/workflows/${WORKFLOW}/recommendations`, reviewer);
        return Array.isArray(body) ? body.find((r) => r.kind === 'add_recovery_rule') : undefined;
      },
      30_000,
      'memory to propose a recovery rule',
    );
    expect(proposed).toMatchObject({
      status: 'proposed',
      workflowId: WORKFLOW,
      scope: ['tests', 'tokens'],
      evidence: { occurrences: expiring, succeeded: expiring, runs: RUNS },
      proposal: { rule: { on: { step: 'call_api', code: 'token_expired' }, steps: [{ id: 'refresh_token' }] } },
    });
    expect(new Set(proposed.evidence.exampleRunIds)).toEqual(new Set(fixedRuns.slice(0, 10)));

    const insights = await call<WorkflowInsights>('GET', `/v1/workflows/${WORKFLOW}/insights`, reviewer);
    expect(insights.status).toBe(200);
    expect(insights.body.runs).toBe(RUNS);
    expect(insights.body.insights).toEqual(
      expect.arrayContaining([expect.objectContaining({ kind: 'failure_cluster', stepId: 'call_api' })]),
    );

    const accepted = await call<RecommendationView>(
      'POST',
      `/v1/recommendations/${proposed.recommendationId}/accept`,
      reviewer,
      { comment: 'the pattern is clear' },
    );
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ status: 'applied', decidedBy: 'lead-lou' });
    const rule = accepted.body.applied?.rule;
    expect(rule).toMatchObject({ recommendationId: proposed.recommendationId, scope: ['tests', 'tokens'] });
    const again = await call<{ error: { code: string } }>(
      'POST',
      `/v1/recommendations/${proposed.recommendationId}/reject`,
      reviewer,
      {},
    );
    expect([again.status, again.body.error.code]).toEqual([409, 'recommendation_already_decided']);

    // The next expiring run recovers by the learned rule, with no operator.
    const learnedRun = await start(true);
    const events = await runEventsWhen(
      store,
      learnedRun,
      lastIs('RunCompleted'),
      'the learned recovery to complete the run',
    );
    const revision = events.find((e) => e.type === 'PlanRevised');
    expect(revision?.data).toMatchObject({
      author: 'planner',
      rule: rule?.id,
      recommendationId: proposed.recommendationId,
      addedSteps: [{ id: 'refresh_token' }],
    });
    expect(events.some((e) => e.type === 'StepRetryScheduled' && 'requestedBy' in (e.data as object))).toBe(false);

    // The impact is measured over IMPACT_RUNS runs after the change (the learned run is the first of them).
    // Expiring ones among them recover by the rule too: no operator touches them.
    for (let i = 1; i < IMPACT_RUNS; i++) {
      const runId = await start(i % 2 === 0);
      await runEventsWhen(store, runId, lastIs('RunCompleted'), 'a run after the change to complete');
    }
    const measured = await eventually(
      async () => {
        const memory = await store.readStream(memoryStreamId(WORKFLOW));
        return memory.find((e) => e.type === 'RecommendationImpactMeasured');
      },
      30_000,
      'memory to record the measured impact',
    );
    expect(measured.data).toMatchObject({
      recommendationId: proposed.recommendationId,
      before: { runs: IMPACT_RUNS },
      after: { runs: IMPACT_RUNS, successRate: 1, operatorInterventions: 0 },
    });
    // The seeded plan has expiring runs among the last five before the change, each fixed by hand.
    const before = plan.slice(-IMPACT_RUNS).filter(Boolean).length;
    expect(before).toBeGreaterThan(0);
    expect((measured.data as { before: { operatorInterventions: number } }).before.operatorInterventions).toBe(before);
  }, 600_000);
});
