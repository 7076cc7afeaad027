import { fraudScreenTool } from './fraud-screen.tool.js';
import type { FraudInput, FraudOutput } from './fraud-rules.js';
import { startToolHarness, valueOf } from './tool-harness.spec-util.js';
import type { ToolHarness } from './tool-harness.spec-util.js';

const outageClaim: FraudInput = {
  claimId: 'CLM-2026-0006',
  amount: 8900,
  documentedAmount: 8900,
  incidentDate: '2026-03-10',
  submittedAt: '2026-03-11T11:20:00Z',
  description: 'A frozen pipe split in the bathroom wall.',
};

describe('fraud.screen over NATS with a simulated outage', () => {
  let harness: ToolHarness;
  beforeAll(async () => {
    harness = await startToolHarness([fraudScreenTool({ outageClaims: ['CLM-2026-0006'] })]);
  });
  afterAll(async () => harness?.stop());

  it('fails attempt 1 of an outage claim with a retryable fraud_service_unavailable, and succeeds on attempt 2', async () => {
    const first = await harness.call('fraud', 'screen', {
      runId: 'r-outage',
      stepId: 'fraud_screen',
      attempt: 1,
      input: outageClaim,
    });
    expect(first.ok).toBe(false);
    if (!first.ok) {
      expect(first.error).toMatchObject({ code: 'fraud_service_unavailable', retryable: true });
      expect(first.error.message).toContain('CLM-2026-0006');
    }
    const second = await harness.call('fraud', 'screen', {
      runId: 'r-outage',
      stepId: 'fraud_screen',
      attempt: 2,
      input: outageClaim,
    });
    expect(valueOf(second).output).toEqual({ score: 0.05, flags: [] });
    expect(valueOf(second).lineage).toEqual({ source: 'fraud-service', fresh: true });
  });

  it('answers attempt 1 of any other claim', async () => {
    const input: FraudInput = { ...outageClaim, claimId: 'CLM-2026-0004', amount: 72_500, documentedAmount: 72_500 };
    const output = valueOf(await harness.call('fraud', 'screen', { attempt: 1, input })).output as FraudOutput;
    expect(output).toEqual({ score: 0.2, flags: ['high_value'] });
  });

  it('scores the same claim the same way every time', async () => {
    const input: FraudInput = {
      ...outageClaim,
      claimId: 'CLM-2026-0003',
      amount: 2500,
      documentedAmount: 2150,
      description: 'No receipt, urgent.',
    };
    const replies = await Promise.all(
      [1, 2, 3].map((n) => harness.call('fraud', 'screen', { runId: `r-${n}`, input })),
    );
    const outputs = replies.map((reply) => valueOf(reply).output);
    expect(outputs[0]).toEqual({ score: 0.55, flags: ['amount_mismatch', 'keyword:no receipt', 'keyword:urgent'] });
    expect(outputs[1]).toEqual(outputs[0]);
    expect(outputs[2]).toEqual(outputs[0]);
  });
});
