import {
  LEASES_BUCKET,
  NATS_SERVICE_PRINCIPALS,
  dedupeSubjects,
  leaseSubjects,
  servicePermissions,
  toolCatalogReadSubjects,
  toolCatalogWriteSubjects,
  toolWorkerPermissions,
} from './nats-permissions.js';

describe('lease permissions', () => {
  it('name the bucket stream, the key subject and its direct get, for each key', () => {
    expect(leaseSubjects(['relay'])).toEqual([
      '$JS.API.STREAM.INFO.KV_LF_LEASES',
      '$JS.API.STREAM.CREATE.KV_LF_LEASES',
      '$KV.LF_LEASES.relay',
      '$JS.API.DIRECT.GET.KV_LF_LEASES.$KV.LF_LEASES.relay',
    ]);
    expect(leaseSubjects([])).toEqual([]);
  });

  it("the planner holds the relay lease, approval its gate timers', memory its projection's, no other service any", () => {
    const expected: Record<string, string[]> = {
      planner: leaseSubjects(['relay']),
      approval: leaseSubjects(['approval']),
      memory: leaseSubjects(['memory']),
    };
    for (const service of NATS_SERVICE_PRINCIPALS) {
      const leaseRights = servicePermissions(service, '_INBOX_U').publish.filter((s) => s.includes(LEASES_BUCKET));
      expect(leaseRights).toEqual(expected[service] ?? []);
    }
  });
});

describe('tool worker permissions', () => {
  it("a worker publishes only into its own dedupe bucket, and executors hear each other's heartbeats", () => {
    const worker = toolWorkerPermissions(['lf.tool.bench.>'], '_INBOX_W', 'bench-workers');
    expect(worker.publish).toEqual([...dedupeSubjects('bench-workers'), '$KV.LF_TOOLS.bench.>']);
    expect(worker.publish.filter((s) => s.includes('LF_DEDUPE_') && !s.includes('LF_DEDUPE_bench-workers'))).toEqual(
      [],
    );
    expect(toolWorkerPermissions(['lf.tool.bench.>'], '_INBOX_W').publish).toEqual(['$KV.LF_TOOLS.bench.>']);
    const executor = servicePermissions('executor', '_INBOX_E');
    expect(executor.publish).toContain('lf.executor.presence.*');
    expect(executor.subscribe).toContain('lf.executor.presence.*');
    expect(servicePermissions('policy', '_INBOX_P').publish).not.toContain('lf.executor.presence.*');
  });
});

describe('tool catalog permissions', () => {
  it('a worker may put the catalog keys of the tool subjects it serves, no other', () => {
    expect(toolCatalogWriteSubjects(['lf.tool.billing.payout', 'lf.tool.fraud.*', 'lf.tool.bench.>'])).toEqual([
      '$KV.LF_TOOLS.billing.payout',
      '$KV.LF_TOOLS.fraud.*',
      '$KV.LF_TOOLS.bench.>',
    ]);
    const worker = toolWorkerPermissions(['lf.tool.billing.payout'], '_INBOX_W', 'claims');
    expect(worker.publish.filter((s) => s.includes('LF_TOOLS'))).toEqual(['$KV.LF_TOOLS.billing.payout']);
  });

  it('the gateway and the planner read the catalog; every service may create its bucket; none writes a key', () => {
    for (const service of NATS_SERVICE_PRINCIPALS) {
      const publish = servicePermissions(service, '_INBOX_U').publish;
      const reads = toolCatalogReadSubjects().every((s) => publish.includes(s));
      expect([service, reads]).toEqual([service, service === 'gateway' || service === 'planner']);
      expect(publish).toContain('$JS.API.STREAM.CREATE.KV_LF_TOOLS');
      expect(publish.filter((s) => s.startsWith('$KV.LF_TOOLS'))).toEqual([]);
    }
  });
});

describe('consumer permissions', () => {
  it("the planner pulls its adaptive steps' durables (one per step outcome); no other service may", () => {
    const durables = ['planner-adaptive-StepSucceeded', 'planner-adaptive-StepFailed'];
    for (const service of NATS_SERVICE_PRINCIPALS) {
      const publish = servicePermissions(service, '_INBOX_U').publish;
      for (const durable of durables) {
        const held = publish.includes(`$JS.API.CONSUMER.MSG.NEXT.LF_EVENTS.${durable}`);
        expect([service, durable, held]).toEqual([service, durable, service === 'planner']);
        expect(publish.includes(`lf.dlq.${durable}`)).toBe(service === 'planner');
      }
    }
  });
});
