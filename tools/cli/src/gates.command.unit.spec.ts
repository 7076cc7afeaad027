import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runCli } from './cli.js';
import { StandInGateway } from './stand-in-gateway.spec-util.js';
import { gatesCommands } from './gates.command.js';

describe('ledgerflow gates', () => {
  const gateway = new StandInGateway(() => ({ status: 200, body: [] }));
  const seen = gateway.seen;
  let url = '';
  beforeAll(async () => {
    url = await gateway.start();
  });
  afterAll(() => gateway.stop());
  beforeEach(() => {
    seen.length = 0;
  });

  async function cli(argv: string[], env: Record<string, string | undefined> = {}) {
    let out = '';
    let err = '';
    const code = await runCli(gatesCommands, argv, {
      out: (t) => {
        out += t;
      },
      err: (t) => {
        err += t;
      },
      env: { LEDGERFLOW_URL: url, ...env },
    });
    return { code, out, err };
  }

  it('list: follows the Link rel="next" pages to the last (docs/api.md, Lists)', async () => {
    const gate = (i: number) => ({
      gateId: `run-${i}.pay`,
      stepId: 'pay',
      status: 'open',
      reviewers: ['cfo'],
      reason: 'r',
    });
    gateway.reply = (request) =>
      request.url.includes('cursor=p2')
        ? { status: 200, body: [gate(3)] }
        : {
            status: 200,
            body: [gate(1), gate(2)],
            headers: { link: '</v1/gates?status=open&limit=2&cursor=p2>; rel="next"' },
          };
    const { code, out } = await cli(['gates', 'list']);
    expect(code).toBe(0);
    expect(seen.map((s) => s.url)).toEqual(['/v1/gates?status=open', '/v1/gates?status=open&limit=2&cursor=p2']);
    expect(out.match(/^run-\d\.pay /gm)).toEqual(['run-1.pay ', 'run-2.pay ', 'run-3.pay ']);
  });

  it('list: open gates by default, as a table', async () => {
    gateway.reply = () => ({
      status: 200,
      body: [
        {
          gateId: 'run-1.payout',
          stepId: 'payout',
          status: 'open',
          reviewers: ['role:claims-lead'],
          reason: 'payout above 50,000',
          dueAt: '2026-05-01T14:00:00.000Z',
          level: 0,
        },
        {
          gateId: 'run-2.extract',
          stepId: 'extract',
          status: 'open',
          reviewers: ['cfo'],
          reason: 'low confidence',
          level: 2,
        },
      ],
    });
    const { code, out } = await cli(['gates', 'list']);
    expect(code).toBe(0);
    expect(seen[0]).toEqual({ method: 'GET', url: '/v1/gates?status=open' });
    expect(out.split('\n')).toEqual([
      'GATE           STEP     STATUS              REVIEWERS         DUE                       REASON',
      'run-1.payout   payout   open                role:claims-lead  2026-05-01T14:00:00.000Z  payout above 50,000',
      'run-2.extract  extract  open (escalated 2)  cfo               -                         low confidence',
      '',
    ]);
  });

  it('list --mine --status all: sends reviewer=me with the token; no gates says so', async () => {
    gateway.reply = () => ({ status: 200, body: [] });
    const { code, out } = await cli(['gates', 'list', '--mine', '--status', 'all'], { LEDGERFLOW_TOKEN: 'tok' });
    expect(code).toBe(0);
    expect(seen[0]).toEqual({ method: 'GET', url: '/v1/gates?reviewer=me', authorization: 'Bearer tok' });
    expect(out).toBe('no gates for you\n');
  });

  it('approve and reject POST the decision with the comment and the bearer token', async () => {
    gateway.reply = (request) => ({
      status: 201,
      body: {
        gateId: 'run-1.payout',
        runId: 'run-1',
        outcome: (request.body as { outcome: string }).outcome === 'approve' ? 'approved' : 'rejected',
      },
    });
    const approved = await cli(['gates', 'approve', 'run-1.payout', '--comment', 'checked the invoice'], {
      LEDGERFLOW_TOKEN: 'tok',
    });
    expect(approved).toEqual({ code: 0, out: 'gate run-1.payout approved (run run-1)\n', err: '' });
    expect(seen[0]).toEqual({
      method: 'POST',
      url: '/v1/gates/run-1.payout/decision',
      authorization: 'Bearer tok',
      body: { outcome: 'approve', comment: 'checked the invoice' },
    });
    const rejected = await cli(['gates', 'reject', 'run-1.payout', '--comment=duplicate'], { LEDGERFLOW_TOKEN: 'tok' });
    expect(rejected.out).toBe('gate run-1.payout rejected (run run-1)\n');
    expect(seen[1]?.body).toEqual({ outcome: 'reject', comment: 'duplicate' });
  });

  it('prints the gateway’s error code and message and exits 1 (403 for a reviewer the gate does not name)', async () => {
    gateway.reply = () => ({
      status: 403,
      body: {
        error: {
          code: 'run_reviewer_not_named',
          message: '"intern" is not a reviewer of gate "run-1.payout"',
          retryable: false,
        },
      },
    });
    const { code, err } = await cli(['gates', 'approve', 'run-1.payout'], { LEDGERFLOW_TOKEN: 'tok' });
    expect(code).toBe(1);
    expect(err).toBe('error: HTTP 403 run_reviewer_not_named: "intern" is not a reviewer of gate "run-1.payout"\n');
  });

  it('usage errors exit 2 without calling the gateway: no token, no id, unknown option', async () => {
    expect(await cli(['gates', 'approve', 'run-1.payout'])).toMatchObject({
      code: 2,
      err: expect.stringContaining('LEDGERFLOW_TOKEN is not set'),
    });
    expect(await cli(['gates', 'reject'], { LEDGERFLOW_TOKEN: 'tok' })).toMatchObject({
      code: 2,
      err: expect.stringContaining("missing required argument 'gate-id'"),
    });
    expect(await cli(['gates', 'list', '--everything'])).toMatchObject({
      code: 2,
      err: expect.stringContaining("unknown option '--everything'"),
    });
    expect(seen).toEqual([]);
  });

  it('says where it tried when the gateway cannot be reached', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const { code, err } = await cli(['gates', 'list'], { LEDGERFLOW_URL: `http://127.0.0.1:${port}` });
    expect(code).toBe(1);
    expect(err).toBe(
      `error: cannot reach the gateway at http://127.0.0.1:${port} (set LEDGERFLOW_URL): ECONNREFUSED\n`,
    );
  });
});
