import { Inject, Injectable } from '@nestjs/common';
import type { CanActivate, ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Principal, Scope } from '@ledgerflow/contracts';
import { requireHuman, requireScope } from '@ledgerflow/auth';
import { HUMAN_ONLY, PUBLIC_ENDPOINT, REQUIRED_SCOPES } from './auth.decorators.js';
import { Authenticator } from './authenticator.js';

/** The request as the guard leaves it: the authenticated principal attached. */
export interface AuthenticatedRequest {
  readonly headers: Record<string, string | string[] | undefined>;
  principal?: Principal;
}

/**
 * The gateway's one door (docs/security.md, "HTTP"): every route needs a bearer credential holding one of
 * the scopes its `@RequireScopes` names, unless it is `@Public()`. A route with neither is admin-only, so
 * a new endpoint is closed until someone decides who may call it; a `@RequireHuman()` route refuses a service account.
 * Errors: 401 `unauthorized`, 403 `forbidden`, 403 `human_required`.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(Authenticator) private readonly authenticator: Authenticator,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ENDPOINT, targets)) return true;
    const required = this.reflector.getAllAndOverride<Scope[] | undefined>(REQUIRED_SCOPES, targets) ?? ['admin'];
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const authorization = request.headers['authorization'];
    const principal = await this.authenticator.authenticate(
      Array.isArray(authorization) ? authorization[0] : authorization,
    );
    requireScope(principal, required);
    if (this.reflector.getAllAndOverride<boolean>(HUMAN_ONLY, targets)) requireHuman(principal);
    request.principal = principal;
    return true;
  }
}
