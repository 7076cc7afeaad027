import { jwtVerify } from 'jose';
import { LedgerflowError } from '@ledgerflow/domain';
import type { Actor } from '@ledgerflow/contracts';

/**
 * Authenticates a reviewer from `Authorization: Bearer <JWT>` (HS256, issuer checked, `exp` honoured).
 * The reviewer's id is the token's `sub`. A full identity provider (OIDC, roles and teams) comes with
 * the governance issue; the token format stays a JWT.
 * @throws LedgerflowError `unauthorized` (401) when the header is missing or the token does not verify.
 */
export class ReviewerAuth {
  private readonly key: Uint8Array;

  constructor(secret: string, private readonly issuer: string) {
    this.key = new TextEncoder().encode(secret);
  }

  async authenticate(authorization: string | undefined): Promise<Actor> {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (!match) throw new LedgerflowError('unauthorized', 'missing bearer token: send Authorization: Bearer <JWT>');
    try {
      const { payload } = await jwtVerify(match[1], this.key, { issuer: this.issuer, algorithms: ['HS256'] });
      if (!payload.sub) throw new Error('the token has no sub claim');
      return { kind: 'human', id: payload.sub };
    } catch (error) {
      throw new LedgerflowError('unauthorized', `invalid bearer token: ${(error as Error).message}`);
    }
  }
}
