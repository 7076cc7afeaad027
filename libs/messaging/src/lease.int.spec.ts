import { LEASES_BUCKET } from '@ledgerflow/contracts';
import { Kvm } from '@nats-io/kv';
import { Lease, type LeasedWork } from './lease.js';
import { eventually, sleep, startNatsFixture, type NatsFixture } from './nats.spec-util.js';

const TTL_MS = 1_500;
const POLL_MS = 100;

/** A lease whose work records when it ran; `log` is shared so that overlaps show. */
async function contender(nats: NatsFixture, name: string, key: string, log: string[]) {
  const nc = await nats.connect(name);
  const errors: unknown[] = [];
  const lease = await Lease.open({
    nc,
    key,
    holder: name,
    ttlMs: TTL_MS,
    pollMs: POLL_MS,
    onError: (err) => errors.push(err),
  });
  let working = false;
  lease.run(async (): Promise<LeasedWork> => {
    working = true;
    log.push(`${name} start`);
    return {
      stop: async () => {
        log.push(`${name} stop`);
        working = false;
      },
    };
  });
  return { nc, lease, errors, working: () => working };
}

describe('Lease (NATS KV, TTL)', () => {
  let nats: NatsFixture;
  beforeAll(async () => {
    nats = await startNatsFixture();
  });
  afterAll(async () => {
    await nats.stop();
  });

  it('one holder at a time; it keeps the lease past the TTL by renewing; a release hands it over within a poll', async () => {
    const log: string[] = [];
    const a = await contender(nats, 'a', 'k1', log);
    const b = await contender(nats, 'b', 'k1', log);
    await eventually('one holds it', () => a.lease.held || b.lease.held);
    const [holder, standby] = a.lease.held ? [a, b] : [b, a];
    await sleep(TTL_MS * 2);
    expect(holder.lease.held).toBe(true);
    expect(standby.lease.held).toBe(false);
    expect(log).toHaveLength(1);
    const kv = await new Kvm(nats.nc).open(LEASES_BUCKET);
    expect((await kv.get('k1'))?.json()).toEqual({ holder: holder.lease.holder });
    expect(await kv.status()).toMatchObject({ ttl: TTL_MS, history: 1 });

    const released = Date.now();
    await holder.lease.close();
    await eventually('the standby took over', () => standby.working());
    expect(Date.now() - released).toBeLessThan(POLL_MS + 500);
    expect(log.slice(1)).toEqual([`${holder.lease.holder} stop`, `${standby.lease.holder} start`]);
    await standby.lease.close();
    expect(holder.errors).toEqual([]);
  });

  it('a holder that cannot renew stops its work before the TTL ends; the standby takes over after it, within TTL + poll', async () => {
    const log: string[] = [];
    const a = await contender(nats, 'c', 'k2', log);
    await eventually('c holds it', () => a.working());
    const b = await contender(nats, 'd', 'k2', log);
    await sleep(POLL_MS * 3);
    const killed = Date.now();
    await a.nc.close(); // as if the process died: nothing released
    let stoppedAfter = 0;
    await eventually('c stopped', () => !a.working());
    stoppedAfter = Date.now() - killed;
    await eventually('d took over', () => b.working(), TTL_MS * 3);
    const takeover = Date.now() - killed;
    expect(stoppedAfter).toBeLessThan(TTL_MS);
    expect(takeover).toBeLessThanOrEqual(TTL_MS + POLL_MS + 250);
    expect(log).toEqual(['c start', 'c stop', 'd start']);
    await a.lease.close();
    await b.lease.close();
  });

  it('a holder whose key was overwritten (another revision) gives the lease up at its next renewal', async () => {
    const log: string[] = [];
    const a = await contender(nats, 'e', 'k3', log);
    await eventually('e holds it', () => a.working());
    const kv = await new Kvm(nats.nc).open(LEASES_BUCKET);
    await kv.put('k3', JSON.stringify({ holder: 'operator' }));
    await eventually('e gave it up', () => !a.working(), TTL_MS);
    expect(a.errors.map((e) => (e as Error).message)).toContain('lease k3: taken by another holder');
    expect((await kv.get('k3'))?.json()).toEqual({ holder: 'operator' }); // not released: it is not e's
    await a.lease.close();
  });
});
