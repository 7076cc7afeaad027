import { IsOptional, IsString, Length, Matches } from 'class-validator';
import { actorOf } from '@ledgerflow/contracts';
import type { Actor, ForwardedCaller, Scope } from '@ledgerflow/contracts';
import { requireScope } from '@ledgerflow/auth';
import type { BearerVerifier } from '@ledgerflow/auth';
import { ValidationError } from '@ledgerflow/domain';

/** A service account's principal id as the gateway names it: `svc:<name>:<16 hex account id>`. */
const SERVICE_ACCOUNT = /^svc:[A-Za-z0-9._-]{1,100}:[0-9a-f]{16}$/;

/**
 * The caller fields of a command the gateway forwards (`ForwardedCaller` in @ledgerflow/contracts), validated: the
 * caller's own bearer JWT (at most 16 KiB), or the id of a service account the gateway authenticated by its API key;
 * neither for a command with no caller (a webhook delivery). Request DTOs of forwarded commands extend it.
 */
export class ForwardedCallerDto implements ForwardedCaller {
  @IsOptional() @IsString() @Length(1, 16_384) token?: string;

  @IsOptional()
  @IsString()
  @Matches(SERVICE_ACCOUNT, { message: 'serviceAccount must be svc:<name>:<16 hex>' })
  serviceAccount?: string;
}

/** What verifies a forwarded bearer token: a `BearerVerifier` of @ledgerflow/auth (`bearerVerifierOf(config)`). */
export type CallerVerifier = Pick<BearerVerifier, 'verify'>;

/**
 * On whose behalf a command forwarded by the gateway (`ForwardedCaller` in @ledgerflow/contracts) is taken, recorded
 * as the events' `metadata.actor`: the principal of the verified `token` (a person, or a client-credentials
 * service), holding one of `scopes`; a `service` actor for a `serviceAccount` (the gateway alone may publish the
 * forwarded subjects, and a person is never taken from that field); undefined without either (no caller).
 * Shared by every service that takes forwarded commands (the planner's start and fork, memory's decisions).
 * @throws LedgerflowError `unauthorized` (a token that does not verify), `forbidden` (none of `scopes`);
 *   ValidationError `request_invalid` when both fields are given.
 * @example await forwardedCallerActor(verifier, { token }, [SCOPES.workflowsWrite]) // { kind: 'human', id: 'ana' }
 */
export async function forwardedCallerActor(
  verifier: CallerVerifier,
  caller: ForwardedCaller,
  scopes: readonly Scope[],
): Promise<Actor | undefined> {
  if (caller.token !== undefined && caller.serviceAccount !== undefined) {
    throw new ValidationError(
      'request_invalid',
      'a forwarded command names its caller by token or by serviceAccount, not both',
      { field: 'serviceAccount', rule: 'exclusive' },
    );
  }
  if (caller.token !== undefined) {
    const principal = await verifier.verify(caller.token);
    requireScope(principal, scopes);
    return actorOf(principal);
  }
  return caller.serviceAccount === undefined ? undefined : { kind: 'service', id: caller.serviceAccount };
}
