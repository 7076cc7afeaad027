import { RUN_EVENT_TYPES, gateIdOf, isRunEventType, parseGateId, stepIdempotencyKey } from './events.js';

describe('event catalog', () => {
  it("lists every event type of docs/events.md once: the 18 of a run's lifecycle, the queue's RunQueued and RunDequeued, the replicas' StepReclaimed and goals' PlanGenerated", () => {
    expect(RUN_EVENT_TYPES).toHaveLength(22);
    expect(new Set(RUN_EVENT_TYPES).size).toBe(22);
    expect(RUN_EVENT_TYPES.slice(18)).toEqual(['RunQueued', 'RunDequeued', 'StepReclaimed', 'PlanGenerated']);
    expect(isRunEventType('GateDecided')).toBe(true);
    expect(isRunEventType('GateClosed')).toBe(false);
  });

  it('builds gate ids as <runId>.<stepId> and parses them back, even when the run id holds dots', () => {
    expect(gateIdOf('run-1', 'payout')).toBe('run-1.payout');
    expect(parseGateId(gateIdOf('claims.2026.7', 'pay_out-2'))).toEqual({
      runId: 'claims.2026.7',
      stepId: 'pay_out-2',
    });
  });

  it.each(['no-dot', '.payout', 'run-1.', 'run-1.Payout'])('parses %p as no gate id', (text) => {
    expect(parseGateId(text)).toBeUndefined();
  });

  it('builds the idempotency key <runId>/<stepId>/<attempt>', () => {
    expect(stepIdempotencyKey('run-1', 'payout', 2)).toBe('run-1/payout/2');
  });
});
