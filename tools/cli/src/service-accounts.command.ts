import { stringOption, UsageError } from './args.js';
import { callGateway } from './gateway-call.js';
import { listAll } from './gateway-pages.js';
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

const EXIT_CODES = 'Exit codes: 0 done, 1 the gateway refused or could not be reached, 2 usage errors.';

const create: CliCommand = {
  path: ['service-accounts', 'create'],
  usage: 'service-accounts create <name> --scopes <scope>[,<scope>...]',
  summary: 'Create a service account; prints its API key once',
  arguments: [{ name: '<name>', description: 'the account name' }],
  options: [
    { flags: '--scopes <scopes>', description: 'comma-separated scopes, e.g. runs:start,runs:read (required)' },
  ],
  details: EXIT_CODES,
  async run(args, io) {
    const name = args.positional[0] as string;
    const scopes = (stringOption(args, 'scopes') ?? '')
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
};

const list: CliCommand = {
  path: ['service-accounts', 'list'],
  usage: 'service-accounts list',
  summary: 'List service accounts (never their keys)',
  details: EXIT_CODES,
  async run(_args, io) {
    const listed = await listAll<AccountRow>(io, '/v1/service-accounts', { token: adminToken(io) });
    if (listed === undefined) return 1;
    const accounts = listed.items;
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
};

const revoke: CliCommand = {
  path: ['service-accounts', 'revoke'],
  usage: 'service-accounts revoke <id> [--reason <text>]',
  summary: 'Revoke a service account: its key stops working within 5 s',
  arguments: [{ name: '<id>', description: 'the account id' }],
  options: [{ flags: '--reason <text>', description: 'why, recorded with the revocation' }],
  details: EXIT_CODES,
  async run(args, io) {
    const id = args.positional[0] as string;
    const reason = stringOption(args, 'reason');
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
};

/** The service account commands, for `runCli`. */
export const serviceAccountsCommands: CliCommand[] = [create, list, revoke];
