import { parseArgs, UsageError } from './args.js';
import { callGateway } from './gateway-call.js';
import { usageCheckedCommand as command } from './command.js';
import type { CliCommand, CliIo } from './command.js';
import { formatTable } from './gates.command.js';

/**
 * `ledgerflow service-accounts create|list|revoke`: API keys for enterprise systems, through the gateway
 * (`/v1/service-accounts`, scope `admin`; the administrator's bearer token is `LEDGERFLOW_TOKEN`). `create`
 * prints the key once: store it in the system's secret store. Exit codes: 0 done, 1 the gateway refused,
 * 2 usage errors.
 */

interface AccountRow {
  id: string;
  name: string;
  scopes: string[];
  createdAt: string;
  createdBy: string;
  revokedAt?: string;
}

function adminToken(io: CliIo): string {
  const token = io.env.LEDGERFLOW_TOKEN;
  if (!token)
    throw new UsageError('LEDGERFLOW_TOKEN is not set: export an administrator bearer token (scope admin) first');
  return token;
}

const create = command(
  ['service-accounts', 'create'],
  'service-accounts create <name> --scopes <scope>[,<scope>...]',
  'Create a service account; prints its API key once',
  async (args, io) => {
    const { positional, options } = parseArgs(args, ['scopes'], []);
    const [name, extra] = positional;
    if (!name) throw new UsageError('the account name is missing');
    if (extra !== undefined) throw new UsageError(`unexpected argument ${extra}`);
    const scopes = String(options.get('scopes') ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (scopes.length === 0) throw new UsageError('--scopes is required, e.g. --scopes runs:start,runs:read');
    const result = await callGateway(io, 'POST', '/v1/service-accounts', { name, scopes }, adminToken(io));
    if (!result.ok) return 1;
    const account = result.value as AccountRow & { apiKey: string };
    io.out(`service account ${account.name} (${account.id}) with scopes ${account.scopes.join(' ')}\n`);
    io.out(`API key (shown once; send it as Authorization: Bearer <key>):\n${account.apiKey}\n`);
    return 0;
  },
);

const list = command(
  ['service-accounts', 'list'],
  'service-accounts list',
  'List service accounts (never their keys)',
  async (args, io) => {
    const { positional } = parseArgs(args, [], []);
    if (positional.length > 0) throw new UsageError(`unexpected argument ${positional[0]}`);
    const result = await callGateway(io, 'GET', '/v1/service-accounts', undefined, adminToken(io));
    if (!result.ok) return 1;
    const accounts = result.value as AccountRow[];
    if (accounts.length === 0) {
      io.out('no service accounts\n');
      return 0;
    }
    io.out(
      formatTable(
        ['ID', 'NAME', 'SCOPES', 'CREATED', 'REVOKED'],
        accounts.map((a) => [a.id, a.name, a.scopes.join(','), `${a.createdAt} by ${a.createdBy}`, a.revokedAt ?? '-']),
      ),
    );
    return 0;
  },
);

const revoke = command(
  ['service-accounts', 'revoke'],
  'service-accounts revoke <id> [--reason <text>]',
  'Revoke a service account: its key stops working within 5 s',
  async (args, io) => {
    const { positional, options } = parseArgs(args, ['reason'], []);
    const [id, extra] = positional;
    if (!id) throw new UsageError('the account id is missing');
    if (extra !== undefined) throw new UsageError(`unexpected argument ${extra}`);
    const reason = options.get('reason');
    const result = await callGateway(
      io,
      'POST',
      `/v1/service-accounts/${encodeURIComponent(id)}/revoke`,
      typeof reason === 'string' ? { reason } : {},
      adminToken(io),
    );
    if (!result.ok) return 1;
    io.out(`service account ${id} revoked\n`);
    return 0;
  },
);

/** The service account commands, for `runCli`. */
export const serviceAccountsCommands: CliCommand[] = [create, list, revoke];
