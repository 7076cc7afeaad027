import { LedgerflowError } from '@ledgerflow/domain';
import { GRANT_VERIFY_KEY_ENV, type GrantClaims } from '@ledgerflow/contracts';
import { grantPublicKeys } from './grant-keys.js';
import { grantVerifier, type GrantVerifierOptions } from './grant-verifier.js';
import type { GrantedRequest, ToolLogger } from './tool.types.js';

/**
 * Switch for tool worker processes: `off` runs them without grant verification (local experiments
 * only); unset or `on` requires {@link GRANT_VERIFY_KEY_ENV}.
 */
export const GRANT_VERIFY_SWITCH_ENV = 'LEDGERFLOW_GRANT_VERIFY';

/**
 * How a worker checks grants: with the policy service's public key, or `'disabled'` (explicitly off: logs
 * a warning at every start and counts every call in `ledgerflow.tool.unverified_calls`).
 */
export type GrantsOption = GrantVerifierOptions | 'disabled';

/** A grant check: resolves (to the verified claims, when it has them) or throws to refuse. */
export type GrantCheck = (grant: string | undefined, request: GrantedRequest) => Promise<GrantClaims | void>;

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The grant set-up a tool worker process must start with, from its environment:
 * `LEDGERFLOW_GRANT_VERIFY=off` gives `'disabled'`; otherwise `LEDGERFLOW_GRANT_VERIFY_KEY` (SPKI PEM of
 * the policy service's Ed25519 key; several PEM blocks one after another while its key is rotated) is
 * required and checked now.
 * @throws LedgerflowError `config_invalid` naming the variable when the key is missing or not a public
 *   Ed25519 key, or the switch is neither `on` nor `off` (a process should exit 78).
 * @example startToolWorker({ nc, tools, grants: grantsFromEnv() });
 */
export function grantsFromEnv(env: Env = process.env): GrantsOption {
  const mode = env[GRANT_VERIFY_SWITCH_ENV]?.trim() ?? '';
  if (mode === 'off') return 'disabled';
  if (mode !== '' && mode !== 'on') {
    throw new LedgerflowError(
      'config_invalid',
      `${GRANT_VERIFY_SWITCH_ENV} must be on or off, got ${JSON.stringify(mode)}`,
      false,
      { field: GRANT_VERIFY_SWITCH_ENV },
    );
  }
  const publicKey = env[GRANT_VERIFY_KEY_ENV] ?? '';
  if (publicKey.trim() === '') {
    throw new LedgerflowError(
      'config_invalid',
      `${GRANT_VERIFY_KEY_ENV} is required (SPKI PEM of the policy service's Ed25519 grant key); set ${GRANT_VERIFY_SWITCH_ENV}=off to run without grant verification`,
      false,
      { field: GRANT_VERIFY_KEY_ENV },
    );
  }
  try {
    grantPublicKeys(publicKey);
  } catch (error) {
    throw new LedgerflowError('config_invalid', `${GRANT_VERIFY_KEY_ENV}: ${(error as Error).message}`, false, {
      field: GRANT_VERIFY_KEY_ENV,
    });
  }
  return { publicKey };
}

/** The warning logged each time a worker starts with grant verification switched off. */
export const GRANTS_DISABLED_WARNING =
  'grant verification is disabled: tool handlers run without a step-scoped grant (local experiments only); every call is counted in ledgerflow.tool.unverified_calls';

/**
 * The check {@link startToolWorker} runs before each handler, failing closed: an explicit `verifyGrant`
 * hook; else `grants` (`{ publicKey }`: {@link grantVerifier}; `'disabled'`: none); else, from the
 * environment ({@link grantsFromEnv}), a verifier on `LEDGERFLOW_GRANT_VERIFY_KEY`, or none when
 * `LEDGERFLOW_GRANT_VERIFY=off`. Resolves to undefined only when verification was switched off explicitly;
 * then it logs {@link GRANTS_DISABLED_WARNING} (to `logger`, else stderr) at every call, i.e. every start.
 * @throws LedgerflowError `config_invalid` naming `LEDGERFLOW_GRANT_VERIFY_KEY` when no key is configured
 *   and verification is not switched off, naming `LEDGERFLOW_GRANT_VERIFY` when that switch is neither
 *   `on` nor `off`, or when both `verifyGrant` and `grants` are given; `grant_key_invalid` for a bad key
 *   given in `grants` (`config_invalid` for a bad key in the environment).
 */
export function resolveGrantCheck(
  options: {
    readonly verifyGrant?: GrantCheck;
    readonly grants?: GrantsOption;
    readonly logger?: ToolLogger;
    readonly name?: string;
  },
  env: Env = process.env,
): GrantCheck | undefined {
  if (options.verifyGrant !== undefined) {
    if (options.grants !== undefined)
      throw new LedgerflowError(
        'config_invalid',
        'give startToolWorker either verifyGrant or grants, not both',
        false,
        { field: 'grants' },
      );
    return options.verifyGrant;
  }
  const grants = options.grants ?? grantsFromEnv(env);
  if (grants !== 'disabled') return grantVerifier(grants);
  if (options.logger) options.logger.warn(GRANTS_DISABLED_WARNING, { worker: options.name });
  else
    process.stderr.write(
      `warning: ${GRANTS_DISABLED_WARNING}${options.name === undefined ? '' : ` (${options.name})`}\n`,
    );
  return undefined;
}
