import { jwtVerify } from 'jose';
import type { JWTPayload } from 'jose';
import { LedgerflowError } from '@ledgerflow/domain';
import type { ReviewerActor } from '@ledgerflow/domain';

function stringList(payload: JWTPayload, claim: 'roles' | 'teams'): string[] | undefined {
  const value = payload[claim];
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) throw new Error(`the ${claim} claim must be an array of strings`);
  return value as string[];
}

/**
 * Authenticates a reviewer from `Authorization: Bearer <JWT>` (HS256 with `LEDGERFLOW_AUTH_SECRET`, issuer
 * `LEDGERFLOW_AUTH_ISSUER` checked, `exp` honoured). The reviewer's id is the token's `sub`; the optional
 * `roles` and `teams` claims (arrays of strings) let gates naming `role:<role>` or `team:<team>` match them.
 * @throws LedgerflowError `unauthorized` (401) when the header is missing or the token does not verify.
 */
export class ReviewerAuth {
  private readonly key: Uint8Array;

  constructor(secret: string, private readonly issuer: string) {
    this.key = new TextEncoder().encode(secret);
  }

  async authenticate(authorization: string | undefined): Promise<ReviewerActor> {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (!match) throw new LedgerflowError('unauthorized', 'missing bearer token: send Authorization: Bearer <JWT>');
    try {
      const { payload } = await jwtVerify(match[1], this.key, { issuer: this.issuer, algorithms: ['HS256'] });
      if (!payload.sub) throw new Error('the token has no sub claim');
      const roles = stringList(payload, 'roles');
      const teams = stringList(payload, 'teams');
      return { kind: 'human', id: payload.sub, ...(roles ? { roles } : {}), ...(teams ? { teams } : {}) };
    } catch (error) {
      throw new LedgerflowError('unauthorized', `invalid bearer token: ${(error as Error).message}`);
    }
  }
}
