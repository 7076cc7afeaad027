import { runCli } from './cli.js';
import { StandInGateway } from './stand-in-gateway.spec-util.js';
import { serviceAccountsCommands } from './service-accounts.command.js';

describe('ledgerflow service-accounts', () => {
  const gateway = new StandInGateway(() => ({ status: 200, body: [] }));
  let url = '';
  beforeAll(async () => {
    url = await gateway.start();
  });
  afterAll(() => gateway.stop());
  beforeEach(() => {
    gateway.seen.length = 0;
  });

  async function cli(argv: string[], env: Record<string, string | undefined> = { LEDGERFLOW_TOKEN: 'admin-token' }) {
    let out = '';
    let err = '';
    const code = await runCli(serviceAccountsCommands, argv, {
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

  it('create posts the name and scopes with the admin token and prints the key once', async () => {
    gateway.reply = () => ({
      status: 201,
      body: {
        id: '0123456789abcdef',
        name: 'crm',
        scopes: ['runs:start', 'runs:read'],
        createdAt: 't',
        createdBy: 'ana',
        apiKey: 'lfk_0123456789abcdef_secret',
      },
    });
    const { code, out } = await cli(['service-accounts', 'create', 'crm', '--scopes', 'runs:start, runs:read']);
    expect(code).toBe(0);
    expect(gateway.seen).toEqual([
      {
        method: 'POST',
        url: '/v1/service-accounts',
        authorization: 'Bearer admin-token',
        body: { name: 'crm', scopes: ['runs:start', 'runs:read'] },
      },
    ]);
    expect(out).toContain('lfk_0123456789abcdef_secret');
  });

  it('list prints a table; revoke posts the reason', async () => {
    gateway.reply = () => ({
      status: 200,
      body: [
        {
          id: '0123456789abcdef',
          name: 'crm',
          scopes: ['runs:start'],
          createdAt: '2026-12-01T00:00:00.000Z',
          createdBy: 'ana',
        },
      ],
    });
    expect((await cli(['service-accounts', 'list'])).out).toContain('0123456789abcdef  crm   runs:start');
    gateway.reply = () => ({ status: 200, body: {} });
    expect((await cli(['service-accounts', 'revoke', '0123456789abcdef', '--reason', 'rotated'])).code).toBe(0);
    expect(gateway.seen.at(-1)).toMatchObject({
      method: 'POST',
      url: '/v1/service-accounts/0123456789abcdef/revoke',
      body: { reason: 'rotated' },
    });
  });

  it('usage errors exit 2 without calling the gateway; a refusal exits 1 with the code', async () => {
    expect((await cli(['service-accounts', 'create', 'crm'])).code).toBe(2);
    expect((await cli(['service-accounts', 'list'], {})).code).toBe(2);
    gateway.reply = () => ({
      status: 403,
      body: { error: { code: 'forbidden', message: 'this operation needs the scope admin', retryable: false } },
    });
    const refused = await cli(['service-accounts', 'list']);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('forbidden');
    expect(gateway.seen).toHaveLength(1);
  });
});
