import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SqliteEventStore } from '@ledgerflow/event-store';
import { authHeader, devToken, eventually, repoRoot, startStack, tempDir } from '@ledgerflow/testing';
import type { Stack } from '@ledgerflow/testing';
import type { Browser, Page } from 'playwright-core';
import { expectText, launchChromium, pageProblems, screenshotDir } from './browser.spec-util.js';

/**
 * The console in a real Chromium against a real stack (nats-server, the six services, the claim-review tool
 * workers, each its own process): sign-in, the runs list and a run view updated live over SSE, and the gates
 * inbox deciding the 72,500 EUR claim's payout gate as claims-lead after a reviewer without the role was refused.
 */
describe('console in a browser', () => {
  let stack: Stack;
  let store: SqliteEventStore;
  let browser: Browser;
  let shots: string;
  const problems: string[][] = [];
  const claim = async (id: string): Promise<unknown> => JSON.parse(await readFile(join(repoRoot(), 'examples/claim-review/claims', `${id}.json`), 'utf8'));

  beforeAll(async () => {
    const dataDir = await tempDir('ledgerflow-console-e2e-');
    // Each assigned as soon as it exists, so afterAll stops whatever started even when another part failed.
    const browserStarted = launchChromium().then((started) => (browser = started));
    stack = await startStack({
      dataDir,
      extras: [{ name: 'claim-review-workers', script: 'examples/claim-review/dist/workers.js', readyLine: /^ledgerflow:ready claim-review-workers$/, env: { CLAIM_BILLING_LEDGER: join(dataDir, 'billing.jsonl') } }],
    });
    await browserStarted;
    shots = await screenshotDir();
    store = await SqliteEventStore.open(stack.sqlitePath);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await store?.close();
    await stack?.stop();
  }, 30_000);

  afterEach(() => {
    // No uncaught error, no CSP violation, no console error the test did not expect, on any page.
    expect(problems.flat()).toEqual([]);
  });

  /** A fresh browser context (its own session storage) signed in with a development token for `sub`. */
  async function signedIn(sub: string, roles: string[] = [], screenshot?: string): Promise<Page> {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    problems.push(pageProblems(page, [{ status: 403, url: '/decision' }]));
    await page.goto(`${stack.gatewayUrl}/console/`);
    await page.getByRole('heading', { name: 'Sign in to the Ledgerflow console' }).waitFor();
    await page.getByLabel('Bearer token').fill(await devToken(stack, { sub, scopes: ['runs:read', 'gates:decide'], roles }));
    if (screenshot) await page.screenshot({ path: join(shots, screenshot) });
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('signed-in-as').filter({ hasText: sub }).waitFor();
    return page;
  }

  const startClaim = async (id: string): Promise<string> => {
    const response = await fetch(`${stack.gatewayUrl}/v1/workflows/claim-review/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await authHeader(stack)) },
      body: JSON.stringify({ input: await claim(id), idempotencyKey: id }),
    });
    expect(response.status).toBe(202);
    return ((await response.json()) as { runId: string }).runId;
  };
  const runRow = (page: Page, runId: string) => page.locator(`tr[data-run-id="${runId}"]`);
  const node = (page: Page, stepId: string) => page.locator(`.dag-node[data-step-id="${stepId}"]`);

  let lead: Page;
  let gatedRunId: string;

  it('signs in with a bearer token, shows who is signed in, and refuses a token the gateway does not accept', async () => {
    const page = await (await browser.newContext()).newPage();
    problems.push(pageProblems(page, [{ status: 401, url: '/v1/gates?reviewer=me' }]));
    const response = await page.goto(`${stack.gatewayUrl}/console/runs/no-such-page-yet`);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
    await page.getByLabel('Bearer token').fill('not-a-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expectText(page.getByRole('alert'), /three dot-separated parts/);
    const forged = await devToken({ ...stack, authSecret: 'another-secret-of-at-least-32-characters' }, { sub: 'mallory', scopes: ['admin'] });
    await page.getByLabel('Bearer token').fill(forged);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expectText(page.getByRole('alert'), /The gateway refused this token: .*unauthorized, HTTP 401/);

    lead = await signedIn('claims-lead', ['claims-lead'], 'console-sign-in.png');
    await expectText(lead.getByTestId('roles'), 'claims-lead');
    // Reloading keeps the person signed in (session storage); signing out forgets the token.
    await lead.reload();
    await lead.getByTestId('signed-in-as').filter({ hasText: 'claims-lead' }).waitFor();
  }, 30_000);

  it('lists runs as they start and change, newest first, without a reload', async () => {
    await lead.getByRole('heading', { name: 'Runs' }).waitFor();
    await expectText(lead.getByTestId('stream-state').first(), 'live');
    const plainRunId = await startClaim('CLM-2026-0001');
    gatedRunId = await startClaim('CLM-2026-0004');
    await expectText(runRow(lead, plainRunId).getByTestId('run-status'), 'completed', 30_000);
    await expectText(runRow(lead, gatedRunId).locator('td').nth(2), '1', 30_000); // one open gate
    expect(await lead.locator('tbody tr').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-run-id')))).toEqual([gatedRunId, plainRunId]);
    await lead.getByLabel('Status').selectOption('completed');
    await runRow(lead, gatedRunId).waitFor({ state: 'detached' });
    await expectText(runRow(lead, plainRunId).getByTestId('run-status'), 'completed');
    await lead.getByLabel('Status').selectOption('');
    await lead.screenshot({ path: join(shots, 'console-runs.png') });
  }, 45_000);

  it('shows the gated run waiting at its gate, then moving on live to completed once the gate is approved in the inbox', async () => {
    await runRow(lead, gatedRunId).getByRole('link').click();
    await expectText(lead.getByTestId('run-status'), 'running');
    await node(lead, 'payout').waitFor();
    expect(await node(lead, 'payout').getAttribute('data-status')).toBe('gate');
    for (const done of ['extract_documents', 'check_coverage', 'fraud_screen']) expect(await node(lead, done).getAttribute('data-status')).toBe('succeeded');
    await expectText(node(lead, 'payout'), 'waiting at gate');
    await expectText(node(lead, 'payout'), 'billing.payout');
    await expectText(lead.getByTestId('integrity'), /Audit chain intact/);
    await node(lead, 'payout').click();
    await expectText(lead.getByTestId('step-panel'), /require_approval/);
    await expectText(lead.getByTestId('policy-rules'), /@/); // each rule's pack@version
    await lead.screenshot({ path: join(shots, 'console-run-at-gate.png'), fullPage: true });

    // A reviewer without the claims-lead role sees the gate among the others, and the API refuses their approval.
    const intern = await signedIn('intern', ['adjuster']);
    await intern.getByRole('link', { name: 'Gates' }).click();
    await expectText(intern.getByRole('region', { name: 'Waiting for you' }), 'No open gate names you.');
    const foreign = intern.locator(`article[data-gate-id="${gatedRunId}.payout"]`);
    await expectText(foreign, 'Not yours to decide: this gate names claims-lead.');
    await foreign.getByRole('button', { name: 'Approve' }).click();
    await expectText(foreign.getByRole('alert'), /The gateway refused the decision: .*RUN.REVIEWER_NOT_NAMED, HTTP 403/);
    await intern.screenshot({ path: join(shots, 'console-gate-refused.png'), fullPage: true });
    const refused = await fetch(`${stack.gatewayUrl}/v1/gates/${gatedRunId}.payout/decision`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await authHeader(stack, { sub: 'intern', scopes: ['gates:decide'], roles: ['adjuster'] })) },
      body: JSON.stringify({ outcome: 'approve' }),
    });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('RUN.REVIEWER_NOT_NAMED');
    expect((await store.readStream(`run-${gatedRunId}`)).some((event) => event.type === 'GateDecided')).toBe(false);

    // claims-lead decides in another tab; the run view opened before the decision follows it over its stream.
    const inbox = await signedIn('claims-lead', ['claims-lead']);
    await inbox.getByRole('link', { name: 'Gates' }).click();
    const mine = inbox.getByRole('region', { name: 'Waiting for you' }).locator(`article[data-gate-id="${gatedRunId}.payout"]`);
    await expectText(mine, "payouts above 50,000 need a claims lead's approval");
    await mine.getByRole('button', { name: 'Reject' }).click();
    await expectText(mine.getByRole('alert'), 'Give a reason to reject');
    await inbox.screenshot({ path: join(shots, 'console-gates.png'), fullPage: true });
    await mine.getByLabel('Reason (required to reject)').fill('72,500 EUR checked against the repair invoice');
    await mine.getByRole('button', { name: 'Approve' }).click();
    await expectText(inbox.getByTestId('gate-notice'), /Gate of step payout .* approved/);
    await mine.waitFor({ state: 'detached' });

    await eventually(async () => ((await node(lead, 'payout').getAttribute('data-status')) === 'succeeded' ? true : undefined), 30_000, 'payout to succeed in the open run view');
    await expectText(lead.getByTestId('run-status'), 'completed', 30_000);
    await expectText(lead.getByTestId('stream-state'), 'run ended');
    await expectText(lead.getByTestId('event-log'), 'GateDecided');
    await expectText(lead.getByTestId('integrity'), /Audit chain intact: every event up to revision \d+/);
    await lead.screenshot({ path: join(shots, 'console-run-completed.png'), fullPage: true });
    // Keyboard: the step list's buttons open the step panel; the page follows a dark colour scheme.
    await lead.getByRole('button', { name: 'Extract claim documents' }).focus();
    await lead.keyboard.press('Enter');
    await expectText(lead.getByTestId('step-panel').getByRole('heading', { level: 2 }), 'Step Extract claim documents');
    await lead.emulateMedia({ colorScheme: 'dark' });
    expect(await lead.evaluate('getComputedStyle(document.body).backgroundColor')).toBe('rgb(13, 17, 23)'); // runs in the page
    await lead.screenshot({ path: join(shots, 'console-run-dark.png') });

    const decided = (await store.readStream(`run-${gatedRunId}`)).filter((event) => event.type === 'GateDecided');
    expect(decided.map((event) => event.data)).toEqual([expect.objectContaining({ outcome: 'approved', reviewer: 'claims-lead', comment: '72,500 EUR checked against the repair invoice' })]);
  }, 60_000);
});
