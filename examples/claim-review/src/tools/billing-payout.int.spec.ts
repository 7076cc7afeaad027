import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { removeDir, tempDir } from '@ledgerflow/testing';
import { appendOnce, paymentIdOf, readLedger } from './billing-ledger.js';
import type { LedgerEntry } from './billing-ledger.js';
import { billingPayoutTool } from './billing-payout.tool.js';
import type { PayoutInput } from './billing-payout.tool.js';
import { forgetfulStore, startToolHarness, valueOf } from './tool-harness.spec-util.js';
import type { ToolHarness } from './tool-harness.spec-util.js';

const payout: PayoutInput = {
  claimId: 'CLM-2026-0001',
  amount: 4820.5,
  currency: 'EUR',
  payee: 'Ada Lovelace',
  covered: true,
  fraudScore: 0.05,
};

const ledgerLines = async (path: string): Promise<LedgerEntry[]> =>
  (await readFile(path, 'utf8'))
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as LedgerEntry);

// The worker's own dedupe is off (forgetfulStore), so every request reaches the handler, as after a worker
// restart: the ledger file alone must keep payouts to one per idempotency key.
describe('billing.payout over NATS', () => {
  let harness: ToolHarness;
  let dir: string;
  let ledger: string;
  beforeAll(async () => {
    dir = await tempDir('claim-billing');
    ledger = join(dir, 'nested', 'billing-ledger.jsonl');
    harness = await startToolHarness(
      [billingPayoutTool({ ledgerPath: ledger, now: () => new Date('2026-03-20T12:00:00Z') })],
      { dedupe: forgetfulStore },
    );
  });
  afterAll(async () => {
    await harness?.stop();
    await removeDir(dir);
  });

  it('writes one ledger line for two requests with the same idempotency key', async () => {
    const request = { runId: 'run-a', stepId: 'payout', attempt: 1, idempotencyKey: 'run-a/payout/1', input: payout };
    const first = valueOf(await harness.call('billing', 'payout', request));
    const second = valueOf(await harness.call('billing', 'payout', request));
    expect(first.output).toEqual({ paymentId: paymentIdOf('run-a/payout'), amount: 4820.5, currency: 'EUR' });
    expect(second.output).toEqual(first.output);
    expect(await ledgerLines(ledger)).toEqual([
      {
        paymentId: paymentIdOf('run-a/payout'),
        effectKey: 'run-a/payout',
        idempotencyKey: 'run-a/payout/1',
        runId: 'run-a',
        claimId: 'CLM-2026-0001',
        amount: 4820.5,
        currency: 'EUR',
        payee: 'Ada Lovelace',
        paidAt: '2026-03-20T12:00:00.000Z',
      },
    ]);
  });

  it('pays once when attempt 2 follows an attempt 1 that had in fact paid (a timeout after the effect)', async () => {
    const input = { ...payout, claimId: 'CLM-2026-0009', payee: 'Kurt Goedel' };
    const attempt = (n: number) =>
      harness.call('billing', 'payout', {
        runId: 'run-t',
        stepId: 'payout',
        attempt: n,
        idempotencyKey: `run-t/payout/${n}`,
        input,
      });
    const first = valueOf(await attempt(1));
    const second = valueOf(await attempt(2));
    expect(second.output).toEqual(first.output);
    const lines = (await ledgerLines(ledger)).filter((line) => line.runId === 'run-t');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      effectKey: 'run-t/payout',
      idempotencyKey: 'run-t/payout/1',
      paymentId: paymentIdOf('run-t/payout'),
    });
  });

  it('writes a line per distinct idempotency key, one for concurrent duplicates', async () => {
    const input = { ...payout, claimId: 'CLM-2026-0002', amount: 12345.67, payee: 'Alan Turing' };
    const keys = ['run-b/payout/1', 'run-c/payout/1'];
    const calls = keys.flatMap((key) =>
      [1, 2, 3].map(() =>
        harness.call('billing', 'payout', { runId: key.split('/')[0], stepId: 'payout', idempotencyKey: key, input }),
      ),
    );
    const outputs = (await Promise.all(calls)).map((reply) => valueOf(reply).output as { paymentId: string });
    expect(new Set(outputs.map((o) => o.paymentId))).toEqual(
      new Set(keys.map((key) => paymentIdOf(key.replace(/\/1$/, '')))),
    );
    const lines = await ledgerLines(ledger);
    for (const key of keys) expect(lines.filter((line) => line.idempotencyKey === key)).toHaveLength(1);
    expect(lines.map((line) => line.runId)).toEqual(['run-a', 'run-t', 'run-b', 'run-c']);
  });

  it.each([
    [{ covered: false, amount: 0 }, 'claim_not_covered'],
    [{ covered: true, amount: 0 }, 'payout_amount_invalid'],
  ])('refuses %j without touching the ledger', async (change, code) => {
    const before = await ledgerLines(ledger);
    const reply = await harness.call('billing', 'payout', {
      runId: 'run-d',
      idempotencyKey: `run-d/payout/${code}`,
      input: { ...payout, ...change },
    });
    expect(reply.ok).toBe(false);
    if (!reply.ok) expect(reply.error).toMatchObject({ code, retryable: false });
    expect(await ledgerLines(ledger)).toEqual(before);
  });
});

describe('billing ledger file (appendOnce)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir('claim-ledger');
  });
  afterAll(async () => removeDir(dir));

  const entry = (key: string): LedgerEntry => ({
    paymentId: paymentIdOf(key),
    idempotencyKey: key,
    runId: key.split('/')[0] ?? key,
    claimId: 'CLM-2026-0003',
    amount: 2150,
    currency: 'EUR',
    payee: 'Grace Hopper',
    paidAt: '2026-03-20T12:00:00.000Z',
  });

  it('skips a torn last line left by a crash and starts the next entry on a fresh line', async () => {
    const path = join(dir, 'torn.jsonl');
    await writeFile(path, `${JSON.stringify(entry('run-x/payout/1'))}\n{"idempotencyKey":"run-y/pay`);
    const appended = await appendOnce(path, entry('run-y/payout/1'));
    expect(appended.written).toBe(true);
    expect((await readLedger(path)).map((e) => e.idempotencyKey)).toEqual(['run-x/payout/1', 'run-y/payout/1']);
  });

  it('returns the entry already on file for a repeated key, without writing', async () => {
    const path = join(dir, 'repeat.jsonl');
    const first = await appendOnce(path, entry('run-z/payout/1'));
    const again = await appendOnce(path, { ...entry('run-z/payout/1'), paidAt: '2026-03-21T00:00:00.000Z' });
    expect(again).toEqual({ entry: first.entry, written: false });
    expect(await readLedger(path)).toHaveLength(1);
  });
});
