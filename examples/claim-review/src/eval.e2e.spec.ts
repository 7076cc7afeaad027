import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteEventStore } from '@ledgerflow/event-store';
import { devToken, repoRoot, startStack, tempDir } from '@ledgerflow/testing';
import type { Stack } from '@ledgerflow/testing';

/**
 * `ledgerflow eval` (the built CLI, tools/cli/dist/main.js, as a child process) over the real claim-review stack:
 * nats-server, the six services and the example's tool workers as OS processes. The example's golden set
 * (golden/claims.golden.yaml) passes, its result recorded as `EvaluationRecorded`; a copy with one wrong expected
 * value fails with exit 1, naming the case and the path.
 */
describe('ledgerflow eval on the claim-review golden set', () => {
  let stack: Stack;
  let dataDir: string;
  let env: Record<string, string>;
  const goldenSet = join(repoRoot(), 'examples/claim-review/golden/claims.golden.yaml');

  const ledgerflow = (...args: string[]) =>
    new Promise<{ code: number; out: string; err: string }>((resolve) => {
      execFile(
        process.execPath,
        [join(repoRoot(), 'tools/cli/dist/main.js'), ...args],
        { env: { ...process.env, ...env }, timeout: 240_000 },
        (error, out, err) => resolve({ code: error ? Number(error.code ?? 1) : 0, out, err }),
      );
    });

  beforeAll(async () => {
    dataDir = await tempDir('ledgerflow-claims-eval-');
    stack = await startStack({
      dataDir,
      extras: [
        {
          name: 'claim-review-workers',
          script: 'examples/claim-review/dist/workers.js',
          readyLine: /^ledgerflow:ready claim-review-workers$/,
          env: { CLAIM_BILLING_LEDGER: join(dataDir, 'billing-ledger.jsonl') },
        },
      ],
    });
    env = {
      LEDGERFLOW_URL: stack.gatewayUrl,
      LEDGERFLOW_TOKEN: await devToken(stack, { sub: 'svc:eval-ci', scopes: ['runs:start', 'runs:read'] }),
      LEDGERFLOW_AUTH_SECRET: stack.authSecret,
      LEDGERFLOW_AUTH_ISSUER: stack.authIssuer,
      LEDGERFLOW_AUTH_AUDIENCE: stack.authAudience,
      LEDGERFLOW_DATA_DIR: dataDir,
    };
  }, 90_000);

  afterAll(async () => {
    await stack?.stop();
  }, 30_000);

  it('passes the golden set, approving the over-50,000 payout gate as claims-lead, and records the result', async () => {
    const { code, out, err } = await ledgerflow('eval', 'claim-review', goldenSet, '--approve-as', 'claims-lead');
    expect({ code, err }).toEqual({ code: 0, err: '' });
    expect(out).toContain('pass rate: 6/6 (100.0%), minimum 100.0%');
    expect(out).toMatch(/extract_documents +6\/6 +100\.0%/);
    expect(out).toMatch(/payout +5\/5 +100\.0%/);
    // Every step that reports a confidence passed: none is counted among the failed.
    expect(out).toMatch(/mean confidence of passed steps (0|1)\.\d{3} \(n=\d+\), of failed steps - \(n=0\)/);
    expect(out).toContain('escalations: 1 gate(s) opened in 1 case(s)');
    expect(out).toMatch(/^latency: p50 \d+ ms, p95 \d+ ms/m);
    const evaluationId = /recorded as evaluation ([0-9a-f-]{36}) of claim-review@1\.0\.0/.exec(out)?.[1];
    expect(evaluationId).toBeDefined();

    const store = await SqliteEventStore.open(stack.sqlitePath);
    try {
      const [recorded] = (await store.readStream('memory-claim-review')).filter((e) => e.type === 'EvaluationRecorded');
      expect(recorded?.metadata.actor).toEqual({ kind: 'service', id: 'svc:eval-ci', via: 'memory' });
      expect(recorded?.data).toMatchObject({
        evaluationId,
        workflowId: 'claim-review',
        workflowVersion: '1.0.0',
        goldenSet: 'claims',
        goldenSetDigest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
        passRate: 1,
      });
      const cases = (recorded?.data as { cases: { caseId: string; runId: string; escalations: number }[] }).cases;
      expect(cases.map((c) => [c.caseId, c.escalations])).toEqual([
        ['CLM-2026-0001', 0],
        ['CLM-2026-0002', 0],
        ['CLM-2026-0003', 0],
        ['CLM-2026-0004', 1],
        ['CLM-2026-0005', 0],
        ['CLM-2026-0006', 0],
      ]);
      // Each case ran as an evaluation run of the set.
      const [triggered] = await store.readStream(`run-${cases[0]?.runId}`, { maxCount: 1 });
      expect(triggered?.data).toMatchObject({ evaluation: { goldenSet: 'claims', caseId: 'CLM-2026-0001' } });
    } finally {
      await store.close();
    }
  }, 240_000);

  it('fails with exit 1 on a wrong expected value, naming the case and the path', async () => {
    const wrong = join(dataDir, 'wrong.golden.yaml');
    const text = readFileSync(goldenSet, 'utf8');
    const edited = text.replace(
      /(- id: CLM-2026-0003[\s\S]*?payout:\n\s+amount: )\{ number: 2150, tolerance: 0\.005 \}/,
      '$1{ number: 1200, tolerance: 50 }',
    );
    expect(edited).not.toBe(text);
    writeFileSync(wrong, edited);
    const { code, out, err } = await ledgerflow(
      'eval',
      'claim-review',
      wrong,
      '--approve-as',
      'claims-lead',
      '--min-pass-rate',
      '0.9',
      '--skip-record',
    );
    expect(code).toBe(1);
    expect(out).toContain('case CLM-2026-0003: FAIL');
    expect(out).toContain('pass rate: 5/6 (83.3%), minimum 90.0%');
    expect(out).toMatch(/payout +4\/5 +80\.0%/);
    expect(err).toContain('failing: CLM-2026-0003');
    expect(err).toContain('case CLM-2026-0003: steps.payout.output.amount: expected 1200 ± 50, got 2150');
  }, 240_000);

  it('refuses an invalid golden set with exit 2, naming where', async () => {
    const invalid = join(dataDir, 'invalid.golden.yaml');
    writeFileSync(invalid, 'goldenSet: claims\nworkflow: claim-review\ncases:\n  - id: a\n    input: {}\n');
    const { code, err } = await ledgerflow('eval', 'claim-review', invalid);
    expect(code).toBe(2);
    expect(err).toContain('cases[0]: missing field "expect"');
  }, 30_000);
});
