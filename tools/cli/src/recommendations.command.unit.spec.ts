import type { RecommendationView } from '@ledgerflow/contracts';
import { runCli } from './cli.js';
import { recommendationsCommands } from './recommendations.command.js';
import { StandInGateway } from './stand-in-gateway.spec-util.js';

const view = (n: number, overrides: Partial<RecommendationView> = {}): RecommendationView => ({
  recommendationId: `claims.add_recovery_rule.00000000000${n}`,
  workflowId: 'claims',
  scope: [],
  kind: 'add_recovery_rule',
  summary: 'add recovery refresh_token before retrying fetch_invoice on token_expired',
  evidence: {
    runs: 30,
    occurrences: 9,
    succeeded: 8,
    from: '2026-01-01T00:00:00.000Z',
    to: '2026-01-05T00:00:00.000Z',
    exampleRunIds: ['r-1'],
  },
  projectedEffect: { operatorFixesAvoided: 0.3, successRate: 0.9667 },
  proposal: { rule: { id: 'learned-1', on: { step: 'fetch_invoice', code: 'token_expired' }, steps: [] } },
  proposedAt: '2026-01-05T00:00:00.000Z',
  status: 'proposed',
  ...overrides,
});

describe('ledgerflow recommendations', () => {
  const gateway = new StandInGateway(() => ({ status: 200, body: [] }));
  let url = '';
  beforeAll(async () => {
    url = await gateway.start();
  });
  afterAll(() => gateway.stop());
  beforeEach(() => {
    gateway.seen.length = 0;
  });

  async function cli(argv: string[]) {
    let out = '';
    let err = '';
    const code = await runCli(recommendationsCommands, argv, {
      out: (t) => (out += t),
      err: (t) => (err += t),
      env: { LEDGERFLOW_URL: url, LEDGERFLOW_TOKEN: 'lead-token' },
    });
    return { code, out, err };
  }

  it('list: follows the pages, one row per recommendation with evidence, projected effect and measured impact', async () => {
    const impact = {
      recommendationId: view(2).recommendationId,
      before: { runs: 20, successRate: 0.8, meanDurationMs: 900, meanGateWaitMs: 0, operatorInterventions: 4 },
      after: { runs: 12, successRate: 0.9667, meanDurationMs: 950, meanGateWaitMs: 0, operatorInterventions: 0 },
      measuredAt: '2026-01-09T00:00:00.000Z',
    };
    gateway.reply = (request) =>
      request.url.includes('cursor=c2')
        ? { status: 200, body: [view(2, { status: 'applied', impact })] }
        : {
            status: 200,
            body: [view(1)],
            headers: { link: '</v1/workflows/claims/recommendations?limit=1&cursor=c2>; rel="next"' },
          };
    const { code, out } = await cli(['recommendations', 'list', 'claims']);
    expect(code).toBe(0);
    expect(gateway.seen.map((s) => s.url)).toEqual([
      '/v1/workflows/claims/recommendations',
      '/v1/workflows/claims/recommendations?limit=1&cursor=c2',
    ]);
    const rows = out
      .split('\n')
      .filter((line) => line.startsWith('claims.'))
      .map((line) => line.split(/\s{2,}/));
    expect(rows).toEqual([
      [
        view(1).recommendationId,
        'proposed',
        'add_recovery_rule',
        '9/30 runs, 8 ok',
        'operatorFixesAvoided=0.300 successRate=0.967',
        '-',
        view(1).summary,
      ],
      [
        view(2).recommendationId,
        'applied',
        'add_recovery_rule',
        '9/30 runs, 8 ok',
        'operatorFixesAvoided=0.300 successRate=0.967',
        'successRate 0.80 -> 0.97 (20 -> 12 runs)',
        view(1).summary,
      ],
    ]);
  });

  it('list --status passes the filter on; --json prints the items; an unknown status is a usage error', async () => {
    gateway.reply = () => ({ status: 200, body: [view(1)] });
    const { code, out } = await cli(['recommendations', 'list', 'claims', '--status', 'proposed', '--json']);
    expect(code).toBe(0);
    expect(gateway.seen.map((s) => s.url)).toEqual(['/v1/workflows/claims/recommendations?status=proposed']);
    expect(JSON.parse(out)).toEqual([view(1)]);
    const bad = await cli(['recommendations', 'list', 'claims', '--status', 'maybe']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--status must be one of proposed, accepted, rejected, applied');
    gateway.reply = () => ({ status: 200, body: [] });
    expect((await cli(['recommendations', 'list', 'claims', '--status', 'applied'])).out).toBe(
      'no applied recommendations\n',
    );
  });

  it("accept and reject post the decision with the comment and the caller's token", async () => {
    const id = view(1).recommendationId;
    gateway.reply = (request) => ({
      status: 200,
      body: view(1, {
        status: request.url.endsWith('/accept') ? 'accepted' : 'rejected',
        decidedBy: 'lead',
      }),
    });
    const accepted = await cli(['recommendations', 'accept', id, '--comment', 'saw six fixes work']);
    expect([accepted.code, accepted.out]).toEqual([0, `recommendation ${id} accepted by lead\n`]);
    const rejected = await cli(['recommendations', 'reject', id]);
    expect([rejected.code, rejected.out]).toEqual([0, `recommendation ${id} rejected by lead\n`]);
    expect(gateway.seen).toEqual([
      {
        method: 'POST',
        url: `/v1/recommendations/${id}/accept`,
        authorization: 'Bearer lead-token',
        body: { comment: 'saw six fixes work' },
      },
      { method: 'POST', url: `/v1/recommendations/${id}/reject`, authorization: 'Bearer lead-token', body: {} },
    ]);
  });

  it('exits 1 naming the refusal: a decided recommendation is 409 recommendation_already_decided', async () => {
    gateway.reply = () => ({
      status: 409,
      body: { error: { code: 'recommendation_already_decided', message: 'already accepted', retryable: false } },
    });
    const { code, err } = await cli(['recommendations', 'reject', view(1).recommendationId]);
    expect(code).toBe(1);
    expect(err).toContain('HTTP 409 recommendation_already_decided: already accepted');
  });
});
