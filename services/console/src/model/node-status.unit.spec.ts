import { appended, attemptsOf, EMPTY_HISTORY } from './run-events.js';
import type { RunHistory } from './run-events.js';
import { dagOf, elkGraphOf, structureKeyOf } from './dag.js';
import { events, records, requireApproval, step } from './run-history.spec-util.js';

/**
 * The run view's node statuses, as events arrive one by one (as the live stream delivers them): the plan
 * extract -> (screen, payout), payout gated by policy.
 */
describe('node status from a run history', () => {
  const plan = [
    step('extract'),
    step('screen', ['extract']),
    step('payout', ['extract'], { tool: 'billing', action: 'payout', agent: 'payer' }),
  ];
  const statuses = (history: RunHistory) =>
    Object.fromEntries(dagOf(history.state).nodes.map((node) => [node.id, node.status]));

  it('moves each node through pending, policy, running, gate and succeeded as the events arrive', () => {
    const timeline = [
      ...events.started(plan),
      events.evaluated('extract'),
      events.ran('extract'),
      events.succeeded('extract'),
      events.evaluated('payout', requireApproval),
      events.gateOpened('payout'),
      events.evaluated('screen'),
      events.ran('screen'),
      events.failed('screen'),
      events.retry('screen', 2),
      events.gateDecided('payout'),
      events.ran('payout'),
    ];
    const seen: Array<Record<string, string>> = [];
    let history = EMPTY_HISTORY;
    for (const record of records(timeline)) {
      history = appended(history, [record]);
      seen.push(statuses(history));
    }
    expect(seen[1]).toEqual({ extract: 'policy', screen: 'pending', payout: 'pending' });
    expect(seen[2]).toEqual({ extract: 'policy', screen: 'pending', payout: 'pending' }); // allowed, not started
    expect(seen[3]).toMatchObject({ extract: 'running' });
    expect(seen[4]).toEqual({ extract: 'succeeded', screen: 'policy', payout: 'policy' });
    expect(seen[5]).toMatchObject({ payout: 'gate' }); // approval required, gate not opened yet
    expect(seen[6]).toMatchObject({ payout: 'gate' });
    expect(seen[8]).toMatchObject({ screen: 'running' });
    expect(seen[9]).toMatchObject({ screen: 'failed' });
    expect(seen[10]).toMatchObject({ screen: 'retrying', payout: 'gate' });
    expect(seen[11]).toMatchObject({ payout: 'policy' }); // approved: ready to start
    expect(seen[12]).toMatchObject({ payout: 'running' });
  });

  it('shows blocked and skipped steps as such', () => {
    const history = appended(
      EMPTY_HISTORY,
      records([
        ...events.started(plan),
        events.evaluated('extract'),
        events.ran('extract'),
        events.succeeded('extract'),
        events.blocked('payout'),
        events.skipped('screen'),
      ]),
    );
    expect(statuses(history)).toEqual({ extract: 'succeeded', screen: 'skipped', payout: 'blocked' });
  });

  it('appends only events past the last revision held, so a repeated read changes nothing', () => {
    const all = records([...events.started(plan), events.evaluated('extract'), events.ran('extract')]);
    const once = appended(EMPTY_HISTORY, all.slice(0, 3));
    const twice = appended(appended(once, all.slice(1)), all);
    expect(twice.events.map((e) => e.revision)).toEqual([0, 1, 2, 3]);
    expect(statuses(twice)).toMatchObject({ extract: 'running' });
    expect(appended(twice, all)).toBe(twice);
  });

  it('lists attempts with outcomes and durations from the step events', () => {
    const history = appended(
      EMPTY_HISTORY,
      records([
        ...events.started(plan),
        events.evaluated('extract'),
        events.ran('extract'),
        events.failed('extract'),
        events.retry('extract', 2),
        events.evaluated('extract', undefined, 2),
        events.ran('extract', 2),
        events.succeeded('extract', 2),
      ]),
    );
    expect(attemptsOf(history.events, 'extract')).toEqual([
      {
        attempt: 1,
        startedAt: '2026-05-01T10:00:01.000Z',
        outcome: 'failed',
        durationMs: 7,
        error: { code: 'crm_down', message: 'CRM unavailable' },
      },
      { attempt: 2, startedAt: '2026-05-01T10:00:02.000Z', outcome: 'succeeded', durationMs: 12 },
    ]);
    expect(dagOf(history.state).nodes[0]).toMatchObject({ id: 'extract', attempt: 2, status: 'succeeded' });
  });
});

describe('DAG layout input', () => {
  it('gives ELK every step as a fixed-size node and every dependency as an edge, in plan order', () => {
    const history = appended(
      EMPTY_HISTORY,
      records(
        events.started([
          step('a'),
          step('b', ['a']),
          step('c', ['a', 'b'], { tool: 'billing', action: 'payout', agent: 'payer' }),
        ]),
      ),
    );
    const dag = dagOf(history.state);
    expect(dag.nodes.map((n) => [n.id, n.agent, n.tool])).toEqual([
      ['a', 'clerk', 'crm.read'],
      ['b', 'clerk', 'crm.read'],
      ['c', 'payer', 'billing.payout'],
    ]);
    const graph = elkGraphOf(dag);
    expect(graph.layoutOptions['elk.algorithm']).toBe('layered');
    expect(graph.children).toEqual([
      { id: 'a', width: 220, height: 84 },
      { id: 'b', width: 220, height: 84 },
      { id: 'c', width: 220, height: 84 },
    ]);
    expect(graph.edges).toEqual([
      { id: 'a->b', sources: ['a'], targets: ['b'] },
      { id: 'a->c', sources: ['a'], targets: ['c'] },
      { id: 'b->c', sources: ['b'], targets: ['c'] },
    ]);
  });

  it('keeps the structure key across status changes and changes it when the plan changes', () => {
    const start = appended(EMPTY_HISTORY, records([...events.started([step('a'), step('b', ['a'])])]));
    const moved = appended(start, records([events.evaluated('a'), events.ran('a')], 2));
    expect(structureKeyOf(dagOf(moved.state))).toBe(structureKeyOf(dagOf(start.state)));
    const revised = appended(
      moved,
      records(
        [
          {
            type: 'PlanRevised',
            data: {
              revision: 1,
              author: 'ops',
              reason: 'add a check',
              addedSteps: [step('c', ['a'])],
              removedStepIds: [],
            },
          },
        ],
        4,
      ),
    );
    expect(dagOf(revised.state).edges.map((e) => e.id)).toEqual(['a->b', 'a->c']);
    expect(structureKeyOf(dagOf(revised.state))).not.toBe(structureKeyOf(dagOf(start.state)));
  });

  it('has no nodes before the plan exists', () => {
    expect(dagOf(EMPTY_HISTORY.state)).toEqual({ nodes: [], edges: [] });
  });
});
