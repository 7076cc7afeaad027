import { runCli } from './cli.js';
import { runsListCommand } from './runs-list.command.js';
import { StandInGateway } from './stand-in-gateway.spec-util.js';
import type { SeenRequest } from './stand-in-gateway.spec-util.js';

const run = (i: number) => ({
  runId: `run-${i}`,
  workflowId: 'claims',
  workflowVersion: '1.2.0',
  status: i % 2 ? 'completed' : 'failed',
  createdAt: `2026-05-01T10:00:${String(59 - i).padStart(2, '0')}.000Z`,
  updatedAt: '2026-05-01T11:00:00.000Z',
  openGates: 0,
  ...(i % 2 ? {} : { failure: { code: 'tool_failed', reason: 'timeout' } }),
});
const RUNS = Array.from({ length: 7 }, (_, i) => run(i));

/** The gateway (docs/api.md, Lists): an array body, `limit` per page, the next page in a `Link` header with an opaque cursor. */
function linkPaging(request: SeenRequest) {
  const url = new URL(request.url, 'http://gateway');
  const limit = Number(url.searchParams.get('limit') ?? 100);
  const start = Number(url.searchParams.get('cursor') ?? 0);
  const page = RUNS.slice(start, start + limit);
  const rest = start + limit < RUNS.length;
  url.searchParams.set('cursor', String(start + limit));
  return {
    status: 200,
    body: page,
    ...(rest ? { headers: { link: `<${url.pathname}${url.search}>; rel="next"` } } : {}),
  };
}

describe('ledgerflow runs list', () => {
  const gateway = new StandInGateway(linkPaging);
  let url = '';
  beforeAll(async () => {
    url = await gateway.start();
  });
  afterAll(() => gateway.stop());
  beforeEach(() => {
    gateway.seen.length = 0;
    gateway.reply = linkPaging;
  });

  async function cli(...argv: string[]) {
    let out = '';
    let err = '';
    const code = await runCli([runsListCommand], ['runs', 'list', ...argv], {
      out: (t) => (out += t),
      err: (t) => (err += t),
      env: { LEDGERFLOW_URL: url, LEDGERFLOW_TOKEN: 'tok' },
    });
    return { code, out, err };
  }

  it('prints a table of runs, newest first, with the token and the filters as query parameters', async () => {
    gateway.reply = () => ({ status: 200, body: RUNS.slice(0, 2) });
    const { code, out, err } = await cli(
      '--workflow',
      'claims',
      '--status',
      'failed',
      '--created-after',
      '2026-05-01T00:00:00Z',
    );
    expect([code, err]).toEqual([0, '']);
    expect(out).toBe(
      'RUN    WORKFLOW      STATUS     GATES  CREATED                   FAILURE\n' +
        'run-0  claims@1.2.0  failed     0      2026-05-01T10:00:59.000Z  tool_failed: timeout\n' +
        'run-1  claims@1.2.0  completed  0      2026-05-01T10:00:58.000Z\n',
    );
    expect(gateway.seen).toEqual([
      {
        method: 'GET',
        url: '/v1/runs?limit=100&workflowId=claims&status=failed&createdAfter=2026-05-01T00%3A00%3A00Z',
        authorization: 'Bearer tok',
      },
    ]);
  });

  it('follows Link rel="next" pages up to --limit, and says when more remain', async () => {
    const { code, out, err } = await cli('--limit', '3', '--json');
    expect(code).toBe(0);
    expect((JSON.parse(out) as { runId: string }[]).map((r) => r.runId)).toEqual(['run-0', 'run-1', 'run-2']);
    expect(err).toBe('(the first 3 runs; --limit <n> or --all for more)\n');
    expect(gateway.seen.map((s) => s.url)).toEqual(['/v1/runs?limit=3']);
  });

  it('--all follows every page to the last', async () => {
    gateway.reply = (request) => linkPaging({ ...request, url: request.url.replace('limit=1000', 'limit=3') });
    const { code, out, err } = await cli('--all', '--json');
    expect([code, err]).toEqual([0, '']);
    expect((JSON.parse(out) as unknown[]).length).toBe(7);
    expect(gateway.seen.map((s) => s.url)).toEqual([
      '/v1/runs?limit=1000',
      '/v1/runs?limit=3&cursor=3',
      '/v1/runs?limit=3&cursor=6',
    ]);
  });

  it('cuts an unpaged answer at --limit; an empty list says so', async () => {
    gateway.reply = () => ({ status: 200, body: RUNS });
    const cut = await cli('--limit', '2');
    expect([cut.code, cut.out.split('\n').length - 2, cut.err]).toEqual([
      0,
      2,
      expect.stringContaining('the first 2 runs'),
    ]);
    gateway.reply = () => ({ status: 200, body: [] });
    expect(await cli()).toEqual({ code: 0, out: 'no runs\n', err: '' });
  });

  it('refuses a next page on another origin, a page named twice, and a body without runs (exit 1)', async () => {
    gateway.reply = () => ({
      status: 200,
      body: [run(0)],
      headers: { link: '<http://elsewhere.example/v1/runs>; rel="next"' },
    });
    expect(await cli('--all')).toMatchObject({ code: 1, err: expect.stringContaining('another origin') });
    gateway.reply = () => ({ status: 200, body: [run(0)], headers: { link: '</v1/runs?limit=1000>; rel="next"' } });
    expect(await cli('--all')).toMatchObject({ code: 1, err: expect.stringContaining('as the next page again') });
    gateway.reply = () => ({ status: 200, body: { total: 3 } });
    expect(await cli()).toMatchObject({
      code: 1,
      err: expect.stringContaining('answered GET /v1/runs without a list'),
    });
  });

  it("prints the gateway's refusal (exit 1) and refuses a bad --limit or --all with --limit (exit 2)", async () => {
    gateway.reply = () => ({
      status: 400,
      body: { error: { code: 'request_invalid', message: 'query parameter status must be a run status' } },
    });
    expect(await cli('--status', 'nope')).toMatchObject({
      code: 1,
      err: 'error: HTTP 400 request_invalid: query parameter status must be a run status\n',
    });
    for (const argv of [['--limit', '0'], ['--limit', 'ten'], ['--all', '--limit', '5'], ['extra']]) {
      expect((await cli(...argv)).code).toBe(2);
    }
    expect(gateway.seen).toHaveLength(1);
  });
});
