import { join } from 'node:path';
import type { Scope } from '@ledgerflow/contracts';
import { authHeader, devToken, eventually, startBenchStack, startRunOverHttp } from '@ledgerflow/testing';
import type { BenchStack } from '@ledgerflow/testing';
import type { Browser, Page } from 'playwright-core';
import { expectText, launchChromium, pageProblems, screenshotDir } from './browser.spec-util.js';
import type { ExpectedRefusal } from './browser.spec-util.js';

/**
 * Operating runs from the console in a real Chromium, against a stack with the bench workers and workflows
 * (examples/bench/workflows: ops-failures, ops-depth; the step-semantics fixtures: pausable): a run started from a
 * workflow's form (a 422 shown next to its field first), pause and resume, retry as a substitute agent, skip and
 * cancel with confirmation, a token without `runs:operate` refused by the API, the memory page's statistics, and
 * the run view on a phone-sized screen.
 */
describe('console: operator actions, workflows and memory in a browser', () => {
  let stack: BenchStack;
  let browser: Browser;
  let shots: string;
  const problems: string[][] = [];
  const OPERATOR: Scope[] = ['runs:read', 'runs:start', 'runs:operate', 'gates:decide'];

  beforeAll(async () => {
    const browserStarted = launchChromium().then((started) => (browser = started));
    stack = await startBenchStack('ledgerflow-console-operate-', {
      definitionsDirs: ['services/executor/src/fixtures/workflows/step-semantics'],
    });
    await browserStarted;
    shots = await screenshotDir();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  }, 30_000);

  afterEach(() => {
    expect(problems.flat()).toEqual([]);
  });

  /** A fresh context signed in as `sub` with `scopes`, at `path` under /console. */
  async function signedIn(
    sub: string,
    scopes: Scope[],
    path = '/',
    expected: ExpectedRefusal[] = [],
    viewport = { width: 1280, height: 800 },
  ): Promise<Page> {
    const page = await (await browser.newContext({ viewport })).newPage();
    problems.push(pageProblems(page, expected));
    await page.goto(`${stack.gatewayUrl}/console${path}`);
    await page.getByLabel('Bearer token').fill(await devToken(stack, { sub, scopes }));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('signed-in-as').filter({ hasText: sub }).waitFor();
    return page;
  }
  const runStatus = async (runId: string): Promise<string> =>
    (
      (await (await fetch(`${stack.gatewayUrl}/v1/runs/${runId}`, { headers: await authHeader(stack) })).json()) as {
        status: string;
      }
    ).status;
  const stepStatus = (page: Page, stepId: string) => page.getByTestId(`step-status-${stepId}`);
  /** Clicks `button` in the operator actions, then confirms in the dialog after `fill` (reason, agent). */
  async function operate(
    page: Page,
    button: string,
    fill: (dialog: ReturnType<Page['getByRole']>) => Promise<void> = async () => undefined,
  ): Promise<void> {
    await page
      .getByTestId('operator-actions')
      .locator(`[data-action="${button}"], button:text-is("${button}")`)
      .first()
      .click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    await fill(dialog);
    await dialog.getByRole('button', { name: /^Confirm/ }).click();
  }

  let operator: Page;

  it('starts a run from a workflow form, showing the gateway 422 next to the field first', async () => {
    operator = await signedIn('ops-lead', OPERATOR, '/', [{ status: 422, url: '/v1/workflows/ops-depth/runs' }]);
    await operator.getByRole('link', { name: 'Workflows' }).click();
    await operator.locator('tr[data-workflow-id="pausable"]').waitFor();
    await operator.getByRole('link', { name: 'ops-depth' }).click();
    await expectText(operator.getByTestId('workflow-versions'), '1.0.0');
    await operator.getByLabel('count').fill('0');
    await operator.getByRole('button', { name: 'Start run' }).click();
    await expectText(operator.getByTestId('start-refusal'), /input_invalid, HTTP 422/);
    await expectText(operator.locator('.field-problems'), 'must be >= 1 (minimum)');
    await operator.screenshot({ path: join(shots, 'console-workflows.png'), fullPage: true });
    await operator.getByLabel('count').fill('2');
    await operator.getByRole('button', { name: 'Start run' }).click();
    await operator.waitForURL(/\/console\/runs\/[^/]+$/);
    await expectText(operator.getByTestId('run-status'), 'completed', 30_000);
  }, 45_000);

  it('pauses a running run and resumes it, each confirmed, following the outcome live', async () => {
    const runId = await startRunOverHttp(stack, 'pausable', { input: { sleepMs: 4000 } });
    await operator.goto(`${stack.gatewayUrl}/console/runs/${runId}`);
    await expectText(stepStatus(operator, 'slow'), 'running', 15_000);
    await operate(operator, 'Pause', (dialog) =>
      dialog.getByLabel('Reason (optional)').fill('checking the ledger first'),
    );
    await expectText(operator.getByTestId('operator-notice'), /Pause: done; the run is paused \(RunPaused\)/);
    await expectText(operator.getByTestId('run-status'), 'paused');
    await expectText(stepStatus(operator, 'slow'), 'succeeded', 15_000); // a running step still records
    expect(await stepStatus(operator, 'after').textContent()).not.toBe('running');
    await operate(operator, 'Resume');
    await expectText(operator.getByTestId('run-status'), 'completed', 30_000);
    await expectText(stepStatus(operator, 'after'), 'succeeded');
  }, 60_000);

  let failingRunId: string;

  it('retries a failed step as a substitute agent and skips an optional one, the run view following live', async () => {
    failingRunId = await startRunOverHttp(stack, 'ops-failures', { input: {} });
    await operator.goto(`${stack.gatewayUrl}/console/runs/${failingRunId}`);
    await expectText(operator.getByTestId('run-status'), 'paused', 30_000);
    await expectText(stepStatus(operator, 'pay'), 'failed');
    await operator.getByTestId('operator-actions').locator('[data-action="retry-pay"]').click();
    const dialog = operator.getByRole('dialog');
    await dialog.getByLabel('Run as').selectOption('backup');
    await dialog.getByLabel('Reason (optional)').fill('the backup clerk holds the payment rights');
    await operator.screenshot({ path: join(shots, 'console-operate-retry.png') });
    await dialog.getByRole('button', { name: /^Confirm/ }).click();
    await expectText(operator.getByTestId('operator-notice'), /Retry pay: done/);
    await expectText(stepStatus(operator, 'pay'), 'succeeded', 20_000);

    await operate(operator, 'skip-notify', async (skip) => {
      await skip.getByRole('button', { name: /^Confirm/ }).click();
      await expectText(skip.getByRole('alert'), 'Give a reason to skip the step.');
      await skip.getByLabel('Reason (required)').fill('the customer is told by phone');
    });
    await expectText(stepStatus(operator, 'notify'), 'skipped', 15_000);
    await expectText(operator.getByTestId('run-status'), 'paused', 15_000); // archive still failed
  }, 60_000);

  it("shows a token without runs:operate the API's refusal, then cancels the run with confirmation", async () => {
    const reviewer = await signedIn('reviewer', ['runs:read', 'gates:decide'], `/runs/${failingRunId}`, [
      { status: 403, url: '/cancel' },
    ]);
    await operate(reviewer, 'Cancel run', (dialog) =>
      dialog.getByLabel('Reason (required)').fill('not mine to cancel'),
    );
    await expectText(reviewer.getByRole('dialog').getByRole('alert'), /The gateway refused: .*HTTP 403/);
    await reviewer.screenshot({ path: join(shots, 'console-operate-refused.png') });
    expect(await runStatus(failingRunId)).toBe('paused');

    await operate(operator, 'Cancel run', (dialog) =>
      dialog.getByLabel('Reason (required)').fill('archive is down for the day'),
    );
    await expectText(operator.getByTestId('run-status'), 'cancelled', 15_000);
    await expectText(operator.getByTestId('event-log'), 'RunCancelled');
    expect(await operator.locator('[data-testid="operator-actions"] button').count()).toBe(0);
  }, 45_000);

  it('shows per-step statistics of a workflow with runs on the memory page', async () => {
    await eventually(
      async () => {
        const response = await fetch(`${stack.gatewayUrl}/v1/workflows/pausable/stats`, {
          headers: await authHeader(stack),
        });
        return ((await response.json()) as unknown[]).length >= 2 ? true : undefined;
      },
      15_000,
      'memory to learn the pausable run',
    );
    await operator.getByRole('link', { name: 'Memory' }).click();
    await operator.getByLabel('Workflow').selectOption('pausable');
    await operator.waitForURL(/\/console\/memory\/pausable$/);
    const slow = operator.getByTestId('step-stats').locator('tr[data-step-id="slow"]');
    await expectText(slow, /slow\s*1\s*1\s*0\s*100%/);
    await expectText(operator.getByTestId('step-stats').locator('tr[data-step-id="after"]'), 'after');
    await operator.screenshot({ path: join(shots, 'console-memory.png') });
  }, 30_000);

  it('renders the run view on a 390x844 screen without horizontal overflow', async () => {
    const phone = await signedIn('ops-lead', OPERATOR, `/runs/${failingRunId}`, [], { width: 390, height: 844 });
    await expectText(phone.getByTestId('run-status'), 'cancelled');
    await phone.getByTestId('event-log').waitFor();
    // The page does not scroll sideways; the elements reaching past the screen's right edge are named when it does.
    const overflow = await phone.evaluate(`(() => {
      const width = document.documentElement.clientWidth;
      if (document.documentElement.scrollWidth <= width) return [];
      return [...document.querySelectorAll('body *')]
        .filter((element) => element.getBoundingClientRect().right > width + 1 && ![...element.children].some((child) => child.getBoundingClientRect().right > width + 1))
        .filter((element) => { for (let up = element.parentElement; up; up = up.parentElement) if (getComputedStyle(up).overflowX !== 'visible') return false; return true; })
        .slice(0, 8)
        .map((element) => element.tagName.toLowerCase() + (element.className ? '.' + String(element.className).split(' ').join('.') : '') + ' ' + Math.round(element.getBoundingClientRect().right));
    })()`);
    expect(overflow).toEqual([]);
    await phone.screenshot({ path: join(shots, 'console-run-narrow.png') });
  }, 30_000);
});
