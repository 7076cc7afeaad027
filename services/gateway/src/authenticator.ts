import { API_KEY_PREFIX } from '@ledgerflow/contracts';
import type { Principal } from '@ledgerflow/contracts';
import { bearerTokenOf } from '@ledgerflow/auth';
import type { BearerVerifier } from '@ledgerflow/auth';
import type { ServiceAccounts } from './service-accounts.js';

/**
 * Who is calling: `Authorization: Bearer <credential>` where the credential is a service account's API key
 * (`lfk_<account>_<secret>`, checked against its stored hash) or a JWT (verified by {@link BearerVerifier}).
 * @throws LedgerflowError `unauthorized` (401) for a missing, malformed, expired, revoked or forged credential;
 *   `auth_unavailable` (503) when the JWKS cannot be read.
 */
export class Authenticator {
  constructor(
    private readonly jwt: BearerVerifier,
    private readonly accounts: ServiceAccounts,
  ) {}

  async authenticate(authorization: string | undefined): Promise<Principal> {
    const credential = bearerTokenOf(authorization);
    if (credential.startsWith(API_KEY_PREFIX)) return this.accounts.authenticate(credential);
    return this.jwt.verify(credential);
  }

  /** The raw bearer credential (forwarded to services that verify the human themselves). */
  static credentialOf(authorization: string | undefined): string {
    return bearerTokenOf(authorization);
  }
}
