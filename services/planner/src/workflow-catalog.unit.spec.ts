import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { WORKFLOW_VERSION_REGISTERED, workflowStreamId } from '@ledgerflow/contracts';
import { DefinitionRegistry, readDefinitionSource } from '@ledgerflow/definitions';
import type { VersionCandidate } from '@ledgerflow/definitions';
import { InMemoryEventStore } from '@ledgerflow/event-store';
import { rejectionOf } from '@ledgerflow/testing';
import { registerWorkflow } from './register-workflow.js';
import { WorkflowCatalog } from './workflow-catalog.js';
import { WorkflowDirectories } from './workflow-directories.js';

const PLANNER = { kind: 'service', id: 'planner' } as const;
const ANA = { kind: 'human', id: 'ana' } as const;

const yaml = (overrides: Record<string, unknown> = {}): string =>
  stringify({
    id: 'mini',
    version: '1.0.0',
    tools: { docs: ['extract'] },
    agents: { intake: ['docs.extract'] },
    steps: [{ id: 'a', tool: 'docs', action: 'extract', agent: 'intake' }],
    ...overrides,
  });
const candidate = (text: string): VersionCandidate => {
  const { definition, document, digest } = readDefinitionSource(text, 'test');
  return {
    workflowId: definition.id,
    version: definition.version,
    definition: document,
    digest,
    source: 'api',
    registeredBy: ANA,
  };
};

describe('WorkflowCatalog (two planner replicas on one store)', () => {
  let store: InMemoryEventStore;
  let a: WorkflowCatalog;
  let b: WorkflowCatalog;
  beforeEach(() => {
    store = new InMemoryEventStore();
    a = new WorkflowCatalog(store, new DefinitionRegistry(), PLANNER);
    b = new WorkflowCatalog(store, new DefinitionRegistry(), PLANNER);
  });

  it('serves a version registered by another replica without a restart, the latest by semver', async () => {
    await expect(b.resolve('mini')).rejects.toMatchObject({ code: 'workflow_unknown' });
    expect(await a.register(candidate(yaml()))).toMatchObject({ workflowId: 'mini', version: '1.0.0', created: true });
    expect((await b.resolve('mini')).version).toBe('1.0.0');
    await a.register(candidate(yaml({ version: '1.10.0', title: 'v1.10' })));
    await a.register(candidate(yaml({ version: '1.9.0' })));
    expect((await b.resolve('mini')).title).toBe('v1.10');
    expect((await b.resolve('mini', '1.0.0')).version).toBe('1.0.0');
  });

  it('appends once for the same digest, refuses another digest, and leaves one event per version', async () => {
    const first = candidate(yaml());
    expect((await a.register(first)).created).toBe(true);
    expect(await b.register(first)).toEqual({
      workflowId: 'mini',
      version: '1.0.0',
      digest: first.digest,
      created: false,
    });
    const refused = await rejectionOf(b.register(candidate(yaml({ title: 'changed' }))));
    expect(refused).toMatchObject({
      code: 'workflow_version_exists',
      details: { rule: 'immutable_version', registeredDigest: first.digest },
    });
    const events = await store.readStream(workflowStreamId('mini'));
    expect(events.map((e) => [e.type, e.revision])).toEqual([[WORKFLOW_VERSION_REGISTERED, 0]]);
    // Who applied it is the event's actor, recorded by the planner.
    expect(events[0]?.metadata.actor).toEqual({ ...ANA, via: PLANNER.id });
  });

  it('decides again when another replica appended since it read (expected revision)', async () => {
    await a.refresh('mini');
    await b.register(candidate(yaml({ version: '2.0.0' })));
    // `a` folded no stream; its append at no_stream conflicts, it re-reads and appends at revision 0.
    expect((await a.register(candidate(yaml()))).created).toBe(true);
    expect(
      (await store.readStream(workflowStreamId('mini'))).map((e) => (e.data as { version: string }).version),
    ).toEqual(['2.0.0', '1.0.0']);
  });

  it('catches up every workflow stream at once', async () => {
    await a.register(candidate(yaml()));
    await a.register(candidate(yaml({ id: 'other' })));
    await b.catchUp();
    expect(b.registry.list().map((d) => `${d.id}@${d.version}`)).toEqual(['mini@1.0.0', 'other@1.0.0']);
  });
});

describe('registerWorkflow (the API path)', () => {
  const catalog = () => new WorkflowCatalog(new InMemoryEventStore(), new DefinitionRegistry(), PLANNER);

  it('answers every refusal as definition_invalid naming field, rule and the start-up code, and appends nothing', async () => {
    const c = catalog();
    const bad = yaml({ steps: [{ id: 'a', tool: 'docs', action: 'extract', agent: 'ghost' }] });
    const refused = await rejectionOf(registerWorkflow(c, { workflowId: 'mini', text: bad }, ANA));
    expect(refused).toMatchObject({
      code: 'definition_invalid',
      details: {
        field: '/steps/0/agent',
        rule: 'declared_agent',
        reason: 'definition_unknown_agent',
        source: 'workflows/mini',
      },
    });
    const mismatch = await rejectionOf(registerWorkflow(c, { workflowId: 'other', text: yaml() }, ANA));
    expect(mismatch).toMatchObject({ code: 'definition_invalid', details: { field: '/id', rule: 'matches_path' } });
    expect(await c.refresh('mini')).toMatchObject({ revision: -1 });
  });
});

describe('WorkflowDirectories', () => {
  it('registers directory files once, refuses a changed file at start naming it, and registers a watched change', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lf-defs-'));
    await writeFile(join(dir, 'mini.yaml'), yaml());
    const store = new InMemoryEventStore();
    const directories = new WorkflowDirectories(
      new WorkflowCatalog(store, new DefinitionRegistry(), PLANNER),
      [dir],
      PLANNER,
      undefined,
      20,
    );
    await directories.registerAll();
    await directories.registerAll();
    expect(await store.readStream(workflowStreamId('mini'))).toHaveLength(1);
    expect((await store.readStream(workflowStreamId('mini')))[0]).toMatchObject({
      data: { source: 'directory', file: join(dir, 'mini.yaml'), registeredBy: PLANNER },
    });
    expect((await store.readStream(workflowStreamId('mini')))[0]?.metadata.actor).toEqual(PLANNER);

    await writeFile(join(dir, 'mini.yaml'), yaml({ title: 'edited in place' }));
    const refused = await rejectionOf(directories.registerAll());
    expect(refused).toMatchObject({ code: 'workflow_version_exists' });
    expect((refused as Error).message).toContain(join(dir, 'mini.yaml'));

    const catalog = new WorkflowCatalog(store, new DefinitionRegistry(), PLANNER);
    const watched = new WorkflowDirectories(catalog, [dir], PLANNER, undefined, 20);
    watched.watch();
    try {
      await writeFile(join(dir, 'mini-2.yaml'), yaml({ version: '2.0.0' }));
      for (let i = 0; i < 100 && (await store.readStream(workflowStreamId('mini'))).length < 2; i += 1)
        await new Promise((r) => setTimeout(r, 20));
      expect((await catalog.resolve('mini')).version).toBe('2.0.0');
    } finally {
      await watched.close();
    }
  });
});
