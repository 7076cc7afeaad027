import { join } from 'node:path';
import {
  ANCHORS_STREAM,
  EVENTS_STREAM,
  SERVICE_LEASES,
  TOOLS_BUCKET,
  TRIGGERS_STREAM,
  type ToolCatalogEntry,
  dedupeBucketOf,
  executorDurable,
  inboxPrefixOf,
} from '@ledgerflow/contracts';
import { Kvm } from '@nats-io/kv';
import { aCatalogEntry, removeDir, startNatsServer, tempDir, type NatsServerHandle } from '@ledgerflow/testing';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { nkeys, type Msg, type NatsConnection } from '@nats-io/nats-core';
import { connectNats } from './connect.js';
import { natsAuthFromEnv } from './nats-client-auth.js';
import { Lease } from './lease.js';
import {
  generateNatsCredentials,
  seedFileName,
  writeNatsCredentials,
  type NatsCredential,
} from './nats-credentials.js';
import { eventually, sleep } from './nats.spec-util.js';
import { ensureStreams } from './streams.js';
import { announceTools, readToolCatalog } from './tool-catalog.js';

/**
 * The bus as a trust boundary: nats-server 2.9 started with the config `ledgerflow nats credentials` renders;
 * each principal's rights checked by what the server refuses (the permission violation the client is told
 * about) and by what a spy with every right (admin) and the streams actually received.
 */
const SERVICES = ['planner', 'executor', 'policy', 'approval', 'memory', 'gateway'] as const;
const PRINCIPALS = [...SERVICES, 'publisher', 'bench-workers', 'claims-workers'] as const;
type Principal = (typeof PRINCIPALS)[number] | 'admin';

/** Who may publish each subject (the rules of docs/subjects.md); everyone else is refused. */
const MAY_PUBLISH: Record<string, readonly Principal[]> = {
  'lf.policy.evaluate': ['executor'],
  'lf.tool.bench.record': ['executor'],
  'lf.approval.decide-gate': ['gateway'],
  'lf.planner.start-run': ['gateway'],
  'lf.planner.start-goal': ['gateway'],
  'lf.planner.fork-run': ['gateway'],
  'lf.planner.run-command': ['gateway'],
  'lf.planner.register-workflow': ['gateway', 'memory'],
  'lf.policy.register-pack': ['gateway'],
  'lf.memory.step-stats': ['gateway'],
  'lf.evt.run.run-1.GateDecided': ['planner'],
  'lf.anchor.run.run-1': ['planner'],
  'lf.trigger.claim-review': ['publisher'],
};

/** Who may subscribe each subject with a core subscription; everyone else is refused. */
const MAY_SUBSCRIBE: Record<string, readonly Principal[]> = {
  'lf.policy.evaluate': ['policy'],
  'lf.approval.decide-gate': ['approval'],
  'lf.planner.run-command': ['planner'],
  'lf.planner.start-goal': ['planner'],
  'lf.planner.register-workflow': ['planner'],
  'lf.policy.register-pack': ['policy'],
  'lf.evt.policypack.policypack-claims-payout.PolicyPackVersionRegistered': ['policy'],
  'lf.memory.step-stats': ['memory'],
  'lf.tool.bench.record': ['bench-workers'],
  'lf.tool.billing.payout': ['claims-workers'],
  'lf.evt.>': [],
  'lf.anchor.>': [],
  '_INBOX.>': [],
};

describe('NATS authorization (generated nkey users and permissions)', () => {
  let dir: string;
  let server: NatsServerHandle;
  let credentials: NatsCredential[];
  const open: NatsConnection[] = [];
  const credentialOf = (name: string) => credentials.find((c) => c.principal.name === name) as NatsCredential;

  const shared = new Map<Principal, { nc: NatsConnection; violations: string[] }>();
  /** The suite's one connection as `name` for the matrices, its violations cleared. */
  async function sharedAs(name: Principal): Promise<{ nc: NatsConnection; violations: string[] }> {
    let connection = shared.get(name);
    if (!connection) shared.set(name, (connection = await as(name)));
    connection.violations.length = 0;
    return connection;
  }

  /** Connects as `name`; `violations` collects the permission violations the server reports to it. */
  async function as(name: Principal): Promise<{ nc: NatsConnection; violations: string[] }> {
    const auth = natsAuthFromEnv({ NATS_NKEY_SEED_FILE: join(dir, seedFileName(name)) });
    const nc = await connectNats({ servers: server.url, name, auth, extra: { maxReconnectAttempts: 0 } });
    open.push(nc);
    const violations: string[] = [];
    void (async () => {
      for await (const s of nc.status())
        if (s.type === 'error' && /Permissions Violation/.test(String(s.error)))
          violations.push(String(s.error.message));
    })();
    return { nc, violations };
  }

  /**
   * Flushes `nc` (the server handles everything sent before the PING first), then waits until `count`
   * violations were reported (the client's status iterator delivers them asynchronously) or 50 ms for none.
   */
  async function settled(nc: NatsConnection, violations: string[], count: number): Promise<string[]> {
    await nc.flush();
    if (count === 0) await sleep(50);
    else
      await eventually(`${count} permission violation(s)`, () => violations.length >= count, 2_000).catch(
        () => undefined,
      );
    return violations;
  }

  beforeAll(async () => {
    dir = await tempDir('lf-nats-auth-');
    credentials = generateNatsCredentials({
      toolWorkers: { 'bench-workers': ['lf.tool.bench.>'], 'claims-workers': ['lf.tool.billing.>', 'lf.tool.fraud.>'] },
    });
    await writeNatsCredentials(dir, credentials);
    server = await startNatsServer({ args: ['-c', join(dir, 'nats-server.conf')] });
  });

  afterAll(async () => {
    await Promise.all(open.map((nc) => nc.close()));
    await server?.stop();
    await removeDir(dir);
  });

  it('refuses a client without credentials and one with a seed the server does not know', async () => {
    await expect(
      connectNats({ servers: server.url, name: 'anonymous', extra: { maxReconnectAttempts: 0 } }),
    ).rejects.toThrow(/Authorization Violation/);
    const stranger = new TextDecoder().decode(nkeys.createUser().getSeed());
    await expect(
      connectNats({
        servers: server.url,
        name: 'stranger',
        auth: { seed: stranger },
        extra: { maxReconnectAttempts: 0 },
      }),
    ).rejects.toThrow(/Authorization Violation/);
  });

  it.each(Object.entries(MAY_PUBLISH))(
    "lets only %s's publishers publish it; the server refuses the others and nothing arrives",
    async (subject, allowed) => {
      const spy = await as('admin');
      const received: string[] = [];
      spy.nc.subscribe(subject, {
        callback: (_e, m) => {
          received.push(m.string());
        },
      });
      await spy.nc.flush();
      for (const name of PRINCIPALS) {
        const { nc, violations } = await sharedAs(name);
        nc.publish(subject, name);
        if (allowed.includes(name)) expect(await settled(nc, violations, 0)).toEqual([]);
        else expect(await settled(nc, violations, 1)).toEqual([`Permissions Violation for Publish to "${subject}"`]);
      }
      await spy.nc.flush();
      expect(received.sort()).toEqual([...allowed].sort());
    },
  );

  it.each(Object.entries(MAY_SUBSCRIBE))('lets only its own principal subscribe %s', async (subject, allowed) => {
    for (const name of PRINCIPALS) {
      const { nc, violations } = await sharedAs(name);
      nc.subscribe(subject, { queue: 'q' });
      if (allowed.includes(name)) expect(await settled(nc, violations, 0)).toEqual([]);
      else
        expect(await settled(nc, violations, 1)).toEqual([
          `Permissions Violation for Subscription to "${subject}" using queue "q"`,
        ]);
    }
  });

  it('keeps replies private: only the executor reads its inbox, and no one but the policy service answers its request', async () => {
    const executorInbox = `${inboxPrefixOf(credentialOf('executor').publicKey)}.>`;
    for (const name of PRINCIPALS.filter((p) => p !== 'executor')) {
      const { nc, violations } = await sharedAs(name);
      nc.subscribe(executorInbox);
      nc.publish(`${inboxPrefixOf(credentialOf('executor').publicKey)}.forged`, 'a forged grant');
      expect(await settled(nc, violations, 2)).toEqual([
        `Permissions Violation for Subscription to "${executorInbox}"`,
        `Permissions Violation for Publish to "${inboxPrefixOf(credentialOf('executor').publicKey)}.forged"`,
      ]);
    }
    const policy = await as('policy');
    policy.nc.subscribe('lf.policy.evaluate', {
      queue: 'policy',
      callback: (_e, m: Msg) => {
        m.respond('grant');
      },
    });
    await policy.nc.flush();
    const executor = await as('executor');
    const reply = await executor.nc.request('lf.policy.evaluate', 'evaluate', { timeout: 2_000 });
    expect(reply.string()).toBe('grant');
    expect(reply.subject.startsWith(inboxPrefixOf(credentialOf('executor').publicKey))).toBe(true);
    expect([...policy.violations, ...executor.violations]).toEqual([]);
  });

  it('lets services manage the streams and pull their own consumer through their own inbox, and the publisher append triggers only', async () => {
    const planner = await as('planner');
    await ensureStreams(planner.nc);
    const executor = await as('executor');
    await ensureStreams(executor.nc);
    const durable = executorDurable('PlanCreated');
    await (
      await jetstreamManager(executor.nc)
    ).consumers.add(EVENTS_STREAM, {
      durable_name: durable,
      ack_policy: 'explicit',
      filter_subject: 'lf.evt.run.*.PlanCreated',
    } as never);
    await jetstream(planner.nc).publish('lf.evt.run.run-2.PlanCreated', '{}', { msgID: 'evt-1' });
    await jetstream(planner.nc).publish('lf.anchor.run.run-2', '{}', { msgID: 'run-2@0' });
    await expect(jetstream(executor.nc).publish('lf.anchor.run.run-2', '{}', { msgID: 'run-2@1' })).rejects.toThrow(
      /Permissions Violation/,
    );
    const message = await (await jetstream(executor.nc).consumers.get(EVENTS_STREAM, durable)).next({ expires: 2_000 });
    expect(message?.subject).toBe('lf.evt.run.run-2.PlanCreated');
    await message?.ackAck();

    // The memory service may not create a consumer under another service's durable name.
    const memory = await as('memory');
    await expect(
      (await jetstreamManager(memory.nc)).consumers.add(EVENTS_STREAM, {
        durable_name: durable,
        ack_policy: 'explicit',
      } as never),
    ).rejects.toThrow();
    expect((await settled(memory.nc, memory.violations, 1)).some((v) => v.includes('$JS.API.CONSUMER'))).toBe(true);

    const publisher = await as('publisher');
    await jetstream(publisher.nc).publish('lf.trigger.claim-review', '{}', { msgID: 'crm-1' });
    await expect(
      jetstream(publisher.nc).publish('lf.evt.run.run-2.GateDecided', '{}', { msgID: 'forged' }),
    ).rejects.toThrow(/Permissions Violation/);
    const jsm = await jetstreamManager((await as('admin')).nc);
    expect((await jsm.streams.info(TRIGGERS_STREAM)).state.messages).toBe(1);
    expect((await jsm.streams.info(EVENTS_STREAM)).state.messages).toBe(1);
    expect((await jsm.streams.info(ANCHORS_STREAM)).state.messages).toBe(1);
    expect(planner.violations).toEqual([]);
    expect(executor.violations.filter((v) => !v.includes('lf.anchor.run.run-2'))).toEqual([]);
  });

  it('lets the planner create LF_LEASES and take, renew and release the lease relay; no other service may touch it', async () => {
    const planner = await as('planner');
    await holdLease(planner.nc, 'relay', 1_000); // at least one renewal (every TTL/3)
    expect(planner.violations).toEqual([]);
    // The planner holds no other key.
    const other = await Lease.open({ nc: planner.nc, key: 'memory-projection', ttlMs: 2_000, pollMs: 100 });
    other.run(async () => ({ stop: async () => undefined }));
    expect(
      (await settled(planner.nc, planner.violations, 1)).some((v) => v.includes('$KV.LF_LEASES.memory-projection')),
    ).toBe(true);
    await other.close();

    for (const name of SERVICES.filter((s) => s !== 'planner')) {
      const { nc, violations } = await sharedAs(name);
      // A service without lease keys may not even open the bucket; memory may (its key is memory), not take relay.
      if (SERVICE_LEASES[name].length === 0) await expect(Lease.open({ nc, key: 'relay' })).rejects.toThrow();
      nc.publish('$KV.LF_LEASES.relay', '{}');
      expect((await settled(nc, violations, 1)).some((v) => v.includes('$KV.LF_LEASES.relay'))).toBe(true);
    }
  });

  it("lets a tool worker keep its replies in its own dedupe bucket, and not in another worker's", async () => {
    const worker = await as('bench-workers');
    const own = await new Kvm(worker.nc).create(dedupeBucketOf('bench-workers'), { history: 1 });
    await own.put('bench=2erecord/run-1/s/1', '{"state":"done"}');
    expect((await own.get('bench=2erecord/run-1/s/1'))?.string()).toBe('{"state":"done"}');
    expect(worker.violations).toEqual([]);
    await expect(new Kvm(worker.nc).create(dedupeBucketOf('claims-workers'), { history: 1 })).rejects.toThrow();
    worker.nc.publish(`$KV.${dedupeBucketOf('claims-workers')}.x`, '{}');
    expect((await settled(worker.nc, worker.violations, 2)).some((v) => v.includes('LF_DEDUPE_claims-workers'))).toBe(
      true,
    );
  });

  it('lets a tool worker announce the catalog keys of its own tools only; the gateway and the planner read the catalog, nobody else writes it', async () => {
    await ensureStreams((await as('memory')).nc); // any service creates the bucket LF_TOOLS
    const entry = (tool: string, action: string, worker: string): ToolCatalogEntry =>
      aCatalogEntry(tool, action, { description: `${tool} ${action}`, worker });
    const bench = await as('bench-workers');
    await announceTools(bench.nc, [entry('bench', 'record', 'bench-workers'), entry('bench', 'noop', 'bench-workers')]);
    const claims = await as('claims-workers');
    await announceTools(claims.nc, [entry('billing', 'payout', 'claims-workers')]);
    expect([...bench.violations, ...claims.violations]).toEqual([]);
    // Not a key of a tool it serves: refused by the server, nothing stored.
    await expect(
      announceTools(claims.nc, [entry('bench', 'record', 'claims-workers')], { timeoutMs: 1_000 }),
    ).rejects.toThrow();
    expect((await settled(claims.nc, claims.violations, 1)).some((v) => v.includes('$KV.LF_TOOLS.bench.record'))).toBe(
      true,
    );

    for (const name of ['gateway', 'planner'] as const) {
      const reader = await as(name);
      const catalog = await readToolCatalog(reader.nc);
      expect(catalog.map((e) => `${e.capability} ${e.worker}`)).toEqual([
        'bench.noop bench-workers',
        'bench.record bench-workers',
        'billing.payout claims-workers',
      ]);
      const kv = await new Kvm(reader.nc).open(TOOLS_BUCKET);
      const keys: string[] = [];
      for await (const key of await kv.keys()) keys.push(key);
      expect(keys.sort()).toEqual(['bench.noop', 'bench.record', 'billing.payout']);
      const watched: string[] = [];
      const watch = await kv.watch();
      for await (const e of watch) {
        watched.push(e.key);
        if (watched.length === 3) break;
      }
      expect(watched.sort()).toEqual(['bench.noop', 'bench.record', 'billing.payout']);
      expect(reader.violations).toEqual([]);
      await expect(announceTools(reader.nc, [entry('bench', 'record', name)], { timeoutMs: 1_000 })).rejects.toThrow();
    }
    for (const name of ['executor', 'policy', 'approval', 'memory', 'publisher'] as const) {
      const { nc } = await sharedAs(name);
      await expect(readToolCatalog(nc)).rejects.toThrow();
    }
    const admin = await new Kvm((await as('admin')).nc).open(TOOLS_BUCKET);
    expect(JSON.parse((await admin.get('bench.record'))?.string() ?? '{}')).toMatchObject({ worker: 'bench-workers' });
  });

  it('lets memory hold its own lease memory (its projection has one writer), and only that one', async () => {
    const memory = await as('memory');
    await holdLease(memory.nc, 'memory', 0);
    expect(memory.violations).toEqual([]);
  });

  /** Takes lease `key` (TTL 2 s), checks it is still held after `holdMs`, releases it and checks its work stopped. */
  async function holdLease(nc: NatsConnection, key: string, holdMs: number): Promise<void> {
    const lease = await Lease.open({ nc, key, ttlMs: 2_000, pollMs: 100 });
    let working = false;
    lease.run(async () => {
      working = true;
      return { stop: async () => void (working = false) };
    });
    await eventually(`the lease ${key} is held`, () => working && lease.held);
    await sleep(holdMs);
    expect(lease.held).toBe(true);
    await lease.close();
    expect(working).toBe(false);
  }
});
