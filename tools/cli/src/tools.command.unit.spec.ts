import type { ToolCatalogEntry } from '@ledgerflow/contracts';
import { runCli } from './cli.js';
import { StandInGateway } from './stand-in-gateway.spec-util.js';
import { toolsListCommand } from './tools.command.js';

const entry = (action: string, cost?: ToolCatalogEntry['cost']): ToolCatalogEntry => ({
  tool: 'billing',
  action,
  description: `${action} a claim`,
  inputSchema: { type: 'object' },
  outputSchema: true,
  capability: `billing.${action}`,
  ...(cost ? { cost } : {}),
  worker: 'claims-workers',
  announcedAt: '2026-05-01T10:00:00.000Z',
});
const ENTRIES = [entry('payout', { usd: 0.02, latencyMs: 300 }), entry('refund', { usd: 0.01 }), entry('score')];

describe('ledgerflow tools list', () => {
  const gateway = new StandInGateway(() => ({ status: 200, body: ENTRIES }));
  let url = '';
  beforeAll(async () => {
    url = await gateway.start();
  });
  afterAll(() => gateway.stop());
  beforeEach(() => {
    gateway.seen.length = 0;
  });

  async function cli(...argv: string[]) {
    let out = '';
    let err = '';
    const code = await runCli([toolsListCommand], ['tools', 'list', ...argv], {
      out: (t) => (out += t),
      err: (t) => (err += t),
      env: { LEDGERFLOW_URL: url, LEDGERFLOW_TOKEN: 'tok' },
    });
    return { code, out, err };
  }

  it('prints a table of tool actions with worker and cost hints, following every page', async () => {
    gateway.reply = (request) =>
      request.url.includes('cursor=')
        ? { status: 200, body: ENTRIES.slice(2) }
        : { status: 200, body: ENTRIES.slice(0, 2), headers: { link: '</v1/tools?limit=1000&cursor=c2>; rel="next"' } };
    const { code, out, err } = await cli();
    expect([code, err]).toEqual([0, '']);
    expect(out).toBe(
      'TOOL            WORKER          COST                DESCRIPTION\n' +
        'billing.payout  claims-workers  $0.02/call, 300 ms  payout a claim\n' +
        'billing.refund  claims-workers  $0.01/call          refund a claim\n' +
        'billing.score   claims-workers                      score a claim\n',
    );
    expect(gateway.seen.map((r) => [r.method, r.url, r.authorization])).toEqual([
      ['GET', '/v1/tools?limit=1000', 'Bearer tok'],
      ['GET', '/v1/tools?limit=1000&cursor=c2', 'Bearer tok'],
    ]);
  });

  it('prints the entries as JSON with --json, says so when none is announced, exits 1 on a refusal', async () => {
    gateway.reply = () => ({ status: 200, body: ENTRIES });
    const json = await cli('--json');
    expect([json.code, JSON.parse(json.out)]).toEqual([0, ENTRIES]);
    gateway.reply = () => ({ status: 200, body: [] });
    expect((await cli()).out).toBe('no tools announced (a tool worker announces its tools when it starts)\n');
    gateway.reply = () => ({
      status: 403,
      body: { error: { code: 'forbidden', message: 'needs runs:read', retryable: false } },
    });
    const refused = await cli();
    expect([refused.code, refused.err]).toEqual([1, 'error: HTTP 403 forbidden: needs runs:read\n']);
  });
});
