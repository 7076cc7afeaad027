import type { RunEvent } from '@ledgerflow/domain';
import { grantScopeOf } from './grant-scope.js';
import { appended, EMPTY_HISTORY } from './run-events.js';
import { events, records, RUN_ID, step } from './run-history.spec-util.js';

describe("a step attempt's grant scope, from its events", () => {
  const history = (timeline: RunEvent[]) =>
    appended(EMPTY_HISTORY, records([...events.started([step('read')]), ...timeline]));

  it('is the tool action, agent, attempt, idempotency key and audit id of the attempt started under the decision', () => {
    const { state, events: stored } = history([
      events.evaluated('read'),
      events.ran('read'),
      events.failed('read'),
      events.retry('read', 1),
      events.evaluated('read', undefined, 2),
      events.ran('read', 2),
    ]);
    expect(grantScopeOf(state, stored, 'read')).toEqual({
      audience: 'lf.tool.crm.read',
      agent: 'clerk',
      attempt: 2,
      idempotencyKey: `${RUN_ID}/read/2`,
      auditId: 'audit-1',
    });
  });

  it('is absent before the attempt starts', () => {
    const { state, events: stored } = history([events.evaluated('read')]);
    expect(grantScopeOf(state, stored, 'read')).toBeUndefined();
  });
});
