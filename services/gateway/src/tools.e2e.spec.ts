import { authHeader, devToken, startBenchStack } from '@ledgerflow/testing';
import type { BenchStack } from '@ledgerflow/testing';
import type { ToolCatalogEntry } from '@ledgerflow/contracts';

/**
 * The tool catalog end to end (docs/planning.md): the services as OS processes create the KV bucket `LF_TOOLS`, the
 * bench workers (examples/bench, their own NATS user) announce their tools when they start, and the gateway serves
 * them at `GET /v1/tools`.
 */
describe('GET /v1/tools', () => {
  let stack: BenchStack;

  beforeAll(async () => {
    stack = await startBenchStack('ledgerflow-tools-');
  }, 90_000);

  afterAll(async () => {
    await stack?.stop();
  }, 30_000);

  it("lists the bench workers' tools, by tool then action, as they announced them", async () => {
    const response = await fetch(`${stack.gatewayUrl}/v1/tools`, { headers: await authHeader(stack) });
    expect(response.status).toBe(200);
    const catalog = (await response.json()) as ToolCatalogEntry[];
    const capabilities = catalog.map((e) => e.capability);
    expect(capabilities).toEqual(expect.arrayContaining(['bench.noop', 'bench.record', 'bench.flaky', 'bench.token']));
    expect(capabilities).toEqual([...capabilities].sort());
    for (const entry of catalog) {
      expect(entry).toMatchObject({ tool: 'bench', worker: 'bench-workers', capability: `bench.${entry.action}` });
      expect(Date.parse(entry.announcedAt)).toBeGreaterThan(Date.now() - 5 * 60_000);
    }
    const reader = `Bearer ${await devToken(stack, { sub: 'reader', scopes: ['runs:read'] })}`;
    const page = await fetch(`${stack.gatewayUrl}/v1/tools?limit=1`, { headers: { authorization: reader } });
    expect([page.status, ((await page.json()) as ToolCatalogEntry[]).length]).toEqual([200, 1]);
    expect(page.headers.get('link')).toContain('cursor=');
  }, 30_000);
});
