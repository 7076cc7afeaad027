import { stringify } from 'yaml';
import { DefinitionRegistry, readDefinitionSource } from '@ledgerflow/definitions';
import { InMemoryEventStore } from '@ledgerflow/event-store';
import { RunRepository } from '@ledgerflow/service-runtime';
import type { Logger } from '@ledgerflow/telemetry';
import { SchedulerHost } from './scheduler.host.js';
import { RunStarter } from './start-run.js';
import { WorkflowCatalog } from './workflow-catalog.js';

const PLANNER = { kind: 'service', id: 'planner' } as const;
const errors: string[] = [];

/** One planner replica: its own catalog (folded from the shared store), starter and scheduler; `started` its ticks. */
function replica(store: InMemoryEventStore) {
  const started: string[] = [];
  const logger: Logger = {
    service: 'planner',
    level: 'info',
    debug: () => undefined,
    warn: () => undefined,
    info: (msg, fields) => void (msg === 'scheduled run started' && started.push(String(fields?.scheduledAt))),
    error: (msg, fields) => void errors.push(`${msg} ${JSON.stringify(fields)}`),
    child: () => logger,
  };
  const catalog = new WorkflowCatalog(store, new DefinitionRegistry(), PLANNER, logger);
  const starter = new RunStarter(catalog, new RunRepository(store, PLANNER));
  return { catalog, started, scheduler: new SchedulerHost(catalog, starter, store, logger) };
}

describe('SchedulerHost on two replicas sharing one store', () => {
  it('both tick every second, and each tick has exactly one run, in an unbroken sequence', async () => {
    const store = new InMemoryEventStore();
    const text = stringify({
      id: 'tick',
      version: '1.0.0',
      trigger: { schedule: '* * * * * *', catchUp: 'all' },
      tools: { bench: ['noop'] },
      agents: { a: ['bench.noop'] },
      steps: [{ id: 's', tool: 'bench', action: 'noop', agent: 'a' }],
    });
    const { definition, document, digest } = readDefinitionSource(text, 'test');
    const a = replica(store);
    const b = replica(store);
    await a.catalog.register({
      workflowId: definition.id,
      version: definition.version,
      definition: document,
      digest,
      source: 'api',
      registeredBy: PLANNER,
    });
    await b.catalog.catchUp(); // as WorkflowRegistryHost does at start
    await Promise.all([a.scheduler.onApplicationBootstrap(), b.scheduler.onApplicationBootstrap()]);
    await new Promise((resolve) => setTimeout(resolve, 3_300));
    a.scheduler.onApplicationShutdown();
    b.scheduler.onApplicationShutdown();

    const triggered = (await store.readAll({ maxCount: 10_000 })).filter((e) => e.type === 'RunTriggered');
    const keys = triggered.map((e) => (e.data as { trigger: { source: string; idempotencyKey: string } }).trigger);
    expect(keys.every((k) => k.source === 'schedule')).toBe(true);
    const ticks = keys.map((k) => Date.parse(k.idempotencyKey.slice('schedule:'.length))).sort((x, y) => x - y);
    expect(new Set(ticks).size).toBe(ticks.length);
    expect(ticks.length).toBeGreaterThanOrEqual(3);
    expect(ticks.slice(1).map((t, i) => t - (ticks[i] as number))).toEqual(ticks.slice(1).map(() => 1_000));
    expect(errors).toEqual([]);
    // Both replicas started (or found) the runs of the same ticks.
    expect(a.started.length).toBeGreaterThanOrEqual(3);
    expect(b.started.length).toBeGreaterThanOrEqual(3);
  }, 15_000);
});
