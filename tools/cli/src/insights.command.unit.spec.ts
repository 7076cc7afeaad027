import type { WorkflowInsights } from '@ledgerflow/contracts';
import { runCli } from './cli.js';
import { workflowsInsightsCommand } from './insights.command.js';
import { StandInGateway } from './stand-in-gateway.spec-util.js';

const insights: WorkflowInsights = {
  workflowId: 'claims',
  scope: ['claims', 'high-value'],
  runs: 50,
  insights: [
    {
      kind: 'failure_cluster',
      stepId: 'fraud_screen',
      summary: 'fraud_screen fails with upstream_timeout in 12% of runs since 2026-01-02',
      evidence: {
        runs: 50,
        occurrences: 6,
        from: '2026-01-02T08:00:00.000Z',
        to: '2026-01-09T10:00:00.000Z',
        exampleRunIds: ['run-1', 'run-2', 'run-3', 'run-4'],
      },
    },
  ],
  calibration: [
    {
      stepId: 'extract',
      reviewed: 20,
      expectedCalibrationError: 0.0825,
      buckets: [
        { from: 0.5, to: 0.6, count: 0, meanConfidence: 0, accepted: 0, corrected: 0, rejected: 0 },
        { from: 0.6, to: 0.7, count: 8, meanConfidence: 0.65, accepted: 4, corrected: 3, rejected: 1 },
        { from: 0.9, to: 1, count: 12, meanConfidence: 0.95, accepted: 12, corrected: 0, rejected: 0 },
      ],
    },
  ],
  usage: {
    inputTokens: 1200,
    outputTokens: 300,
    costUsd: 0.0125,
    steps: 3,
    byStep: {
      extract: { inputTokens: 1000, outputTokens: 250, costUsd: 0.01, steps: 2 },
      assess: { inputTokens: 200, outputTokens: 50, costUsd: 0.0025, steps: 1 },
    },
  },
};

describe('ledgerflow workflows insights', () => {
  const gateway = new StandInGateway(() => ({ status: 200, body: insights }));
  let url = '';
  beforeAll(async () => {
    url = await gateway.start();
  });
  afterAll(() => gateway.stop());
  beforeEach(() => {
    gateway.seen.length = 0;
  });

  async function cli(argv: string[]) {
    let out = '';
    let err = '';
    const code = await runCli([workflowsInsightsCommand], argv, {
      out: (t) => (out += t),
      err: (t) => (err += t),
      env: { LEDGERFLOW_URL: url, LEDGERFLOW_TOKEN: 'reader-token' },
    });
    return { code, out, err };
  }

  it('prints findings with their evidence, the reliability table of each step and usage per step and in total', async () => {
    const { code, out } = await cli(['workflows', 'insights', 'claims']);
    expect(code).toBe(0);
    expect(gateway.seen).toEqual([
      { method: 'GET', url: '/v1/workflows/claims/insights', authorization: 'Bearer reader-token' },
    ]);
    const lines = out.split('\n');
    expect(lines[0]).toBe('claims: 50 production runs (memory scope claims,high-value)');
    const finding = lines.find((line) => line.startsWith('failure_cluster'));
    expect(finding?.split(/\s{2,}/)).toEqual([
      'failure_cluster',
      'fraud_screen',
      '6/50 runs',
      '2026-01-02..2026-01-09',
      'run-1,run-2,run-3,...',
      'fraud_screen fails with upstream_timeout in 12% of runs since 2026-01-02',
    ]);
    expect(out).toContain('extract: 20 reviewed, expected calibration error 0.083');
    const buckets = lines.filter((line) => /^0\.\d-/.test(line)).map((line) => line.split(/\s{2,}/));
    // Empty buckets are left out; the share accepted unchanged is accepted / count.
    expect(buckets).toEqual([
      ['0.6-0.7', '8', '0.65', '4', '3', '1', '50.0%'],
      ['0.9-1.0', '12', '0.95', '12', '0', '0', '100.0%'],
    ]);
    const usage = lines.filter((line) => /^(assess|extract|\(total\)) /.test(line)).map((l) => l.split(/\s{2,}/));
    expect(usage).toEqual([
      ['assess', '200', '50', '$0.0025', '1'],
      ['extract', '1000', '250', '$0.0100', '2'],
      ['(total)', '1200', '300', '$0.0125', '3'],
    ]);
  });

  it('--json prints the answer as the gateway sent it', async () => {
    const { code, out } = await cli(['workflows', 'insights', 'claims', '--json']);
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual(insights);
  });

  it('says when memory has learned nothing yet', async () => {
    gateway.reply = () => ({
      status: 200,
      body: {
        ...insights,
        scope: [],
        runs: 0,
        insights: [],
        calibration: [],
        usage: { ...insights.usage, byStep: {} },
      },
    });
    const { code, out } = await cli(['workflows', 'insights', 'claims']);
    expect(code).toBe(0);
    expect(out).toContain('claims: 0 production runs\n');
    expect(out).toContain('no findings yet');
    expect(out).toContain('no reviewed results with a confidence yet');
    gateway.reply = () => ({ status: 200, body: insights });
  });

  it("exits 1 with the gateway's error code and message", async () => {
    gateway.reply = () => ({
      status: 503,
      body: { error: { code: 'nats_no_responders', message: 'no memory service', retryable: true } },
    });
    const { code, err } = await cli(['workflows', 'insights', 'claims']);
    expect(code).toBe(1);
    expect(err).toContain('HTTP 503 nats_no_responders: no memory service');
    gateway.reply = () => ({ status: 200, body: insights });
  });
});
