import type { RunCommand } from './commands.js';
import { cumulativeConfidenceOf } from './confidence.js';
import type { RunEvent } from './events.js';
import { foldRun } from './evolve.js';
import { gatesToOpen, nextActions } from './next-actions.js';
import type { PlanStep } from './plan.js';
import { aPlan, aStep, ev, gateOf, NOW, runSpec } from './run-fixtures.spec-util.js';

const succeed = (
  stepId: string,
  confidence?: number,
  extra: { reasoning?: string; alternatives?: unknown[] } = {},
): RunCommand => ({
  type: 'RecordStepSucceeded',
  data: {
    stepId,
    attempt: 1,
    output: { total: 120 },
    ...(confidence === undefined ? {} : { confidence }),
    durationMs: 5,
    runDurationMs: 700,
    ...extra,
  },
});
const succeededWith = (stepId: string, confidence: number): RunEvent => ({
  type: 'StepSucceeded',
  data: { stepId, attempt: 1, output: { ok: stepId }, confidence, durationMs: 1, completedAt: NOW },
});
const confidenceDefault = { reviewers: ['role:reviewer'], slaSeconds: 600 };
const openGate = (stepId: string): RunCommand => ({ type: 'OpenGate', data: { stepId, confidenceDefault } });
const approve = (stepId: string, correctedOutput?: unknown): RunCommand => ({
  type: 'DecideGate',
  data: {
    gateId: gateOf(stepId),
    reviewer: { kind: 'human', id: 'rita', roles: ['reviewer'] },
    outcome: 'approve',
    runDurationMs: 900,
    ...(correctedOutput === undefined ? {} : { correctedOutput }),
  },
});

describe('cumulative confidence', () => {
  const a = aStep('a');
  const b = aStep('b', { dependsOn: ['a'] });
  const c = aStep('c');
  const join = aStep('join', { dependsOn: ['b', 'c'] });
  const plan = aPlan([a, b, c, join], { concurrency: 4 });

  it('is the product along a path and, where paths join, the weakest path times the step’s own', () => {
    const state = foldRun([
      ...ev.started(plan),
      ...ev.running(a),
      succeededWith('a', 0.9),
      ...ev.running(b),
      succeededWith('b', 0.9),
      ...ev.running(c),
      succeededWith('c', 0.5),
    ]);
    expect(cumulativeConfidenceOf(state, 'b')).toBe(0.81);
    expect(cumulativeConfidenceOf(state, 'join', 0.8)).toBe(0.4); // min(0.81, 0.5) * 0.8
    expect(cumulativeConfidenceOf(state, 'join')).toBe(0.5); // no own confidence counts 1
  });

  it('StepSucceeded records it when the step or an upstream one gave a confidence, and not otherwise', () => {
    const given = [...ev.started(plan), ...ev.running(a), succeededWith('a', 0.9), ...ev.running(b)];
    expect(runSpec(given).when(succeed('b')).events()[0]?.data).toMatchObject({ cumulativeConfidence: 0.9 });
    expect(
      runSpec([...ev.started(plan), ...ev.running(c)])
        .when(succeed('c'))
        .events()[0]?.data,
    ).not.toHaveProperty('cumulativeConfidence');
  });
});

describe('a low-confidence result opens a confidence gate', () => {
  const extract = aStep('extract', { minConfidence: 0.8 });
  const assess = aStep('assess', { dependsOn: ['extract'] });
  const plan = aPlan([extract, assess]);
  const running = [...ev.started(plan), ...ev.running(extract)];
  const held = [
    ...running,
    ...runSpec(running)
      .when(succeed('extract', 0.42, { reasoning: 'blurry scan', alternatives: [{ total: 12 }] }))
      .events(),
  ];

  it('records the success with the review; dependants wait and the run neither completes nor pauses', () => {
    const events = runSpec(running)
      .when(succeed('extract', 0.42, { reasoning: 'blurry scan', alternatives: [{ total: 12 }] }))
      .events();
    expect(events).toEqual([
      {
        type: 'StepSucceeded',
        data: {
          stepId: 'extract',
          attempt: 1,
          output: { total: 120 },
          confidence: 0.42,
          durationMs: 5,
          completedAt: NOW,
          cumulativeConfidence: 0.42,
          review: { minConfidence: 0.8, basis: 'step' },
          reasoning: 'blurry scan',
          alternatives: [{ total: 12 }],
        },
      },
    ]);
    const state = foldRun(held);
    expect(nextActions(state, NOW)).toEqual([]);
    expect(gatesToOpen(state)).toEqual([{ stepId: 'extract', attempt: 1, kind: 'confidence' }]);
    expect(state.status).toBe('running');
  });

  it('OpenGate records the explainable-exception package, with the default reviewers when the plan names none', () => {
    runSpec(held)
      .when(openGate('extract'))
      .then([
        {
          type: 'GateOpened',
          data: {
            gateId: gateOf('extract'),
            stepId: 'extract',
            attempt: 1,
            reviewers: ['role:reviewer'],
            reason: 'step "extract": confidence 0.42 is below minConfidence 0.8',
            source: 'confidence',
            dueAt: '2026-05-01T10:10:00.000Z',
            exception: {
              input: { resolved: 'extract' },
              output: { total: 120 },
              reasoning: 'blurry scan',
              alternatives: [{ total: 12 }],
              confidence: 0.42,
              cumulativeConfidence: 0.42,
              minConfidence: 0.8,
              basis: 'step',
            },
          },
        },
      ]);
    runSpec(held)
      .when({ type: 'OpenGate', data: { stepId: 'extract' } })
      .thenThrows('run_gate_without_reviewers', { source: 'confidence' });
  });

  it('approving releases the dependants; a corrected output is ground truth they read', () => {
    const open = [...held, ...runSpec(held).when(openGate('extract')).events()];
    const decided = runSpec(open)
      .when(approve('extract', { total: 12 }))
      .events();
    expect(decided).toEqual([
      {
        type: 'GateDecided',
        data: {
          gateId: gateOf('extract'),
          stepId: 'extract',
          outcome: 'approved',
          reviewer: 'rita',
          matchedAs: 'role:reviewer',
          correctedOutput: { total: 12 },
        },
      },
    ]);
    const state = foldRun([...open, ...decided]);
    expect(state.steps['extract']).toMatchObject({
      status: 'succeeded',
      output: { total: 12 },
      originalOutput: { total: 120 },
    });
    expect(nextActions(state, NOW)).toEqual([{ type: 'evaluate_policy', stepId: 'assess', attempt: 1 }]);
    expect(cumulativeConfidenceOf(state, 'assess', 0.9)).toBe(0.9); // the reviewed step counts 1
  });

  it('approving the last held step completes the run; rejecting fails it', () => {
    const single = aPlan([extract]);
    const run1 = [...ev.started(single), ...ev.running(extract)];
    const held1 = [...run1, ...runSpec(run1).when(succeed('extract', 0.1)).events()];
    expect(held1.map((event) => event.type)).not.toContain('RunCompleted');
    const open1 = [...held1, ...runSpec(held1).when(openGate('extract')).events()];
    expect(
      runSpec(open1)
        .when(approve('extract'))
        .events()
        .map((event) => event.type),
    ).toEqual(['GateDecided', 'RunCompleted']);
    const rejected = runSpec(open1)
      .when({
        type: 'DecideGate',
        data: {
          gateId: gateOf('extract'),
          reviewer: { kind: 'human', id: 'rita', roles: ['reviewer'] },
          outcome: 'reject',
          comment: 'wrong',
        },
      })
      .events();
    expect(rejected.map((event) => event.type)).toEqual(['GateDecided', 'StepBlocked', 'RunFailed']);
  });

  it('a redirect keeps the held result and revises what follows it', () => {
    const open = [...held, ...runSpec(held).when(openGate('extract')).events()];
    const manual: PlanStep = aStep('manual_assess', { dependsOn: ['extract'] });
    const events = runSpec(open)
      .when({
        type: 'DecideGate',
        data: {
          gateId: gateOf('extract'),
          reviewer: { kind: 'human', id: 'rita', roles: ['reviewer'] },
          outcome: 'redirect',
          revision: { addSteps: [manual], removeStepIds: ['assess'] },
        },
      })
      .events();
    expect(events.map((event) => event.type)).toEqual(['GateDecided', 'PlanRevised']);
    const state = foldRun([...open, ...events]);
    expect(state.steps['extract']?.status).toBe('succeeded');
    expect(nextActions(state, NOW)).toEqual([{ type: 'evaluate_policy', stepId: 'manual_assess', attempt: 1 }]);
  });
});

describe('confidence thresholds', () => {
  it('the workflow threshold applies to the cumulative confidence, with the step’s or the plan’s confidence gate', () => {
    const a = aStep('a');
    const b = aStep('b', { dependsOn: ['a'], confidenceGate: { reviewers: ['team:qa'] } });
    const plan = aPlan([a, b], { minConfidence: 0.7, confidenceGate: { reviewers: ['role:reviewer'] } });
    const given = [...ev.started(plan), ...ev.running(a), succeededWith('a', 0.8), ...ev.running(b)];
    const events = runSpec(given).when(succeed('b', 0.8)).events();
    expect(events[0]?.data).toMatchObject({
      cumulativeConfidence: 0.64,
      review: { minConfidence: 0.7, basis: 'workflow' },
    });
    const opened = runSpec([...given, ...events])
      .when({ type: 'OpenGate', data: { stepId: 'b' } })
      .events();
    expect(opened[0]?.data).toMatchObject({
      reviewers: ['team:qa'],
      source: 'confidence',
      reason: 'step "b": cumulative confidence 0.64 is below the workflow\'s minConfidence 0.7',
    });
  });

  it('holds nothing at or above the threshold, and never gates a step a second time (one gate per step)', () => {
    const gated = aStep('a', { minConfidence: 0.8, gate: { reviewers: ['ann'] } });
    const plan = aPlan([gated]);
    const atThreshold = [...ev.started(plan), ...ev.running(gated)];
    expect(runSpec(atThreshold).when(succeed('a', 0.8)).events()[0]?.data).not.toHaveProperty('review');
    const approvedBefore = [
      ...ev.started(plan),
      ev.evaluated('a'),
      ev.gateOpened('a', { reviewers: ['ann'], source: 'definition' }),
      ev.gateDecided('a', 'approved', 'ann'),
      ev.stepStarted(gated),
    ];
    expect(
      runSpec(approvedBefore)
        .when(succeed('a', 0.1))
        .events()
        .map((event) => event.type),
    ).toEqual(['StepSucceeded', 'RunCompleted']);
  });

  it('refuses a plan threshold outside 0..1 and a malformed reviewer entry', () => {
    const a = aStep('a');
    runSpec([])
      .when({
        type: 'StartRun',
        data: {
          runId: 'run-1',
          workflowId: 'claims',
          workflowVersion: '1.0.0',
          trigger: { source: 'api', idempotencyKey: 'k' },
          input: {},
          plan: aPlan([a], { minConfidence: 1.5 }),
        },
      })
      .thenThrows('plan_invalid_confidence', { field: 'minConfidence' });
    runSpec([])
      .when({
        type: 'StartRun',
        data: {
          runId: 'run-1',
          workflowId: 'claims',
          workflowVersion: '1.0.0',
          trigger: { source: 'api', idempotencyKey: 'k' },
          input: {},
          plan: aPlan([aStep('a', { gate: { reviewers: ['group:x'] } })]),
        },
      })
      .thenThrows('plan_invalid_gate', { stepId: 'a' });
  });
});
