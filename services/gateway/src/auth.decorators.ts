import { SetMetadata, createParamDecorator } from '@nestjs/common';
import type { ExecutionContext } from '@nestjs/common';
import { LedgerflowError } from '@ledgerflow/domain';
import type { Principal, Scope } from '@ledgerflow/contracts';

/** Metadata key: the scopes an endpoint requires (any one of them suffices). */
export const REQUIRED_SCOPES = 'ledgerflow:required-scopes';
/** Metadata key: the endpoint authenticates its caller another way (webhook signatures) or not at all (health). */
export const PUBLIC_ENDPOINT = 'ledgerflow:public-endpoint';
/** Metadata key: the endpoint acts in a person's name (see {@link RequireHuman}). */
export const HUMAN_ONLY = 'ledgerflow:human-only';

/**
 * The endpoint needs a bearer credential holding one of `scopes` (`admin` always suffices).
 * Without a valid credential: 401 `unauthorized`; without the scope: 403 `forbidden`.
 */
export const RequireScopes = (...scopes: Scope[]): MethodDecorator & ClassDecorator =>
  SetMetadata(REQUIRED_SCOPES, scopes);

/** The endpoint takes no bearer credential: health, OpenAPI, or webhooks (verified by their signature instead). */
/**
 * Only a person may call the endpoint (it is recorded in a person's name): a service account's credential is
 * 403 `human_required`, checked by the guard with the scopes, so before the body is validated.
 */
export const RequireHuman = (): MethodDecorator & ClassDecorator => SetMetadata(HUMAN_ONLY, true);

export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(PUBLIC_ENDPOINT, true);

/**
 * The principal the guard authenticated (a route parameter). Only on routes with `@RequireScopes`.
 * @example decide(@CurrentPrincipal() who: Principal) { ... }
 */
export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext): Principal => {
  const principal = context.switchToHttp().getRequest<{ principal?: Principal }>().principal;
  if (!principal)
    throw new LedgerflowError('unauthorized', 'no authenticated principal on this request', false, {
      reason: 'missing',
    });
  return principal;
});
