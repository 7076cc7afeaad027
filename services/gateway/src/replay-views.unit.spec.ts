import { InMemoryEventStore } from '@ledgerflow/event-store';
import { LedgerflowError } from '@ledgerflow/domain';
import { checkpointsView, diffView, stateView } from './replay-views.js';
import { toHttpError } from './http-error.filter.js';
import { planOf, claimRun, step } from './run-script.spec-util.js';

const at = (seconds: number): string => new Date(Date.UTC(2026, 4, 1, 10, 0, seconds)).toISOString();
const plan = planOf('recorded-chain', [
  step('r1'),
  step('r2', { dependsOn: ['r1'] }),
  step('r3', { dependsOn: ['r2'] }),
]);

async function recorded() {
  const run = claimRun('run-a').at(at(0)).start(plan);
  for (const [i, id] of ['r1', 'r2', 'r3'].entries())
    run
      .at(at(i * 2 + 1))
      .evaluate(id)
      .at(at(i * 2 + 1))
      .run(id)
      .at(at(i * 2 + 2))
      .succeed(id, 10);
  return run.writeTo(new InMemoryEventStore());
}

describe('replay views', () => {
  it('checkpoints: one per step outcome, with revision, time and summary', async () => {
    const view = checkpointsView('run-a', await recorded());
    expect(view.revision).toBe(11);
    expect(view.checkpoints.map((cp) => [cp.id, cp.revision, cp.at, cp.summary])).toEqual([
      ['cp-1', 4, at(2), 'r1 succeeded (attempt 1)'],
      ['cp-2', 7, at(4), 'r2 succeeded (attempt 1)'],
      ['cp-3', 11, at(6), 'r3 succeeded (attempt 1); run completed'],
    ]);
  });

  it('state: folded up to the checkpoint, steps in plan order with lineage; latest without at', async () => {
    const events = await recorded();
    const view = stateView('run-a', events, 'cp-2');
    expect(view).toMatchObject({
      runId: 'run-a',
      at: 'cp-2',
      revision: 7,
      occurredAt: at(4),
      status: 'running',
      workflowId: 'recorded-chain',
    });
    expect(view.steps.map((s) => [s.stepId, s.status])).toEqual([
      ['r1', 'succeeded'],
      ['r2', 'succeeded'],
      ['r3', 'pending'],
    ]);
    expect(view.steps[1]?.lineage).toEqual({
      stepId: 'r2',
      status: 'succeeded',
      upstream: ['r1'],
      reviewed: false,
      corrected: false,
      carriedOver: false,
    });
    expect(stateView('run-a', events, undefined)).toMatchObject({ at: null, revision: 11, status: 'completed' });
  });

  it('diff: the changes of r3 and of the run between cp-2 and cp-3', async () => {
    const view = diffView('run-a', await recorded(), 'cp-2', 'cp-3');
    const paths = view.changes.map((change) => `${change.op} ${change.path}`);
    expect(paths).toEqual(
      expect.arrayContaining([
        'replace /status',
        'replace /steps/r3/status',
        'add /steps/r3/output',
        'add /steps/r3/decision',
        'add /completedAt',
        'replace /eventCount',
      ]),
    );
    expect(paths.every((path) => !path.includes('/steps/r1') && !path.includes('/steps/r2'))).toBe(true);
    expect(view.changes.find((change) => change.path === '/steps/r3/status')).toEqual({
      op: 'replace',
      path: '/steps/r3/status',
      from: 'pending',
      to: 'succeeded',
    });
    expect(diffView('run-a', await recorded(), 'cp-1', 'cp-1').changes).toEqual([]);
  });

  it('an unknown checkpoint is checkpoint_unknown', async () => {
    const events = await recorded();
    expect(() => stateView('run-a', events, 'cp-4')).toThrow(LedgerflowError);
    expect(() => diffView('run-a', events, 'cp-1', 'cp-9')).toThrow(
      'checkpoint "cp-9" is unknown: the run has cp-1..cp-3',
    );
    let caught: unknown;
    try {
      stateView('run-a', events, 'cp-4');
    } catch (error) {
      caught = error;
    }
    expect(toHttpError(caught).body.code).toBe('checkpoint_unknown');
  });
});
