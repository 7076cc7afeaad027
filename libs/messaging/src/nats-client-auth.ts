import { readFileSync } from 'node:fs';
import { inboxPrefixOf } from '@ledgerflow/contracts';
import { LedgerflowError } from '@ledgerflow/domain';
import { nkeyAuthenticator, nkeys, type ConnectionOptions } from '@nats-io/nats-core';

/** How a client proves who it is to nats-server, and how it checks the server (TLS). */
export interface NatsClientAuth {
  /** The user's nkey seed (`SU...`, 58 characters). Undefined: connect without credentials. */
  readonly seed?: string;
  /** TLS: CA to verify the server with; client certificate and key (both or neither) for mutual TLS. */
  readonly tls?: { readonly caFile?: string; readonly certFile?: string; readonly keyFile?: string };
}

/** The environment variables a client reads its credentials from (README, "Configuration"). */
export const NATS_AUTH_ENV = {
  seed: 'NATS_NKEY_SEED',
  seedFile: 'NATS_NKEY_SEED_FILE',
  caFile: 'NATS_TLS_CA_FILE',
  certFile: 'NATS_TLS_CERT_FILE',
  keyFile: 'NATS_TLS_KEY_FILE',
} as const;

/** A user seed as nkeys encodes it: `SU` then 56 base32 characters. */
export const NKEY_USER_SEED = /^SU[A-Z2-7]{56}$/;

const invalid = (variable: string, problem: string): LedgerflowError =>
  new LedgerflowError('nats_credentials_invalid', `${variable}: ${problem}`, false, { variable });

/**
 * Reads NATS credentials from `env`: the seed from `NATS_NKEY_SEED_FILE` (a file holding it) or
 * `NATS_NKEY_SEED`; TLS from `NATS_TLS_CA_FILE`, `NATS_TLS_CERT_FILE`, `NATS_TLS_KEY_FILE`. Nothing set: no
 * credentials (a development server without authorization).
 * @throws LedgerflowError `nats_credentials_invalid` (not retryable) naming the variable, never its value:
 *   both seed variables set, an unreadable file, a malformed seed, a certificate without its key.
 */
export function natsAuthFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): NatsClientAuth {
  const value = (name: string) => (env[name] === undefined || env[name] === '' ? undefined : env[name]);
  const seedFile = value(NATS_AUTH_ENV.seedFile);
  let seed = value(NATS_AUTH_ENV.seed);
  if (seedFile !== undefined && seed !== undefined)
    throw invalid(NATS_AUTH_ENV.seed, `set only one of ${NATS_AUTH_ENV.seed} and ${NATS_AUTH_ENV.seedFile}`);
  const seedVariable = seedFile !== undefined ? NATS_AUTH_ENV.seedFile : NATS_AUTH_ENV.seed;
  if (seedFile !== undefined) seed = readOrThrow(NATS_AUTH_ENV.seedFile, seedFile);
  seed = seed?.trim();
  if (seed !== undefined && !NKEY_USER_SEED.test(seed))
    throw invalid(seedVariable, 'is not an nkey user seed (SU followed by 56 base32 characters)');
  const tls = {
    caFile: value(NATS_AUTH_ENV.caFile),
    certFile: value(NATS_AUTH_ENV.certFile),
    keyFile: value(NATS_AUTH_ENV.keyFile),
  };
  if ((tls.certFile === undefined) !== (tls.keyFile === undefined)) {
    throw invalid(
      tls.certFile === undefined ? NATS_AUTH_ENV.certFile : NATS_AUTH_ENV.keyFile,
      `${NATS_AUTH_ENV.certFile} and ${NATS_AUTH_ENV.keyFile} go together`,
    );
  }
  for (const [key, variable] of [
    ['caFile', NATS_AUTH_ENV.caFile],
    ['certFile', NATS_AUTH_ENV.certFile],
    ['keyFile', NATS_AUTH_ENV.keyFile],
  ] as const) {
    const file = tls[key];
    if (file !== undefined) readOrThrow(variable, file);
  }
  const anyTls = Object.values(tls).some((v) => v !== undefined);
  const definedTls = Object.fromEntries(Object.entries(tls).filter(([, v]) => v !== undefined));
  return { ...(seed !== undefined ? { seed } : {}), ...(anyTls ? { tls: definedTls } : {}) };
}

function readOrThrow(variable: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw invalid(variable, `cannot read the file (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/**
 * Client options for `auth`: an nkey authenticator and the user's own inbox prefix (`_INBOX_<publicKey>`,
 * the only inbox its permissions let it read; see @ledgerflow/contracts `inboxPrefixOf`), and TLS options.
 * Empty for no credentials.
 */
export function natsAuthOptions(auth: NatsClientAuth | undefined): Partial<ConnectionOptions> {
  if (auth === undefined) return {};
  const options: Partial<ConnectionOptions> = {};
  if (auth.seed !== undefined) {
    const seed = new TextEncoder().encode(auth.seed);
    options.authenticator = nkeyAuthenticator(seed);
    options.inboxPrefix = inboxPrefixOf(nkeys.fromSeed(seed).getPublicKey());
  }
  if (auth.tls !== undefined) options.tls = { ...auth.tls };
  return options;
}
