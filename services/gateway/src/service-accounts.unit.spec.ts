import { InMemoryEventStore } from '@ledgerflow/event-store';
import type { EventStore } from '@ledgerflow/event-store';
import type { Principal } from '@ledgerflow/contracts';
import { rejectionOf } from '@ledgerflow/testing';
import { ACCOUNT_CACHE_SECONDS, ServiceAccounts } from './service-accounts.js';

const admin: Principal = { kind: 'human', id: 'root', scopes: ['admin'] };

/** The store, counting the account streams read (one per lookup that missed the cache). */
function countingStore(): { store: EventStore; reads: () => number } {
  const inner = new InMemoryEventStore();
  let reads = 0;
  const store = new Proxy(inner, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown;
      if (key !== 'readStream' || typeof value !== 'function')
        return typeof value === 'function' ? value.bind(target) : value;
      return (streamId: string, ...rest: unknown[]) => {
        reads += 1;
        return (value as (...args: unknown[]) => unknown).call(target, streamId, ...rest);
      };
    },
  });
  return { store, reads: () => reads };
}

describe('ServiceAccounts lookups', () => {
  let now: number;
  beforeEach(() => {
    now = Date.parse('2026-05-01T10:00:00Z');
  });

  it(`reads an account again only after ${ACCOUNT_CACHE_SECONDS} s; a revocation on this gateway takes effect at once`, async () => {
    const { store, reads } = countingStore();
    const accounts = new ServiceAccounts(store, () => new Date(now));
    const { apiKey, id } = await accounts.create('crm', ['runs:start'], admin);
    const before = reads();
    await accounts.authenticate(apiKey);
    await accounts.authenticate(apiKey);
    expect(reads() - before).toBe(1);
    now += ACCOUNT_CACHE_SECONDS * 1000;
    await accounts.authenticate(apiKey);
    expect(reads() - before).toBe(2);
    await accounts.revoke(id, admin);
    expect(await rejectionOf(accounts.authenticate(apiKey))).toMatchObject({
      code: 'unauthorized',
      details: { reason: 'revoked' },
    });
  });

  it('a revocation by another gateway (another instance over the same store) takes effect after the cache lifetime', async () => {
    const { store } = countingStore();
    const here = new ServiceAccounts(store, () => new Date(now));
    const there = new ServiceAccounts(store, () => new Date(now));
    const { apiKey, id } = await here.create('erp', ['runs:read'], admin);
    await here.authenticate(apiKey);
    await there.revoke(id, admin);
    expect((await here.authenticate(apiKey)).kind).toBe('service');
    now += ACCOUNT_CACHE_SECONDS * 1000;
    expect(await rejectionOf(here.authenticate(apiKey))).toMatchObject({ code: 'unauthorized' });
  });
});
