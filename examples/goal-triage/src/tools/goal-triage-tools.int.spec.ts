import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { removeDir, tempDir } from '@ledgerflow/testing';
import { goalTriageTools } from './goal-triage-tools.js';
import { refundIdOf, type RefundEntry } from './refund-register.js';
import { forgetfulStore, startToolHarness, valueOf, type ToolHarness } from './tool-harness.spec-util.js';

// The worker's own dedupe is off (forgetfulStore): every request reaches a handler, as after a worker restart, so
// the refund register alone must keep refunds to one per run step.
describe('goal-triage tools over NATS', () => {
  let harness: ToolHarness;
  let dir: string;
  let register: string;
  beforeAll(async () => {
    dir = await tempDir('goal-triage-tools');
    register = join(dir, 'refunds.jsonl');
    const now = () => new Date('2026-05-01T10:00:00Z');
    harness = await startToolHarness([...goalTriageTools({ registerPath: register, now })], {
      dedupe: forgetfulStore,
    });
  });
  afterAll(async () => {
    await harness?.stop();
    await removeDir(dir);
  });

  const lines = async (): Promise<RefundEntry[]> =>
    (await readFile(register, 'utf8'))
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as RefundEntry);

  it('support.classify: a double charge is an urgent billing ticket, with the confidence on the result', async () => {
    const value = valueOf(
      await harness.call('support', 'classify', {
        input: { subject: 'Charged twice', message: 'My card was charged twice. Please refund the payment.' },
      }),
    );
    expect(value.output).toEqual({ category: 'billing', urgency: 'high', confidence: 0.85 });
    expect(value.confidence).toBe(0.85);
  });

  it('support.classify: a text with no keyword is "other" at 0.4', async () => {
    const value = valueOf(await harness.call('support', 'classify', { input: { message: 'Hello there.' } }));
    expect(value.output).toEqual({ category: 'other', urgency: 'normal', confidence: 0.4 });
  });

  it('support.classify refuses an input without a message (input schema)', async () => {
    const reply = await harness.call('support', 'classify', { input: { subject: 'x' } });
    expect(reply.ok).toBe(false);
  });

  it('crm.lookup_account finds an account by email, whatever its case', async () => {
    const value = valueOf(
      await harness.call('crm', 'lookup_account', { input: { customerEmail: 'Li.Wei@Example.org' } }),
    );
    expect(value.output).toEqual({ accountId: 'ACC-20315', plan: 'enterprise', lifetimeValue: 48200 });
    expect(value.lineage).toEqual({ source: 'crm', fresh: true });
  });

  it('crm.lookup_account answers account_not_found (not retryable) for an unknown email, without echoing it', async () => {
    const reply = await harness.call('crm', 'lookup_account', { input: { customerEmail: 'nobody@example.com' } });
    expect(reply.ok).toBe(false);
    if (!reply.ok) {
      expect(reply.error).toMatchObject({ code: 'account_not_found', retryable: false });
      expect(JSON.stringify(reply.error)).not.toContain('nobody@example.com');
    }
  });

  it('support.draft_reply drafts from the category, plan, urgency and refund, without quoting the ticket', async () => {
    const message = 'My card 4111 1111 1111 1111 was charged twice.';
    const refund = { refundId: 'RF-0123456789AB', refundedAmount: 49.9 };
    const value = valueOf(
      await harness.call('support', 'draft_reply', {
        input: { category: 'billing', plan: 'pro', message, urgency: 'high', ...refund },
      }),
    );
    const { replyDraft } = value.output as { replyDraft: string };
    expect(replyDraft).toContain('We have refunded EUR 49.90 to your account (reference RF-0123456789AB)');
    expect(replyDraft).toContain('high priority');
    expect(replyDraft).toContain('within one business day');
    expect(replyDraft).not.toContain('4111');
  });

  it('billing.refund refunds once per run step: a second attempt gets the first refund', async () => {
    const input = { accountId: 'ACC-10042', amount: 49.9, ticketId: 'TCK-1002' };
    const attempt = (n: number) =>
      harness.call('billing', 'refund', { runId: 'run-r', stepId: 'refund', attempt: n, input });
    const first = valueOf(await attempt(1));
    const second = valueOf(await attempt(2));
    expect(first.output).toEqual({ refundId: refundIdOf('run-r/refund'), refundedAmount: 49.9, currency: 'EUR' });
    expect(second.output).toEqual(first.output);
    expect(await lines()).toEqual([
      {
        refundId: refundIdOf('run-r/refund'),
        effectKey: 'run-r/refund',
        runId: 'run-r',
        accountId: 'ACC-10042',
        amount: 49.9,
        currency: 'EUR',
        ticketId: 'TCK-1002',
        refundedAt: '2026-05-01T10:00:00.000Z',
      },
    ]);
  });

  it('billing.refund writes one line per step under concurrent duplicates', async () => {
    const calls = ['run-a', 'run-b'].flatMap((runId) =>
      [1, 2, 3].map(() =>
        harness.call('billing', 'refund', { runId, stepId: 'refund', input: { accountId: 'ACC-20488', amount: 12 } }),
      ),
    );
    const ids = (await Promise.all(calls)).map((reply) => (valueOf(reply).output as { refundId: string }).refundId);
    expect(new Set(ids)).toEqual(new Set([refundIdOf('run-a/refund'), refundIdOf('run-b/refund')]));
    expect((await lines()).map((line) => line.runId)).toEqual(['run-r', 'run-a', 'run-b']);
  });

  it('billing.refund refuses a zero amount (input schema) without touching the register', async () => {
    const reply = await harness.call('billing', 'refund', { input: { accountId: 'ACC-10042', amount: 0 } });
    expect(reply.ok).toBe(false);
    expect(await lines()).toHaveLength(3);
  });
});
