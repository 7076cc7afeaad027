import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { API_KEY_PREFIX, SCOPES, actorOf } from '@ledgerflow/contracts';
import type { Principal, Scope } from '@ledgerflow/contracts';
import { LedgerflowError } from '@ledgerflow/domain';
import { readStreamsWithPrefix } from '@ledgerflow/event-store';
import type { EventStore, StoredEvent } from '@ledgerflow/event-store';

/** Stream of one service account: `serviceaccount-<accountId>`. */
export const serviceAccountStreamId = (accountId: string): string => `serviceaccount-${accountId}`;
const STREAM_PREFIX = 'serviceaccount-';

/** `ServiceAccountCreated`: an API key was issued; only its SHA-256 (`sha256:<hex>` of the secret part) is kept. */
export interface ServiceAccountCreated {
  readonly accountId: string;
  readonly name: string;
  readonly scopes: readonly Scope[];
  readonly keyHash: string;
  readonly createdBy: string;
}

/** `ServiceAccountRevoked`: the account's key no longer authenticates (within the cache lifetime, 5 s). */
export interface ServiceAccountRevoked {
  readonly accountId: string;
  readonly revokedBy: string;
  readonly reason?: string;
}

/** A service account as listed (never its key or hash). Times are ISO-8601 UTC. */
export interface ServiceAccountView {
  readonly id: string;
  readonly name: string;
  readonly scopes: readonly Scope[];
  readonly createdAt: string;
  readonly createdBy: string;
  readonly revokedAt?: string;
  readonly revokedBy?: string;
}

interface Folded extends ServiceAccountView {
  readonly keyHash: string;
}

/** Seconds a looked-up account is trusted before it is read again: the delay of a revocation across replicas. */
export const ACCOUNT_CACHE_SECONDS = 5;
/** Account lookups remembered at most (the least recently used is forgotten first). */
const CACHED_ACCOUNTS = 10_000;
const KEY = new RegExp(`^${API_KEY_PREFIX}([0-9a-f]{16})_([A-Za-z0-9_-]{43})$`);
/** Scopes an API key may hold: everything but `admin` (administration is done by people). */
export const SERVICE_ACCOUNT_SCOPES: readonly Scope[] = Object.values(SCOPES).filter((scope) => scope !== SCOPES.admin);

const hashOf = (secret: string): string => `sha256:${createHash('sha256').update(secret).digest('hex')}`;
const unauthorized = (message: string, reason: string) =>
  new LedgerflowError('unauthorized', message, false, { reason });

function fold(events: readonly StoredEvent[]): Folded | undefined {
  let account: Folded | undefined;
  for (const event of events) {
    if (event.type === 'ServiceAccountCreated') {
      const data = event.data as ServiceAccountCreated;
      account = {
        id: data.accountId,
        name: data.name,
        scopes: data.scopes,
        keyHash: data.keyHash,
        createdAt: event.metadata.occurredAt,
        createdBy: data.createdBy,
      };
    } else if (event.type === 'ServiceAccountRevoked' && account) {
      account = {
        ...account,
        revokedAt: event.metadata.occurredAt,
        revokedBy: (event.data as ServiceAccountRevoked).revokedBy,
      };
    }
  }
  return account;
}

const viewOf = ({ keyHash: _hash, ...view }: Folded): ServiceAccountView => view;

/**
 * Service accounts for enterprise systems (docs/security.md, "Service accounts"): API keys
 * `lfk_<16 hex account id>_<43 base64url characters>` (256 random bits), stored as events holding only the
 * SHA-256 of the secret (a 256-bit random secret needs no slow hash), revocable. Lookups are cached for
 * {@link ACCOUNT_CACHE_SECONDS}.
 */
export class ServiceAccounts {
  private readonly cache = new LRUCache<string, { readonly account: Folded | undefined; readonly until: number }>({
    max: CACHED_ACCOUNTS,
  });

  constructor(
    private readonly store: EventStore,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /**
   * Issues an account and its key; the key is returned once and never stored.
   * @throws LedgerflowError `request_invalid` (400) for `admin` or an unknown scope.
   */
  async create(
    name: string,
    scopes: readonly Scope[],
    by: Principal,
  ): Promise<ServiceAccountView & { readonly apiKey: string }> {
    const refused = scopes.filter((scope) => !SERVICE_ACCOUNT_SCOPES.includes(scope));
    if (refused.length > 0) {
      throw new LedgerflowError(
        'request_invalid',
        `a service account may hold ${SERVICE_ACCOUNT_SCOPES.join(', ')}; not ${refused.join(', ')}`,
        false,
        { field: 'scopes', rule: 'isIn' },
      );
    }
    const accountId = randomBytes(8).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    const data: ServiceAccountCreated = {
      accountId,
      name,
      scopes: [...new Set(scopes)],
      keyHash: hashOf(secret),
      createdBy: by.id,
    };
    await this.append(accountId, 'ServiceAccountCreated', data, by, 'no_stream');
    const account = fold(await this.store.readStream(serviceAccountStreamId(accountId)));
    if (!account) throw new LedgerflowError('internal_error', `service account ${accountId} was not stored`, true);
    return { ...viewOf(account), apiKey: `${API_KEY_PREFIX}${accountId}_${secret}` };
  }

  /**
   * Revokes an account's key.
   * @throws LedgerflowError `service_account_not_found` (404); `service_account_revoked` (409) when revoked already.
   */
  async revoke(accountId: string, by: Principal, reason?: string): Promise<ServiceAccountView> {
    const events = await this.store.readStream(serviceAccountStreamId(accountId));
    const account = fold(events);
    if (!account)
      throw new LedgerflowError('service_account_not_found', `service account ${accountId} does not exist`, false, {
        accountId,
      });
    if (account.revokedAt)
      throw new LedgerflowError(
        'service_account_revoked',
        `service account ${accountId} was revoked at ${account.revokedAt}`,
        false,
        { accountId },
      );
    const data: ServiceAccountRevoked = { accountId, revokedBy: by.id, ...(reason ? { reason } : {}) };
    await this.append(accountId, 'ServiceAccountRevoked', data, by, events[events.length - 1].revision);
    this.cache.delete(accountId);
    return viewOf(fold(await this.store.readStream(serviceAccountStreamId(accountId))) ?? account);
  }

  /** Every account, oldest first (revoked ones included, with `revokedAt`). */
  async list(): Promise<ServiceAccountView[]> {
    const byStream = await readStreamsWithPrefix(this.store, STREAM_PREFIX);
    return [...byStream.values()]
      .map(fold)
      .filter((a): a is Folded => a !== undefined)
      .map(viewOf);
  }

  /**
   * The principal of an API key.
   * @throws LedgerflowError `unauthorized` (401) for a malformed, unknown, wrong or revoked key.
   */
  async authenticate(apiKey: string): Promise<Principal> {
    const match = KEY.exec(apiKey);
    if (!match) throw unauthorized('malformed API key: expected lfk_<account>_<secret>', 'malformed');
    const [, accountId, secret] = match;
    const account = await this.lookup(accountId);
    const expected = Buffer.from(account?.keyHash ?? hashOf(''));
    const actual = Buffer.from(hashOf(secret));
    if (!account || !timingSafeEqual(expected, actual))
      throw unauthorized('API key does not match a service account', 'bad_key');
    if (account.revokedAt)
      throw unauthorized(`API key of service account ${accountId} was revoked at ${account.revokedAt}`, 'revoked');
    return { kind: 'service', id: `svc:${account.name}:${account.id}`, scopes: account.scopes };
  }

  private async lookup(accountId: string): Promise<Folded | undefined> {
    const now = this.clock().getTime();
    const cached = this.cache.get(accountId);
    if (cached && cached.until > now) return cached.account;
    const account = fold(await this.store.readStream(serviceAccountStreamId(accountId)));
    this.cache.set(accountId, { account, until: now + ACCOUNT_CACHE_SECONDS * 1000 });
    return account;
  }

  private async append(
    accountId: string,
    type: string,
    data: ServiceAccountCreated | ServiceAccountRevoked,
    by: Principal,
    expectedRevision: 'no_stream' | number,
  ): Promise<void> {
    const actor = actorOf(by, 'gateway');
    await this.store.append(
      serviceAccountStreamId(accountId),
      [
        {
          type,
          data,
          metadata: {
            eventId: randomUUID(),
            runId: '',
            causationId: `service-account:${accountId}`,
            actor,
            occurredAt: this.clock().toISOString(),
            schemaVersion: 1,
          },
        },
      ],
      { expectedRevision },
    );
  }
}
