import { join } from 'node:path';
import { decide } from '@ledgerflow/domain';
import type { Plan } from '@ledgerflow/domain';
import type { Scope } from '@ledgerflow/contracts';
import { readAllPages, SqliteCheckpointStore, SqliteEventStore } from '@ledgerflow/event-store';
import { RunRepository } from '@ledgerflow/service-runtime';
import { authHeader, benchWorkers, devToken, eventually, startStack, tempDir } from '@ledgerflow/testing';
import type { Stack } from '@ledgerflow/testing';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, pageProblems, screenshotDir } from './browser.spec-util.js';

const SEEDED = 10_000;
const FIRST_PAGE_MARK = 'ledgerflow:runs-first-page'; // RunsPage.tsx marks it once the first page is on screen

/** A one-step plan of the bench's noop-chain workflow: what the seeded runs were planned as. */
const seededPlan: Plan = {
  workflowId: 'noop-chain',
  workflowVersion: '1.0.0',
  concurrency: 1,
  agents: { 'bench-agent': ['bench.noop'] },
  steps: [
    {
      id: 's01',
      name: 'step 1',
      tool: 'bench',
      action: 'noop',
      agent: 'bench-agent',
      dependsOn: [],
      input: { n: 1 },
      retry: { maxAttempts: 1, backoffMs: 1000, multiplier: 2, maxBackoffMs: 1000 },
      timeoutMs: 30_000,
      optional: false,
      policyTags: [],
    },
  ],
};

/**
 * Appends `count` finished runs (`RunTriggered` + `PlanCreated` decided by the domain's `StartRun`, then
 * `RunCancelled`, hash-chained by the run repository as every service appends) to the SQLite store at `path`, one
 * second apart from 2026-01-01, and marks them relayed (the relay's checkpoint at the last position): the history of
 * a store whose events were published long ago. Finished, because the executor takes up every active run when it
 * starts (10,000 of them would keep the stack busy for minutes); relayed, so the bus does not carry them again.
 */
async function seedRuns(path: string, count: number): Promise<void> {
  const store = await SqliteEventStore.open(path, { synchronous: 'NORMAL' });
  let tick = Date.UTC(2026, 0, 1);
  const repository = new RunRepository(store, { kind: 'service', id: 'planner' }, () => new Date((tick += 1000)));
  for (let n = 0; n < count; n++) {
    const runId = `seeded-${String(n).padStart(5, '0')}`;
    const start = (state: Parameters<typeof decide>[1], now: string) =>
      decide(
        {
          type: 'StartRun',
          data: {
            runId,
            workflowId: seededPlan.workflowId,
            workflowVersion: seededPlan.workflowVersion,
            trigger: { source: 'api', idempotencyKey: runId },
            input: {},
            plan: seededPlan,
          },
        },
        state,
        { now },
      );
    await repository.execute(runId, start, { causationId: `seed-${n}` });
    await repository.execute(
      runId,
      (state, now) => decide({ type: 'CancelRun', data: { reason: 'seeded history' } }, state, { now }),
      { causationId: `seed-${n}-done` },
    );
  }
  const position = await readAllPages(store, { fromPosition: 0 }, () => undefined);
  await store.close();
  const checkpoints = await SqliteCheckpointStore.open(path);
  await checkpoints.save('relay', position);
  await checkpoints.close();
}

/**
 * The console at scale and its replay timeline, in a real Chromium against a real stack (the bench workflows and
 * tool workers): 10,000 runs seeded into the store before the gateway reads it, the runs list's first page on
 * screen in under a second and its next page; a finished run's checkpoints on the replay slider with the diff
 * between two, and a fork from the console (refused without `runs:operate`, then opened) whose events the store holds.
 */
describe('console at scale, replay and fork', () => {
  let stack: Stack;
  let store: SqliteEventStore;
  let browser: Browser;
  let shots: string;
  const problems: string[][] = [];

  beforeAll(async () => {
    const dataDir = await tempDir('ledgerflow-console-scale-');
    const browserStarted = launchChromium().then((started) => (browser = started));
    const seeding = Date.now();
    await seedRuns(join(dataDir, 'ledgerflow.db'), SEEDED);
    console.log(`seeded ${SEEDED} runs in ${Date.now() - seeding} ms`);
    stack = await startStack({
      dataDir,
      env: { LEDGERFLOW_DEFINITIONS_DIR: 'examples/bench/workflows' },
      extras: [benchWorkers(join(dataDir, 'ledger.jsonl'))],
    });
    await browserStarted;
    shots = await screenshotDir();
    store = await SqliteEventStore.open(stack.sqlitePath);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await store?.close();
    await stack?.stop();
  }, 30_000);

  afterEach(() => {
    expect(problems.flat()).toEqual([]);
  });

  async function signedIn(
    sub: string,
    scopes: Scope[],
    expected: Array<{ status: number; url: string }> = [],
  ): Promise<Page> {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    problems.push(pageProblems(page, expected));
    await page.goto(`${stack.gatewayUrl}/console/`);
    await page.getByLabel('Bearer token').fill(await devToken(stack, { sub, scopes }));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('signed-in-as').filter({ hasText: sub }).waitFor();
    return page;
  }

  const getRuns = async (path: string) => {
    const started = performance.now();
    const response = await fetch(`${stack.gatewayUrl}${path}`, { headers: await authHeader(stack) });
    return {
      response,
      ms: performance.now() - started,
      body: (await response.json()) as Array<{ runId: string }> | { error: { details: { field: string } } },
    };
  };

  it('answers the API first page of 10,000 runs in under a second, then the next page by its Link', async () => {
    const cold = await getRuns('/v1/runs'); // the gateway's projection reads the 20,000 events on its first query
    const warm = await getRuns('/v1/runs');
    console.log(
      `GET /v1/runs over ${SEEDED} runs: first query ${cold.ms.toFixed(0)} ms, then ${warm.ms.toFixed(0)} ms`,
    );
    expect(warm.ms).toBeLessThan(1000);
    const first = warm.body as Array<{ runId: string }>;
    expect(first).toHaveLength(100);
    expect(first[0]).toMatchObject({ runId: 'seeded-09999', status: 'cancelled' });
    const link = /<([^>]+)>; rel="next"/.exec(warm.response.headers.get('link') ?? '')?.[1];
    expect(link).toContain('limit=100');
    const second = (await getRuns(link!)).body as Array<{ runId: string }>;
    expect(second.map((run) => run.runId)).toEqual(
      Array.from({ length: 100 }, (_, i) => `seeded-${String(9899 - i).padStart(5, '0')}`),
    );
    const refused = await getRuns('/v1/runs?limit=1001');
    expect(refused.response.status).toBe(400);
    expect(refused.body).toMatchObject({ error: { code: 'request_invalid', details: { field: 'limit' } } });
  });

  it('shows the runs list first page within a second of navigation, the next page on "Show more", and filters by start time', async () => {
    const page = await signedIn('auditor', ['runs:read']);
    await page.locator('tr[data-run-id]').first().waitFor(); // the bundle is in the browser's cache from here on
    await page.goto(`${stack.gatewayUrl}/console/runs`);
    await page.locator('tr[data-run-id="seeded-09999"]').waitFor();
    const shownAt = await page.evaluate((mark) => performance.getEntriesByName(mark)[0]?.startTime, FIRST_PAGE_MARK);
    console.log(`runs list first page on screen ${shownAt?.toFixed(0)} ms after navigation start`);
    expect(shownAt).toBeLessThan(1000);
    await expect(page.locator('tr[data-run-id]').count()).resolves.toBe(100);
    await page.getByRole('button', { name: 'Show 100 more' }).click();
    await page.locator('tr[data-run-id="seeded-09800"]').waitFor();
    await expect(page.locator('tr[data-run-id]').count()).resolves.toBe(200);
    await page.screenshot({ path: join(shots, 'console-runs-10000.png') });

    // "Started: last hour" leaves out the 10,000 runs seeded as of 2026-01-01, and keeps a run started now.
    const recent = await fetch(`${stack.gatewayUrl}/v1/workflows/noop-chain/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await authHeader(stack)) },
      body: JSON.stringify({ input: {}, idempotencyKey: 'started-now' }),
    });
    const recentId = ((await recent.json()) as { runId: string }).runId;
    await page.getByLabel('Started').selectOption({ label: 'last hour' });
    await page.locator(`tr[data-run-id="${recentId}"]`).waitFor();
    await page.locator('tr[data-run-id="seeded-09999"]').waitFor({ state: 'detached' });
    expect(await page.locator('tr[data-run-id^="seeded-"]').count()).toBe(0);
  });

  it('moves the replay slider between two checkpoints showing their diff, and forks from the console', async () => {
    const started = await fetch(`${stack.gatewayUrl}/v1/workflows/recorded-chain/runs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(await authHeader(stack)) },
      body: JSON.stringify({ input: { sleepMs: 0 }, idempotencyKey: 'replay-1' }),
    });
    const runId = ((await started.json()) as { runId: string }).runId;
    await eventually(
      async () =>
        (await store.readStream(`run-${runId}`)).some((event) => event.type === 'RunCompleted') ? true : undefined,
      30_000,
      'the run to complete',
    ).catch(async (error: Error) => {
      throw new Error(
        `${error.message}; ${started.status}; events: ${(await store.readStream(`run-${runId}`)).map((event) => event.type).join(', ')}`,
      );
    });

    // A reader may look but not fork: the API's refusal is shown in the dialog.
    const reader = await signedIn('auditor', ['runs:read'], [{ status: 403, url: '/fork' }]);
    await reader.goto(`${stack.gatewayUrl}/console/runs/${runId}`);
    await reader.getByRole('button', { name: 'Fork from cp-4…' }).click();
    await reader.getByRole('dialog').getByRole('button', { name: 'Fork from cp-4' }).click();
    await reader.getByRole('dialog').getByRole('alert').filter({ hasText: 'forbidden' }).waitFor();

    const operator = await signedIn('operator', ['runs:read', 'runs:operate']);
    await operator.goto(`${stack.gatewayUrl}/console/runs/${runId}`);
    const slider = operator.getByRole('slider', { name: 'Checkpoint' });
    await slider.focus();
    await operator.keyboard.press('Home');
    await operator.getByTestId('replay-at').filter({ hasText: 'cp-1 of 4' }).waitFor();
    await operator.keyboard.press('ArrowRight');
    const diff = operator.locator('[data-testid="replay-diff"][data-from="cp-1"][data-to="cp-2"]');
    await diff.waitFor();
    await expect(diff.locator('tr', { hasText: '/steps/r2/status' }).textContent()).resolves.toMatch(
      /changed.*"pending".*"succeeded"|changed.*succeeded/,
    );
    await operator.getByText('State at cp-2').click();
    await operator.getByTestId('replay-state').filter({ hasText: '"r2"' }).waitFor();
    await operator.getByText('State at cp-2').click(); // folded again: the screenshot shows the slider and the diff
    await operator.locator('section.replay').screenshot({ path: join(shots, 'console-replay.png') });

    await operator.getByRole('button', { name: 'Fork from cp-2…' }).click();
    await operator.getByRole('dialog').getByRole('button', { name: 'Fork from cp-2' }).click();
    await operator.waitForURL((url) => url.pathname.startsWith('/console/runs/') && !url.pathname.endsWith(runId));
    const forkId = decodeURIComponent(new URL(operator.url()).pathname.split('/').pop()!);
    await operator.getByRole('heading', { name: `Run ${forkId}` }).waitFor();
    const forked = await eventually(async () => {
      const events = await store.readStream(`run-${forkId}`);
      return events.length > 0 ? events : undefined;
    });
    expect(forked[0]).toMatchObject({ type: 'RunTriggered', data: { forkedFrom: { runId, checkpoint: 'cp-2' } } });
    expect(
      forked.filter((event) => event.type === 'StepSucceeded' && (event.data as { carriedOver?: boolean }).carriedOver),
    ).toHaveLength(2);
  }, 60_000);
});
