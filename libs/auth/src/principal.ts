import type { JWTPayload } from 'jose';
import { LedgerflowError } from '@ledgerflow/domain';
import { ALL_SCOPES } from '@ledgerflow/contracts';
import type { Principal, Scope } from '@ledgerflow/contracts';
import type { ReviewerActor } from '@ledgerflow/domain';

const MAX_LIST = 100;

function stringList(payload: JWTPayload, claim: string): string[] | undefined {
  const value = payload[claim];
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value.split(' ').filter(Boolean).slice(0, MAX_LIST);
  if (Array.isArray(value) && value.every((item) => typeof item === 'string'))
    return value.slice(0, MAX_LIST) as string[];
  throw new LedgerflowError('unauthorized', `the ${claim} claim must be a string or an array of strings`, false, {
    reason: 'claim_invalid',
    claim,
  });
}

/** Scopes of a token: `scope` (RFC 8693, space-separated), else `scp`, else `permissions`; unknown names are dropped. */
export function scopesOf(payload: JWTPayload): Scope[] {
  const granted =
    stringList(payload, 'scope') ?? stringList(payload, 'scp') ?? stringList(payload, 'permissions') ?? [];
  return ALL_SCOPES.filter((scope) => granted.includes(scope));
}

/**
 * The principal of a verified JWT payload. `sub` is required. A service (client-credentials) token is recognised
 * by `gty: client-credentials` (Auth0), a `sub` ending in `@clients` or starting with `svc:`; anything else is a human.
 * `roles` and `teams` (a string or an array of strings) are kept for gate reviewer matching.
 * @throws LedgerflowError `unauthorized` (reason `no_subject` or `claim_invalid`).
 */
export function principalOf(payload: JWTPayload): Principal {
  const id = payload.sub;
  if (typeof id !== 'string' || id.length === 0 || id.length > 200) {
    throw new LedgerflowError('unauthorized', 'bearer token has no sub claim (1..200 characters)', false, {
      reason: 'no_subject',
    });
  }
  const service = payload['gty'] === 'client-credentials' || id.endsWith('@clients') || id.startsWith('svc:');
  const roles = stringList(payload, 'roles');
  const teams = stringList(payload, 'teams');
  return {
    kind: service ? 'service' : 'human',
    id,
    scopes: scopesOf(payload),
    ...(roles ? { roles } : {}),
    ...(teams ? { teams } : {}),
  };
}

/** True when the principal holds one of `required` (any one suffices) or `admin`. */
export function hasScope(principal: Principal, required: readonly Scope[]): boolean {
  return principal.scopes.includes('admin') || required.some((scope) => principal.scopes.includes(scope));
}

/**
 * @throws LedgerflowError `forbidden` (403) naming the scopes the operation needs when the principal holds none of them.
 */
export function requireScope(principal: Principal, required: readonly Scope[]): void {
  if (hasScope(principal, required)) return;
  throw new LedgerflowError(
    'forbidden',
    `this operation needs the scope ${required.join(' or ')}; ${principal.id} has ${principal.scopes.length ? principal.scopes.join(' ') : 'none'}`,
    false,
    { required, granted: principal.scopes },
  );
}

/**
 * @throws LedgerflowError `human_required` (403) when the principal is a service account: gates and operator
 *   actions are attributed to a person.
 */
export function requireHuman(principal: Principal): void {
  if (principal.kind === 'human') return;
  throw new LedgerflowError(
    'human_required',
    `${principal.id} is a service account; this operation is recorded in a person's name and needs a human's token`,
    false,
  );
}

/** The principal as gates match reviewers (`matchReviewer` in `@ledgerflow/domain`): a human with its id, roles and teams. */
export function reviewerOf(principal: Principal): ReviewerActor {
  return {
    kind: 'human',
    id: principal.id,
    ...(principal.roles ? { roles: principal.roles } : {}),
    ...(principal.teams ? { teams: principal.teams } : {}),
  };
}
