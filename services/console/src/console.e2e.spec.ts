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
  const JAEGER = 'http://jaeger.test:16686';
  let stack: Stack;
  let store: SqliteEventStore;
  let browser: Browser;
  let shots: string;
  const problems: string[][] = [];
  const claim = async (id: string): Promise<unknown> =>
    JSON.parse(await readFile(join(repoRoot(), 'examples/claim-review/claims', `${id}.json`), 'utf8'));

  beforeAll(async () => {
    const dataDir = await tempDir('ledgerflow-console-e2e-');
    // Each assigned as soon as it exists, so afterAll stops whatever started even when another part failed.
    const browserStarted = launchChromium().then((started) => (browser = started));
    stack = await startStack({
      dataDir,
      env: { LEDGERFLOW_JAEGER_URL: JAEGER },
      extras: [
        {
          name: 'claim-review-workers',
          script: 'examples/claim-review/dist/workers.js',
          readyLine: /^ledgerflow:ready claim-review-workers$/,
          env: { CLAIM_BILLING_LEDGER: join(dataDir, 'billing.jsonl') },
        },
      ],
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
    await page
      .getByLabel('Bearer token')
      .fill(await devToken(stack, { sub, scopes: ['runs:read', 'gates:decide'], roles }));
    if (screenshot) await page.screenshot({ path: join(shots, screenshot) });
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('signed-in-as').filter({ hasText: sub }).waitFor();
    return page;
  }

  const startClaim = async (id: string, idempotencyKey = id): Promise<string> => {
    const response = await fetch(`${stack.gatewayUrl}/v1/workflows/claim-review/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await authHeader(stack)) },
      body: JSON.stringify({ input: await claim(id), idempotencyKey }),
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
    const forged = await devToken(
      { ...stack, authSecret: 'another-secret-of-at-least-32-characters' },
      { sub: 'mallory', scopes: ['admin'] },
    );
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
    expect(
      await lead.locator('tbody tr').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-run-id'))),
    ).toEqual([gatedRunId, plainRunId]);
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
    for (const done of ['extract_documents', 'check_coverage', 'fraud_screen'])
      expect(await node(lead, done).getAttribute('data-status')).toBe('succeeded');
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
    await expectText(
      foreign.getByTestId('gate-standing'),
      'Not yours to decide: this gate names claims-lead, and you are user intern; roles adjuster; no teams.',
    );
    await foreign.getByRole('button', { name: 'Approve' }).click();
    await expectText(
      foreign.getByRole('alert'),
      /The gateway refused the decision: .*run_reviewer_not_named, HTTP 403/,
    );
    await intern.screenshot({ path: join(shots, 'console-gate-refused.png'), fullPage: true });
    const refused = await fetch(`${stack.gatewayUrl}/v1/gates/${gatedRunId}.payout/decision`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(await authHeader(stack, { sub: 'intern', scopes: ['gates:decide'], roles: ['adjuster'] })),
      },
      body: JSON.stringify({ outcome: 'approve' }),
    });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('run_reviewer_not_named');
    expect((await store.readStream(`run-${gatedRunId}`)).some((event) => event.type === 'GateDecided')).toBe(false);

    // claims-lead decides in another tab; the run view opened before the decision follows it over its stream.
    const inbox = await signedIn('claims-lead', ['claims-lead']);
    await inbox.getByRole('link', { name: 'Gates' }).click();
    const mine = inbox
      .getByRole('region', { name: 'Waiting for you' })
      .locator(`article[data-gate-id="${gatedRunId}.payout"]`);
    await expectText(mine, "payouts above 50,000 need a claims lead's approval");
    await mine.getByRole('button', { name: 'Reject' }).click();
    await expectText(mine.getByRole('alert'), 'Give a reason to reject');
    await inbox.screenshot({ path: join(shots, 'console-gates.png'), fullPage: true });
    await mine.getByLabel('Reason (required to reject)').fill('72,500 EUR checked against the repair invoice');
    await mine.getByRole('button', { name: 'Approve' }).click();
    await expectText(inbox.getByTestId('gate-notice'), /Gate of step payout .* approved/);
    await mine.waitFor({ state: 'detached' });

    await eventually(
      async () => ((await node(lead, 'payout').getAttribute('data-status')) === 'succeeded' ? true : undefined),
      30_000,
      'payout to succeed in the open run view',
    );
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
    expect(decided.map((event) => event.data)).toEqual([
      expect.objectContaining({
        outcome: 'approved',
        reviewer: 'claims-lead',
        comment: '72,500 EUR checked against the repair invoice',
      }),
    ]);
  }, 60_000);

  it("shows a gate's SLA and context, refuses an invalid plan revision with the API's message, sends an edited redirect, and shows a step's grant, lineage and trace", async () => {
    const runId = await startClaim('CLM-2026-0004', 'CLM-2026-0004-redirect');
    const gateId = `${runId}.payout`;
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    problems.push(
      pageProblems(page, [
        { status: 400, url: '/decision' },
        { status: 422, url: '/decision' },
      ]),
    );
    await page.goto(`${stack.gatewayUrl}/console/`);
    await page
      .getByLabel('Bearer token')
      .fill(
        await devToken(stack, { sub: 'claims-lead', scopes: ['runs:read', 'gates:decide'], roles: ['claims-lead'] }),
      );
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'Gates' }).click();
    const card = page.getByRole('region', { name: 'Waiting for you' }).locator(`article[data-gate-id="${gateId}"]`);
    await expectText(
      card.getByTestId('gate-sla'),
      /^due in (3 h 59 min \d+|4 h 0 min 0) s \(.*\); not escalated, next claims-director$/,
      30_000,
    );
    await expectText(card.getByTestId('gate-standing'), 'This gate names you as claims-lead.');
    await expectText(card.getByTestId('gate-pending'), 'billing.payout by payout-agent, attempt 1');
    await expectText(card.getByTestId('gate-rules'), /payout-approval.*@1\.0\.0/);
    await expectText(card.getByTestId('upstream-fraud_screen'), 'succeeded');
    await page.screenshot({ path: join(shots, 'console-gate-context.png'), fullPage: true });

    await card.getByRole('button', { name: 'Redirect…' }).click();
    const editor = card.getByLabel(/^Plan revision/);
    await expectText(editor, '"payout_revised"');
    const draft = JSON.parse(await editor.inputValue()) as {
      addSteps: Array<Record<string, unknown>>;
      removeStepIds: string[];
    };
    // Refused by the API (a step without tool, action, agent), shown as it answered, and nothing recorded.
    await editor.fill(JSON.stringify({ addSteps: [{ id: 'payout_revised' }], removeStepIds: [] }));
    await card.getByRole('button', { name: 'Send the redirect' }).click();
    await expectText(
      card.getByRole('alert'),
      /The gateway refused the decision: invalid request: revision\.addSteps\.0\.tool: .* \(request_invalid, HTTP 400\)/,
    );
    expect((await store.readStream(`run-${runId}`)).some((event) => event.type === 'GateDecided')).toBe(false);
    // Not JSON: refused in the page, nothing sent.
    await editor.fill('{"addSteps": [');
    await card.getByRole('button', { name: 'Send the redirect' }).click();
    await expectText(card.getByRole('alert'), 'The revision is not JSON');

    const edited = { ...draft, addSteps: [{ ...draft.addSteps[0], name: 'Payout after review' }] };
    await editor.fill(JSON.stringify(edited, null, 2));
    await card.getByLabel('Reason (required to reject)').fill('pay through the reviewed step');
    await page.screenshot({ path: join(shots, 'console-gate-redirect.png'), fullPage: true });
    await card.getByRole('button', { name: 'Send the redirect' }).dblclick();
    await expectText(page.getByTestId('gate-notice'), /Gate of step payout .* redirected/);
    const stored = await eventually(
      async () => {
        const events = await store.readStream(`run-${runId}`);
        return events.some((event) => event.type === 'PlanRevised') ? events : undefined;
      },
      15_000,
      'PlanRevised in the store',
    );
    expect(stored.filter((event) => event.type === 'GateDecided').map((event) => event.data)).toEqual([
      expect.objectContaining({
        outcome: 'redirected',
        reviewer: 'claims-lead',
        comment: 'pay through the reviewed step',
      }),
    ]);
    expect(JSON.stringify(stored.find((event) => event.type === 'PlanRevised')?.data)).toContain('Payout after review');

    await page.goto(`${stack.gatewayUrl}/console/runs/${runId}`);
    await page
      .getByRole('button', { name: 'Screen for fraud' })
      .or(page.locator('button[data-step="fraud_screen"]'))
      .first()
      .click();
    const panel = page.getByTestId('step-panel');
    await expectText(panel.getByTestId('policy-rules'), /@1\.0\.0/);
    await expectText(panel.getByTestId('grant-scope'), 'lf.tool.fraud.screen');
    await expectText(panel.getByTestId('grant-scope'), `${runId}/fraud_screen/1`);
    await expectText(panel.getByTestId('lineage'), /Computed from\s*extract_documents/);
    const traceId = (await panel.getByTestId('trace-id').textContent()) ?? '';
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    const trace = (await (
      await fetch(`${stack.gatewayUrl}/v1/runs/${runId}/trace`, { headers: await authHeader(stack) })
    ).json()) as { trace_id: string };
    expect(trace.trace_id).toBe(traceId);
    expect(await panel.getByTestId('trace-link').getAttribute('href')).toBe(`${JAEGER}/trace/${traceId}`);
    await page.screenshot({ path: join(shots, 'console-step-details.png'), fullPage: true });
  }, 60_000);
});
