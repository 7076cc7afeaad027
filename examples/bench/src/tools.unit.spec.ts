import { join } from 'node:path';
import type { ToolContext } from '@ledgerflow/sdk';
import { tempDir } from '@ledgerflow/testing';
import { applyTool, readLines } from './tools.js';

const attempt = (n: number): ToolContext => ({
  runId: 'run-a',
  stepId: 'charge',
  attempt: n,
  idempotencyKey: `run-a/charge/${n}`,
  effectKey: 'run-a/charge',
  secrets: {},
});

describe('bench.apply: a side effect once per step, then a lost reply', () => {
  it('applies on attempt 1, fails retryably up to failAttempts, and no retry applies it again', async () => {
    const ledger = join(await tempDir('bench-apply-'), 'ledger.jsonl');
    const { handler } = applyTool(ledger);
    const input = { failAttempts: 2 };
    for (const n of [1, 2]) {
      await expect(handler(input, attempt(n))).rejects.toMatchObject({ code: 'upstream_reply_lost', retryable: true });
    }
    await expect(handler(input, attempt(3))).resolves.toEqual({ applied: false, attempt: 3 });
    expect(readLines(ledger)).toEqual([
      {
        idempotencyKey: 'run-a/charge/1',
        effectKey: 'run-a/charge',
        runId: 'run-a',
        stepId: 'charge',
        attempt: 1,
        grant: null,
      },
    ]);
    expect(readLines(`${ledger}.calls`).map((call) => call.idempotencyKey)).toEqual([
      'run-a/charge/1',
      'run-a/charge/2',
      'run-a/charge/3',
    ]);
  });

  it('applies and answers at once without failAttempts', async () => {
    const ledger = join(await tempDir('bench-apply-'), 'ledger.jsonl');
    await expect(applyTool(ledger).handler({}, attempt(1))).resolves.toEqual({ applied: true, attempt: 1 });
    expect(readLines(ledger)).toHaveLength(1);
  });
});
