import type { RunEvent } from '@ledgerflow/domain';
import { operatorRequestOf, runActionsOf, stepActionsOf, substituteAgentsOf } from './operator-actions.js';
import { appended, EMPTY_HISTORY } from './run-events.js';
import { events, records, step } from './run-history.spec-util.js';

/** The operator actions offered as a run moves: plan prepare -> (pay, notify optional). */
describe('operator actions offered for a run', () => {
  const plan = [
    step('prepare'),
    step('pay', ['prepare'], { tool: 'bench', action: 'flaky' }),
    step('notify', ['prepare'], { optional: true, tool: 'bench', action: 'flaky' }),
  ];
  const triggered = events.started(plan)[0] as RunEvent;
  const agents = { clerk: ['crm.read', 'bench.flaky'], backup: ['bench.flaky'], reader: ['crm.read'] };
  const planned: RunEvent = {
    type: 'PlanCreated',
    data: { plan: { workflowId: 'claims', workflowVersion: '1.0.0', concurrency: 2, agents, steps: plan } },
  };
  const stateOf = (timeline: RunEvent[]) => appended(EMPTY_HISTORY, records([triggered, planned, ...timeline])).state;
  const failedFor: RunEvent[] = [
    events.evaluated('prepare'),
    events.ran('prepare'),
    events.succeeded('prepare'),
    events.evaluated('pay'),
    events.ran('pay'),
    events.failed('pay'),
  ];
  const paused: RunEvent = { type: 'RunPaused', data: { reason: 'step_failed', stepId: 'pay' } };

  it('offers pause and cancel while running, and skip of the optional step before it starts', () => {
    const state = stateOf([]);
    expect(runActionsOf(state)).toEqual(['pause', 'cancel']);
    expect(stepActionsOf(state)).toEqual([{ action: 'skip', stepId: 'notify', stepName: 'Step notify' }]);
  });

  it('offers resume, cancel and a retry of the failed step once the run paused on it', () => {
    const state = stateOf([...failedFor, paused]);
    expect(state.status).toBe('paused');
    expect(runActionsOf(state)).toEqual(['resume', 'cancel']);
    expect(stepActionsOf(state).map(({ action, stepId }) => `${action} ${stepId}`)).toEqual([
      'retry pay',
      'skip notify',
    ]);
  });

  it('offers nothing once the run ended', () => {
    const state = stateOf([{ type: 'RunCancelled', data: { reason: 'wrong claim', requestedBy: 'ops' } }]);
    expect(runActionsOf(state)).toEqual([]);
    expect(stepActionsOf(state)).toEqual([]);
  });

  it('names as substitutes the other agents holding the step capability', () => {
    const state = stateOf([]);
    expect(substituteAgentsOf(state, 'pay')).toEqual(['backup']);
    expect(substituteAgentsOf(state, 'prepare')).toEqual(['reader']);
    expect(substituteAgentsOf(state, 'missing')).toEqual([]);
  });

  it('builds each request with only the fields given', () => {
    expect(operatorRequestOf('r/1', 'retry', { stepId: 'pay', agent: 'backup', reason: ' ' })).toEqual({
      path: '/v1/runs/r%2F1/retry',
      body: { stepId: 'pay', agent: 'backup' },
    });
    expect(operatorRequestOf('r1', 'skip', { stepId: 'notify', agent: 'x', reason: 'not needed' })).toEqual({
      path: '/v1/runs/r1/skip',
      body: { stepId: 'notify', reason: 'not needed' },
    });
    expect(operatorRequestOf('r1', 'pause', { stepId: 'pay' })).toEqual({ path: '/v1/runs/r1/pause', body: {} });
  });
});
