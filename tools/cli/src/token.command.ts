import { ALL_SCOPES, DEFAULT_AUTH_AUDIENCE, DEFAULT_AUTH_ISSUER, SCOPES } from '@ledgerflow/contracts';
import type { Scope } from '@ledgerflow/contracts';
import { signDevToken } from '@ledgerflow/auth';
import { UsageError, stringOption } from './args.js';
import type { ParsedArgs } from './args.js';
import { parseCommandLine } from './cli.js';
import type { CliCommand, CliIo } from './command.js';
import { dataDirOf } from './start-layout.js';
import { readAuthSecret } from './start-secrets.js';

const usage = 'token --user <id> [--roles a,b] [--teams a,b] [--scopes a,b] [--ttl 1h] [--data-dir <dir>]';

/** Scopes of a reviewer: read runs and decide the gates that name them. */
const REVIEWER_SCOPES: readonly Scope[] = [SCOPES.runsRead, SCOPES.gatesDecide];

/** A jose time span as `--ttl` takes it: a whole number and a unit (s, m, h, d). */
const TTL = /^[1-9][0-9]{0,5}(s|m|h|d)$/;

/** What `ledgerflow token` signs. */
export interface TokenArgs {
  readonly user: string;
  readonly roles: readonly string[];
  readonly teams: readonly string[];
  readonly scopes: readonly Scope[];
  readonly ttl: string;
  readonly dataDir?: string;
}

const list = (value: string | undefined) =>
  (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');

/** @throws UsageError naming the option: no `--user`, an unknown scope, a malformed `--ttl`, an extra argument. */
function tokenArgsOf(args: ParsedArgs): TokenArgs {
  const options = { get: (name: string) => stringOption(args, name), has: (name: string) => args.options.has(name) };
  const user = options.get('user');
  if (!user) throw new UsageError('--user <id> is required');
  const scopes = options.has('scopes') ? list(options.get('scopes')) : [...REVIEWER_SCOPES];
  const unknown = scopes.find((scope) => !(ALL_SCOPES as readonly string[]).includes(scope));
  if (unknown !== undefined)
    throw new UsageError(`--scopes: unknown scope ${unknown} (known: ${ALL_SCOPES.join(', ')})`);
  if (scopes.length === 0) throw new UsageError('--scopes must name at least one scope');
  const ttl = options.get('ttl') ?? '1h';
  if (!TTL.test(ttl))
    throw new UsageError(`--ttl must be a whole number and a unit s, m, h or d (e.g. 30m, 8h); got ${ttl}`);
  const dataDir = options.get('data-dir');
  return {
    user,
    roles: list(options.get('roles')),
    teams: list(options.get('teams')),
    scopes: scopes as Scope[],
    ttl,
    ...(dataDir === undefined ? {} : { dataDir }),
  };
}

/**
 * `ledgerflow token`: prints a development bearer JWT (HS256) for person `--user`, with `roles`, `teams` and `scope`
 * claims (default scopes `runs:read gates:decide`: a reviewer), `iss`/`aud` from `LEDGERFLOW_AUTH_ISSUER`/
 * `LEDGERFLOW_AUTH_AUDIENCE` (defaults `ledgerflow`, `ledgerflow-api`), valid `--ttl` (default 1h). The key is
 * `LEDGERFLOW_AUTH_SECRET`, else the one `ledgerflow start` generated in `<data-dir>/secrets`. One machine only:
 * production verifies tokens of an OIDC provider. Exit 0; 1 without a key; 2 for usage errors.
 */
async function run(args: ParsedArgs, io: CliIo): Promise<number> {
  const parsed = tokenArgsOf(args);
  let authSecret = io.env.LEDGERFLOW_AUTH_SECRET;
  if (!authSecret) {
    try {
      authSecret = await readAuthSecret(dataDirOf(parsed.dataDir, io.env).secretsDir);
    } catch (error) {
      io.err(`error: LEDGERFLOW_AUTH_SECRET is not set and ${(error as Error).message}\n`);
      return 1;
    }
  }
  const settings = {
    authSecret,
    authIssuer: io.env.LEDGERFLOW_AUTH_ISSUER || DEFAULT_AUTH_ISSUER,
    authAudience: io.env.LEDGERFLOW_AUTH_AUDIENCE || DEFAULT_AUTH_AUDIENCE,
  };
  const { user, scopes, roles, teams, ttl } = parsed;
  const token = await signDevToken(settings, {
    sub: user,
    scopes,
    expiresIn: ttl,
    ...(roles.length ? { roles } : {}),
    ...(teams.length ? { teams } : {}),
  });
  io.out(`${token}\n`);
  return 0;
}

export const tokenCommand: CliCommand = {
  path: ['token'],
  usage,
  summary: 'Print a development reviewer token (LEDGERFLOW_AUTH_SECRET, or the key `ledgerflow start` generated)',
  options: [
    { flags: '--user <id>', description: "the person's id, the token's subject (required)" },
    { flags: '--roles <roles>', description: 'comma-separated roles, e.g. reviewer' },
    { flags: '--teams <teams>', description: 'comma-separated teams' },
    {
      flags: '--scopes <scopes>',
      description: `comma-separated scopes (default ${REVIEWER_SCOPES.join(',')}): ${ALL_SCOPES.join(', ')}`,
    },
    { flags: '--ttl <span>', description: 'validity: a whole number and s, m, h or d (default 1h)' },
    { flags: '--data-dir <dir>', description: 'the `ledgerflow start` data directory holding the key' },
  ],
  details: 'Exit codes: 0 printed, 1 no key (LEDGERFLOW_AUTH_SECRET unset and no data directory key), 2 usage errors.',
  run,
};

/** `ledgerflow token`'s arguments (after `token`) parsed and checked. @throws UsageError (see the command) */
export const parseTokenArgs = (args: readonly string[]): TokenArgs => tokenArgsOf(parseCommandLine(tokenCommand, args));
