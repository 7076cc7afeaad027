import {
  LEASES_BUCKET,
  NATS_SERVICE_PRINCIPALS,
  dedupeSubjects,
  leaseSubjects,
  servicePermissions,
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
    expect(worker.publish).toEqual(dedupeSubjects('bench-workers'));
    expect(worker.publish.filter((s) => s.includes('LF_DEDUPE_') && !s.includes('LF_DEDUPE_bench-workers'))).toEqual(
      [],
    );
    expect(toolWorkerPermissions(['lf.tool.bench.>'], '_INBOX_W').publish).toEqual([]);
    const executor = servicePermissions('executor', '_INBOX_E');
    expect(executor.publish).toContain('lf.executor.presence.*');
    expect(executor.subscribe).toContain('lf.executor.presence.*');
    expect(servicePermissions('policy', '_INBOX_P').publish).not.toContain('lf.executor.presence.*');
  });
});
