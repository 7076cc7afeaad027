import { InMemoryEventStore } from '@ledgerflow/event-store';
import type { RunHistoryBuilder } from '@ledgerflow/testing';
import { runView, traceView } from './run-views.js';
import { approval, deny, planOf, claimRun, step } from './run-script.spec-util.js';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const TRACEPARENT = `00-${TRACE_ID}-00f067aa0ba902b7-01`;
const at = (seconds: number): string => new Date(Date.UTC(2026, 4, 1, 10, 0, seconds)).toISOString();

/**
 * extract fails once (200 ms), is retried and succeeds (300 ms); review waits at an approved gate and
 * succeeds (50 ms); screen is denied by policy, which fails the run; archive (after screen) never starts.
 */
const plan = planOf('claim-review', [
  step('extract', { retry: { maxAttempts: 3, backoffMs: 1000, multiplier: 1, maxBackoffMs: 1000 } }),
  step('review', { dependsOn: ['extract'], tool: 'billing', action: 'payout', agent: 'payer' }),
  step('screen', { dependsOn: ['review'] }),
  step('archive', { dependsOn: ['screen'] }),
]);
/** Run `runId` of a one-step plan whose step `only` started at `at(0)` (its outcome is up to the test). */
const oneStepRunning = (runId: string): RunHistoryBuilder =>
  claimRun(runId)
    .at(at(0))
    .start(planOf('one', [step('only')]))
    .at(at(0))
    .evaluate('only')
    .at(at(0))
    .run('only');
const failedRun = (): RunHistoryBuilder =>
  claimRun('r1')
    .at(at(0))
    .start(plan)
    .at(at(0))
    .evaluate('extract')
    .at(at(0))
    .run('extract')
    .at(at(1))
    .fail('extract', 200, { retryable: true })
    .at(at(2))
    .evaluate('extract', undefined, 2)
    .at(at(2))
    .run('extract', 2)
    .at(at(3))
    .succeed('extract', 300, { attempt: 2 })
    .at(at(3))
    .evaluate('review', approval(['claims-lead']))
    .at(at(10))
    .decideGate('review', 'claims-lead', 'approve')
    .at(at(10))
    .run('review')
    .at(at(11))
    .succeed('review', 50)
    .at(at(12))
    .evaluate('screen', deny);

describe('traceView', () => {
  it('gives one row per plan step with status, attempts, durations, policy, gate and error', async () => {
    const run = failedRun();
    const events = await run.writeTo(new InMemoryEventStore(), TRACEPARENT);
    const trace = traceView('r1', run.state, events);
    const [extract, review, screen, archive] = trace.steps;
    expect(trace.steps.map((s) => s.step)).toEqual(['extract', 'review', 'screen', 'archive']);
    expect(extract).toEqual({
      step: 'extract',
      name: 'Step extract',
      tool: 'crm',
      action: 'read',
      agent: 'clerk',
      status: 'succeeded',
      attempts: 2,
      duration_ms: 300,
      total_attempts_ms: 500,
      policy: 'allow',
      policy_rationale: 'granted',
      gate: null,
      error: null,
      lineage: {
        stepId: 'extract',
        status: 'succeeded',
        upstream: [],
        reviewed: false,
        corrected: false,
        carriedOver: false,
      },
      usage: null,
    });
    expect(review).toMatchObject({
      tool: 'billing',
      action: 'payout',
      agent: 'payer',
      status: 'succeeded',
      attempts: 1,
      duration_ms: 50,
      total_attempts_ms: 50,
      policy: 'require_approval',
      gate: { gate_id: run.gateId('review'), status: 'approved', decided_by: 'claims-lead' },
    });
    expect(screen).toMatchObject({
      status: 'blocked',
      attempts: 0,
      duration_ms: null,
      total_attempts_ms: 0,
      policy: 'deny',
      policy_rationale: deny.rationale,
      gate: null,
      error: { code: 'policy_denied', message: deny.rationale },
    });
    expect(archive).toEqual({
      step: 'archive',
      name: 'Step archive',
      tool: 'crm',
      action: 'read',
      agent: 'clerk',
      status: 'pending',
      attempts: 0,
      duration_ms: null,
      total_attempts_ms: 0,
      policy: null,
      policy_rationale: null,
      gate: null,
      error: null,
      lineage: null,
      usage: null,
    });
  });

  it('a run that is not completed lasts from its first event to its latest; the trace id comes from RunTriggered', async () => {
    const run = failedRun();
    const trace = traceView('r1', run.state, await run.writeTo(new InMemoryEventStore(), TRACEPARENT));
    expect(trace).toMatchObject({
      run_id: 'r1',
      workflow_id: 'claim-review',
      status: 'failed',
      total_duration_ms: 12_000,
      trace_id: TRACE_ID,
    });
  });

  it('a completed run lasts what RunCompleted says', async () => {
    const run = oneStepRunning('r2').at(at(5)).succeed('only', 4_000, { runDurationMs: 5_250 });
    const trace = traceView('r2', run.state, await run.writeTo(new InMemoryEventStore()));
    expect(trace).toMatchObject({ status: 'completed', total_duration_ms: 5_250 });
  });

  it("shows each step's reported usage and the run's total, null where none was reported", async () => {
    const succeedWith = (stepId: string, usage: object) => ({
      type: 'RecordStepSucceeded' as const,
      data: { stepId, attempt: 1, output: {}, durationMs: 10, runDurationMs: 30, usage },
    });
    const run = claimRun('r6')
      .at(at(0))
      .start(planOf('llm', [step('draft'), step('check', { dependsOn: ['draft'] }), step('file')]))
      .at(at(0))
      .evaluate('draft')
      .at(at(0))
      .evaluate('file')
      .at(at(0))
      .run('draft')
      .at(at(1))
      .do(succeedWith('draft', { inputTokens: 1200, outputTokens: 300, costUsd: 0.1 }))
      .at(at(1))
      .evaluate('check')
      .at(at(1))
      .run('check')
      .at(at(2))
      .do(succeedWith('check', { inputTokens: 800, costUsd: 0.2 }))
      .at(at(2))
      .run('file')
      .at(at(3))
      .succeed('file', 10);
    const trace = traceView('r6', run.state, await run.writeTo(new InMemoryEventStore()));
    expect(trace.steps.map((s) => [s.step, s.usage])).toEqual([
      ['draft', { inputTokens: 1200, outputTokens: 300, costUsd: 0.1 }],
      ['check', { inputTokens: 800, costUsd: 0.2 }],
      ['file', null],
    ]);
    expect(trace.usage).toEqual({ inputTokens: 2000, outputTokens: 300, costUsd: 0.3 });
    expect(traceView('r1', failedRun().state, await failedRun().writeTo(new InMemoryEventStore())).usage).toBeNull();
  });

  it('trace_id is null without a traceparent, or with a malformed one', async () => {
    const run = claimRun('r3')
      .at(at(0))
      .start(planOf('one', [step('only')]));
    expect(traceView('r3', run.state, await run.writeTo(new InMemoryEventStore())).trace_id).toBeNull();
    const odd = claimRun('r4')
      .at(at(0))
      .start(planOf('one', [step('only')]));
    expect(
      traceView('r4', odd.state, await odd.writeTo(new InMemoryEventStore(), 'not-a-traceparent')).trace_id,
    ).toBeNull();
  });

  it('a failed step shows its error and the time of the failed attempt', async () => {
    const run = oneStepRunning('r5').at(at(1)).fail('only', 700, { retryable: false });
    const [only] = traceView('r5', run.state, await run.writeTo(new InMemoryEventStore())).steps;
    expect(only).toMatchObject({
      status: 'failed',
      attempts: 1,
      duration_ms: 700,
      total_attempts_ms: 700,
      error: { code: 'tool_timeout', message: 'no answer in 5 s' },
    });
  });

  it('a step waiting for its retry counts only the attempt that ran', async () => {
    const run = claimRun('r6')
      .at(at(0))
      .start(plan)
      .at(at(0))
      .evaluate('extract')
      .at(at(0))
      .run('extract')
      .at(at(1))
      .fail('extract', 200, { retryable: true });
    const [extract] = traceView('r6', run.state, await run.writeTo(new InMemoryEventStore())).steps;
    expect(extract).toMatchObject({ status: 'retry_scheduled', duration_ms: 200, total_attempts_ms: 200 });
    expect(extract?.attempts).toBe(1);
  });
});

describe('runView', () => {
  it('shows the folded run with steps in plan order, gates, times and revision', async () => {
    const run = failedRun();
    const events = await run.writeTo(new InMemoryEventStore());
    const view = runView('r1', run.state, events);
    expect(view).toMatchObject({
      runId: 'r1',
      workflowId: 'claim-review',
      workflowVersion: '1.0.0',
      status: 'failed',
      trigger: { source: 'api', idempotencyKey: 'key-r1' },
      input: { claimId: 'CLM-1' },
      createdAt: at(0),
      updatedAt: at(12),
      revision: events.length - 1,
      failure: { code: 'policy_denied', stepId: 'screen' },
    });
    expect(view.steps.map((s) => [s.stepId, s.status, s.name, s.tool, s.action])).toEqual([
      ['extract', 'succeeded', 'Step extract', 'crm', 'read'],
      ['review', 'succeeded', 'Step review', 'billing', 'payout'],
      ['screen', 'blocked', 'Step screen', 'crm', 'read'],
      ['archive', 'pending', 'Step archive', 'crm', 'read'],
    ]);
    expect(view.gates).toEqual([
      expect.objectContaining({ gateId: run.gateId('review'), status: 'approved', decidedBy: 'claims-lead' }),
    ]);
  });
});
