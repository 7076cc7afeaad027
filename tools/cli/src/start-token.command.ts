import { ALL_SCOPES, type Scope } from '@ledgerflow/contracts';
import { DEV_AUTH_AUDIENCE, DEV_AUTH_ISSUER, devToken } from '@ledgerflow/testing';
import { UsageError, parseValuedArgs } from './args.js';
import type { CliCommand, CliIo } from './command.js';
import { dataDirOf, takeRepeated } from './start-layout.js';
import { readAuthSecret } from './start-secrets.js';

const usage = 'dev-token --sub <name> [--scope <scope>]... [--role <role>]... [--team <team>]... [--expires-in <span>] [--data-dir <dir>]';

/**
 * `ledgerflow dev-token`: prints a bearer JWT (HS256) signed with the development token key of a `ledgerflow
 * start` data directory, for a person `--sub` with the given scopes (default `runs:read`), roles and teams,
 * valid `--expires-in` (a jose time span, default `8h`). One machine only: production verifies tokens of an
 * OIDC provider (`LEDGERFLOW_AUTH_JWKS_URL`). Exit 0; 1 without a key in the data directory; 2 for usage errors.
 */
async function run(args: readonly string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    const { values, rest } = takeRepeated(args, ['scope', 'role', 'team']);
    const { positional, options } = parseValuedArgs(rest, ['sub', 'expires-in', 'data-dir']);
    if (positional.length > 0) throw new UsageError(`unexpected argument ${positional[0]}`);
    const sub = options.get('sub');
    if (!sub) throw new UsageError('--sub <name> is required');
    const scopes = values.get('scope')?.length ? (values.get('scope') as string[]) : ['runs:read'];
    const unknown = scopes.find((scope) => !(ALL_SCOPES as readonly string[]).includes(scope));
    if (unknown) throw new UsageError(`unknown scope ${unknown} (known: ${ALL_SCOPES.join(', ')})`);
    parsed = { sub, scopes: scopes as Scope[], roles: values.get('role') ?? [], teams: values.get('team') ?? [], expiresIn: options.get('expires-in') ?? '8h', layout: dataDirOf(options.get('data-dir'), io.env) };
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`error: ${error.message}\nusage: ledgerflow ${usage}\n`);
    return 2;
  }
  let authSecret: string;
  try {
    authSecret = await readAuthSecret(parsed.layout.secretsDir);
  } catch (error) {
    io.err(`error: ${(error as Error).message}\n`);
    return 1;
  }
  const { sub, scopes, roles, teams, expiresIn } = parsed;
  const token = await devToken({ authSecret, authIssuer: DEV_AUTH_ISSUER, authAudience: DEV_AUTH_AUDIENCE }, {
    sub, scopes, expiresIn, ...(roles.length ? { roles } : {}), ...(teams.length ? { teams } : {}),
  });
  io.out(`${token}\n`);
  return 0;
}

export const devTokenCommand: CliCommand = {
  path: ['dev-token'],
  usage,
  summary: 'Print a bearer token signed with a `ledgerflow start` data directory\'s development key',
  run,
};
