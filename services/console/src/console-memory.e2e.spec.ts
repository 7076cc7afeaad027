import { join } from 'node:path';
import type { RecommendationView, Scope } from '@ledgerflow/contracts';
import { SqliteEventStore } from '@ledgerflow/event-store';
import type { StoredEvent } from '@ledgerflow/event-store';
import { benchWorkers, devToken, eventually, runEventsWhen, startStack, tempDir } from '@ledgerflow/testing';
import type { Stack } from '@ledgerflow/testing';
import type { Browser, Page } from 'playwright-core';
import { expectText, launchChromium, pageProblems, screenshotDir } from './browser.spec-util.js';
import type { ExpectedRefusal } from './browser.spec-util.js';

const WORKFLOW = 'memory-token';
/** Runs memory compares before and after an applied recommendation (`LEDGERFLOW_MEMORY_IMPACT_RUNS`). */
const IMPACT_RUNS = 2;
/** Runs whose token expires, each fixed by hand: memory proposes a recovery rule from 3 (docs/memory.md). */
const FIXED_BY_HAND = 3;

/**
 * The memory page in a real Chromium, against a stack with the bench workers and workflows
 * (examples/bench/workflows/memory-token.yaml, which declares no recovery): runs whose API token expired are fixed
 * by an operator over the API (add `refresh_token`, retry); the page then shows the failure cluster and the operator
 * fix memory found, with their example runs linked, and the `add_recovery_rule` it proposed. A token without
 * `workflows:write` sees no decision buttons; a reviewer accepts in the page with a comment and sees the rule in
 * force, a second tab's late rejection is refused with the API's 409, and the impact measured once further runs
 * ended is shown before and after.
 */
describe('console: what memory learned, and a recommendation accepted in a browser', () => {
  let stack: Stack;
  let store: SqliteEventStore;
  let browser: Browser;
  let shots: string;
  let operator: string;
  const problems: string[][] = [];
  const READER: Scope[] = ['runs:read'];
  const REVIEWER: Scope[] = ['runs:read', 'workflows:write'];
  const fixedRuns: string[] = [];

  beforeAll(async () => {
    const browserStarted = launchChromium().then((started) => (browser = started));
    stack = await startStack({
      dataDir: await tempDir('ledgerflow-console-memory-'),
      env: {
        LEDGERFLOW_DEFINITIONS_DIR: join('examples', 'bench', 'workflows'),
        LEDGERFLOW_MEMORY_IMPACT_RUNS: String(IMPACT_RUNS),
      },
      extras: [benchWorkers()],
    });
    store = await SqliteEventStore.open(stack.sqlitePath);
    operator = await devToken(stack, { sub: 'ops-ann', scopes: ['runs:start', 'runs:read', 'runs:operate'] });
    await browserStarted;
    shots = await screenshotDir();
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await store?.close();
    await stack?.stop();
  }, 30_000);

  afterEach(() => {
    expect(problems.flat()).toEqual([]);
  });

  /** A fresh context signed in as `sub` with `scopes`, on the memory page of {@link WORKFLOW}. */
  async function signedIn(sub: string, scopes: Scope[], expected: ExpectedRefusal[] = []): Promise<Page> {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    problems.push(pageProblems(page, expected));
    await page.goto(`${stack.gatewayUrl}/console/memory/${WORKFLOW}`);
    await page.getByLabel('Bearer token').fill(await devToken(stack, { sub, scopes }));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('signed-in-as').filter({ hasText: sub }).waitFor();
    return page;
  }

  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(`${stack.gatewayUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${operator}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  }
  const last = (events: StoredEvent[]) => events.at(-1)?.type;
  const lastIs = (type: string) => (events: StoredEvent[]) => last(events) === type;
  const completed = (runId: string) => runEventsWhen(store, runId, lastIs('RunCompleted'), 'the run to complete');

  const start = async (expired: boolean): Promise<string> =>
    (await call<{ runId: string }>('POST', `/v1/workflows/${WORKFLOW}/runs`, { input: { expired } })).runId;

  /** A run of {@link WORKFLOW}; an expiring one is fixed by hand as an operator would: add refresh_token, retry. */
  async function runOne(expired: boolean): Promise<string> {
    const runId = await start(expired);
    if (!expired) return (await completed(runId), runId);
    await runEventsWhen(store, runId, lastIs('RunPaused'), 'call_api to fail and the run to pause');
    await call('POST', `/v1/runs/${runId}/revise`, {
      reason: 'the API token expired: refresh it',
      addSteps: [{ id: 'refresh_token', tool: 'bench', action: 'refresh_token', agent: 'caller', input: {} }],
      removeStepIds: [],
    });
    await runEventsWhen(
      store,
      runId,
      (events) =>
        last(events) === 'RunPaused' &&
        events.some((e) => e.type === 'StepSucceeded' && (e.data as { stepId: string }).stepId === 'refresh_token'),
      'refresh_token to run and the run to pause again',
    );
    await call('POST', `/v1/runs/${runId}/retry`, { stepId: 'call_api', reason: 'token refreshed' });
    await completed(runId);
    return runId;
  }
  const recommendations = () => call<RecommendationView[]>('GET', `/v1/workflows/${WORKFLOW}/recommendations`);
  const card = (page: Page) => page.locator('article[data-recommendation-id]').first();

  it('shows the failure cluster, the operator fix and the proposed rule learned from runs fixed by hand', async () => {
    await runOne(false);
    fixedRuns.push(...(await Promise.all(Array.from({ length: FIXED_BY_HAND }, () => runOne(true)))));
    await eventually(
      async () => (await recommendations()).find((r) => r.kind === 'add_recovery_rule'),
      30_000,
      'memory to propose a recovery rule',
    );

    const reviewer = await signedIn('lead-lou', REVIEWER);
    const findings = reviewer.getByTestId('memory-findings');
    await expectText(findings.locator('li[data-kind="failure_cluster"]'), /call_api fails with token_expired/);
    await expectText(
      findings.locator('li[data-kind="operator_fix"]'),
      /call_api failing with token_expired was fixed by adding refresh_token .* 3 times \(3 then succeeded\)/,
    );
    const example = findings
      .locator('li[data-kind="operator_fix"]')
      .getByRole('link', { name: fixedRuns[0].slice(0, 8) });
    expect(await example.getAttribute('href')).toBe(`/console/runs/${fixedRuns[0]}`);
    await expectText(reviewer.getByTestId('memory-insights'), 'Over 4 production runs of scope tests, tokens.');
    await expectText(reviewer.getByTestId('memory-insights'), 'No reviewed confidence results yet.');

    const proposed = card(reviewer);
    await expectText(proposed.getByTestId('recommendation-status'), 'proposed');
    await expectText(
      proposed,
      'When call_api fails with token_expired: add refresh_token (bench.refresh_token as caller), then retry call_api.',
    );
    await expectText(proposed, /Occurrences\s*3 \(3 then succeeded\)/);
    await expectText(proposed, /Expected success rate of the fix\s*100%/);
    await reviewer.screenshot({ path: join(shots, 'console-memory-insights.png'), fullPage: true });
  }, 120_000);

  it('offers no decision to a token without workflows:write', async () => {
    const reader = await signedIn('auditor-ada', READER);
    await expectText(card(reader).getByTestId('recommendation-status'), 'proposed');
    await reader.getByTestId('recommendations-read-only').waitFor();
    expect(await card(reader).getByRole('button').count()).toBe(0);
    expect(await card(reader).getByLabel('Comment (optional)').count()).toBe(0);
  }, 30_000);

  it('accepts the rule with a comment, shows it in force, and shows a late rejection refused with the 409', async () => {
    const reviewer = await signedIn('lead-lou', REVIEWER);
    const late = await signedIn('lead-lee', REVIEWER, [{ status: 409, url: '/reject' }]);
    await expectText(card(late).getByTestId('recommendation-status'), 'proposed');

    await card(reviewer).getByLabel('Comment (optional)').fill('three fixes by hand: the pattern is clear');
    await card(reviewer).getByRole('button', { name: 'Accept' }).click();
    await expectText(reviewer.getByTestId('recommendation-outcome'), /: applied\.$/);
    await expectText(card(reviewer).getByTestId('recommendation-status'), 'applied');
    await expectText(
      card(reviewer).getByTestId('recommendation-decision'),
      /Accepted by lead-lou on .* UTC: “three fixes by hand: the pattern is clear”/,
    );
    await expectText(
      card(reviewer).getByTestId('recommendation-applied'),
      /Rule learned-[0-9a-f]{8} in force \(scope tests, tokens\): when call_api fails with token_expired, add refresh_token, then retry\./,
    );
    expect(await card(reviewer).getByRole('button').count()).toBe(0);
    const [accepted] = await recommendations();
    expect(accepted).toMatchObject({ status: 'applied', decidedBy: 'lead-lou' });

    // The second reviewer's page still offers the decision; the API refuses it, and the list is read again.
    await card(late).getByRole('button', { name: 'Reject' }).click();
    await expectText(
      late.getByTestId('recommendation-outcome'),
      /The gateway refused the decision: .*\(recommendation_already_decided, HTTP 409\)/,
    );
    await expectText(card(late).getByTestId('recommendation-status'), 'applied');
  }, 45_000);

  it('shows the impact measured over the runs after the change', async () => {
    // The next expiring run recovers by the learned rule with no operator; with the other, IMPACT_RUNS ended after.
    const [learned, plain] = await Promise.all([true, false].map((expired) => start(expired)));
    const events = await completed(learned);
    expect(events.find((e) => e.type === 'PlanRevised')?.data).toMatchObject({ author: 'planner' });
    await completed(plain);
    await eventually(
      async () => (await recommendations()).find((r) => r.impact),
      30_000,
      'memory to record the measured impact',
    );
    const reviewer = await signedIn('lead-lou', REVIEWER);
    const impact = card(reviewer).getByTestId('recommendation-impact');
    await expectText(impact.locator('tr', { hasText: 'Runs with an operator intervention' }), /intervention\s*2\s*0/);
    await expectText(impact.locator('tr', { hasText: 'Success rate' }), /100%\s*100%/);
    await reviewer.screenshot({ path: join(shots, 'console-memory-recommendation.png'), fullPage: true });
  }, 60_000);
});
