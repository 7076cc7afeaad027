import { join } from 'node:path';
import type { NatsConnection } from '@nats-io/nats-core';
import type { ToolCatalogEntry } from '@ledgerflow/contracts';
import {
  connectNats,
  ensureStreams,
  generateNatsCredentials,
  natsAuthFromEnv,
  readToolCatalog,
  seedFileName,
  writeNatsCredentials,
} from '@ledgerflow/messaging';
import { removeDir, startNatsServer, tempDir, type NatsServerHandle } from '@ledgerflow/testing';
import { defineTool, startToolWorker, type ToolLogger, type ToolWorker } from './index.js';

/**
 * The tool catalog as tool workers announce it (docs/planning.md): nats-server with the authorization `ledgerflow nats
 * credentials` renders, a service creating the bucket `LF_TOOLS`, workers announcing at start as their own NATS users,
 * the gateway reading what they put.
 */
describe('tool workers announce their tools in the catalog', () => {
  let dir: string;
  let server: NatsServerHandle;
  const open: NatsConnection[] = [];
  const workers: ToolWorker[] = [];

  const as = async (name: string): Promise<NatsConnection> => {
    const auth = natsAuthFromEnv({ NATS_NKEY_SEED_FILE: join(dir, seedFileName(name)) });
    const nc = await connectNats({ servers: server.url, name, auth, extra: { maxReconnectAttempts: 0 } });
    open.push(nc);
    return nc;
  };
  const warnings: Array<{ message: string; fields?: Record<string, unknown> }> = [];
  const logger: ToolLogger = {
    info: () => undefined,
    // Only the catalog's warnings (the grants-disabled one is tool-worker-grants.int.spec.ts's subject).
    warn: (message, fields) =>
      void (message.startsWith('tool catalog') && warnings.push({ message, ...(fields ? { fields } : {}) })),
    error: () => undefined,
  };
  const tool = (t: string, action: string, extra: Partial<Parameters<typeof defineTool>[0]> = {}) =>
    defineTool({ tool: t, action, handler: () => ({}), ...extra });

  beforeAll(async () => {
    dir = await tempDir('lf-tool-catalog-');
    await writeNatsCredentials(
      dir,
      generateNatsCredentials({ toolWorkers: { 'claims-workers': ['lf.tool.billing.payout', 'lf.tool.fraud.>'] } }),
    );
    server = await startNatsServer({ args: ['-c', join(dir, 'nats-server.conf')] });
  });

  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.stop()));
    warnings.length = 0;
  });

  afterAll(async () => {
    await Promise.all(open.map((nc) => nc.close()));
    await server?.stop();
    await removeDir(dir);
  });

  it('logs a failed announcement while no service has created the bucket, and serves anyway', async () => {
    const worker = startToolWorker({
      nc: await as('claims-workers'),
      name: 'claims-workers',
      tools: [tool('billing', 'payout')],
      grants: 'disabled',
      logger,
    });
    workers.push(worker);
    expect(await worker.announced).toBe(false);
    expect(warnings.map((w) => [w.message, w.fields?.['tools']])).toEqual([
      ['tool catalog announcement failed', ['billing.payout']],
    ]);
  });

  it('puts one entry per tool action, with defaults, cost hints and the worker, and the last start wins', async () => {
    await ensureStreams(await as('planner'));
    const nc = await as('claims-workers');
    const first = startToolWorker({
      nc,
      name: 'claims-workers',
      grants: 'disabled',
      logger,
      tools: [
        tool('billing', 'payout', {
          description: 'Pays a claim out',
          inputSchema: { type: 'object', required: ['amount'] },
          outputSchema: { type: 'object', properties: { paid: { type: 'boolean' } } },
          cost: { usd: 0.01, latencyMs: 250 },
        }),
        tool('fraud', 'score'),
      ],
    });
    workers.push(first);
    const before = Date.now();
    expect(await first.announced).toBe(true);
    const gateway = await as('gateway');
    const catalog = await readToolCatalog(gateway);
    expect(catalog).toEqual<ToolCatalogEntry[]>([
      {
        tool: 'billing',
        action: 'payout',
        description: 'Pays a claim out',
        inputSchema: { type: 'object', required: ['amount'] },
        outputSchema: { type: 'object', properties: { paid: { type: 'boolean' } } },
        capability: 'billing.payout',
        cost: { usd: 0.01, latencyMs: 250 },
        worker: 'claims-workers',
        announcedAt: expect.any(String) as string,
      },
      {
        tool: 'fraud',
        action: 'score',
        description: '',
        inputSchema: true,
        outputSchema: true,
        capability: 'fraud.score',
        worker: 'claims-workers',
        announcedAt: expect.any(String) as string,
      },
    ]);
    expect(Date.parse(catalog[0]!.announcedAt)).toBeLessThanOrEqual(Date.now());
    expect(Date.parse(catalog[0]!.announcedAt)).toBeGreaterThanOrEqual(before - 1000);

    const again = startToolWorker({
      nc,
      name: 'claims-workers',
      grants: 'disabled',
      logger,
      tools: [tool('fraud', 'score', { description: 'v2' })],
    });
    workers.push(again);
    expect(await again.announced).toBe(true);
    expect((await readToolCatalog(gateway)).map((e) => [e.capability, e.description])).toEqual([
      ['billing.payout', 'Pays a claim out'],
      ['fraud.score', 'v2'],
    ]);
    expect(warnings).toEqual([]);
  });

  it('cannot put the key of a tool it does not serve: that one is logged, the others are announced', async () => {
    await ensureStreams(await as('planner'));
    const worker = startToolWorker({
      nc: await as('claims-workers'),
      name: 'claims-workers',
      grants: 'disabled',
      logger,
      tools: [tool('billing', 'refund'), tool('fraud', 'flag')],
    });
    workers.push(worker);
    expect(await worker.announced).toBe(false);
    expect(String(warnings[0]?.fields?.['error'])).toContain('billing.refund');
    expect(String(warnings[0]?.fields?.['error'])).not.toContain('fraud.flag');
    const capabilities = (await readToolCatalog(await as('gateway'))).map((e) => e.capability);
    expect(capabilities).toContain('fraud.flag');
    expect(capabilities).not.toContain('billing.refund');
  });

  it('announces nothing with announce: false', async () => {
    const worker = startToolWorker({
      nc: await as('claims-workers'),
      name: 'claims-workers',
      grants: 'disabled',
      logger,
      announce: false,
      tools: [tool('fraud', 'quiet')],
    });
    workers.push(worker);
    expect(await worker.announced).toBe(false);
    expect((await readToolCatalog(await as('gateway'))).map((e) => e.capability)).not.toContain('fraud.quiet');
  });

  it('refuses a cost hint that is not a finite number >= 0', () => {
    expect(() => tool('billing', 'payout', { cost: { usd: -1 } })).toThrow(/cost.usd of billing.payout/);
    expect(() => tool('billing', 'payout', { cost: { latencyMs: Number.NaN } })).toThrow(/cost.latencyMs/);
  });
});
