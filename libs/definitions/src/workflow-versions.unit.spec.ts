import { parse, stringify } from 'yaml';
import { WORKFLOW_VERSION_REGISTERED } from '@ledgerflow/contracts';
import type { WorkflowVersionRegistered } from '@ledgerflow/contracts';
import { miniYaml } from './definition-fixtures.spec-util.js';
import {
  DefinitionError,
  WorkflowVersionExistsError,
  decideRegistration,
  definitionDigestOf,
  foldWorkflowVersions,
  initialWorkflowVersions,
  readDefinitionSource,
  workflowSummaryOf,
  workflowViewOf,
} from './index.js';
import type { WorkflowStreamEvent } from './index.js';

const candidate = (yaml: string, source: 'api' | 'directory' = 'api'): WorkflowVersionRegistered => {
  const read = readDefinitionSource(yaml, 'mini.yaml');
  return {
    workflowId: read.definition.id,
    version: read.definition.version,
    definition: read.document,
    digest: read.digest,
    source,
    registeredBy: { kind: 'human', id: 'ana' },
  };
};
const stored = (events: WorkflowVersionRegistered[]): WorkflowStreamEvent[] =>
  events.map((data, revision) => ({
    type: WORKFLOW_VERSION_REGISTERED,
    data,
    revision,
    recordedAt: `2026-05-01T10:00:0${revision}.000Z`,
  }));

describe('workflow versions (given events, when registering, then events)', () => {
  const v1 = candidate(miniYaml());

  it('registers a first version of a new workflow', () => {
    expect(decideRegistration(initialWorkflowVersions('mini'), v1)).toEqual([v1]);
  });

  it('is a no-op for the same version with the same content, whatever its layout, comments or key order', () => {
    const state = foldWorkflowVersions('mini', stored([v1]));
    const reordered = Object.fromEntries(Object.entries(parse(miniYaml()) as Record<string, unknown>).reverse());
    const relaid = candidate(`# a comment\n${stringify(reordered, { indent: 4 })}`, 'directory');
    expect(relaid.digest).toBe(v1.digest);
    expect(decideRegistration(state, relaid)).toEqual([]);
  });

  it('refuses the same version with other content: versions are immutable', () => {
    const state = foldWorkflowVersions('mini', stored([v1]));
    const changed = candidate(miniYaml({ title: 'changed' }));
    let caught: unknown;
    try {
      decideRegistration(state, changed);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(WorkflowVersionExistsError);
    expect(caught).toMatchObject({
      code: 'workflow_version_exists',
      retryable: false,
      details: {
        workflowId: 'mini',
        version: '1.0.0',
        field: '/version',
        rule: 'immutable_version',
        digest: changed.digest,
        registeredDigest: v1.digest,
      },
    });
  });

  it('registers a new version next to the old ones', () => {
    const v2 = candidate(miniYaml({ version: '1.10.0', title: 'Mini, v1.10' }));
    expect(decideRegistration(foldWorkflowVersions('mini', stored([v1])), v2)).toEqual([v2]);
  });
});

describe('foldWorkflowVersions and the views', () => {
  it('orders versions by semver precedence, tracks the revision and names the latest', () => {
    const events = stored([
      candidate(miniYaml({ version: '1.2.0' })),
      candidate(miniYaml({ version: '1.10.0', title: 'Ten' })),
      candidate(miniYaml({ version: '1.10.0-rc.1' })),
    ]);
    const state = foldWorkflowVersions('mini', events);
    expect(state.revision).toBe(2);
    expect(state.versions.map((v) => v.version)).toEqual(['1.10.0', '1.10.0-rc.1', '1.2.0']);
    expect(workflowSummaryOf(state)).toEqual({
      workflowId: 'mini',
      title: 'Ten',
      latestVersion: '1.10.0',
      versionCount: 3,
    });
    expect(workflowViewOf(state)?.versions[2]).toEqual({
      version: '1.2.0',
      digest: events[0]?.data && (events[0].data as WorkflowVersionRegistered).digest,
      source: 'api',
      registeredAt: '2026-05-01T10:00:00.000Z',
      registeredBy: { kind: 'human', id: 'ana' },
      title: 'mini',
    });
  });

  it('folds a later part of a stream onto an earlier state', () => {
    const events = stored([candidate(miniYaml()), candidate(miniYaml({ version: '2.0.0' }))]);
    const first = foldWorkflowVersions('mini', events.slice(0, 1));
    expect(foldWorkflowVersions('mini', events.slice(1), first)).toEqual(foldWorkflowVersions('mini', events));
  });

  it('has no view of a workflow without versions', () => {
    expect(workflowSummaryOf(initialWorkflowVersions('x'))).toBeUndefined();
    expect(workflowViewOf(initialWorkflowVersions('x'))).toBeUndefined();
  });
});

describe('readDefinitionSource', () => {
  it('digests the document as written, before defaults are filled in', () => {
    const read = readDefinitionSource(miniYaml(), 'mini.yaml');
    expect(read.document).not.toHaveProperty('concurrency');
    expect(read.definition.concurrency).toBe(4);
    expect(read.digest).toBe(definitionDigestOf(JSON.parse(JSON.stringify(read.document))));
    expect(read.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('reads JSON text as well as YAML, to the same digest', () => {
    const yaml = readDefinitionSource(miniYaml(), 'mini.yaml');
    expect(readDefinitionSource(JSON.stringify(yaml.document), 'mini.json').digest).toBe(yaml.digest);
  });

  it('refuses with the errors of start-up: source, JSON pointer and rule', () => {
    const bad = miniYaml({ steps: [{ id: 'a', tool: 'nope', action: 'extract', agent: 'intake' }] });
    expect(() => readDefinitionSource(bad, 'workflows/mini')).toThrow(DefinitionError);
    expect(() => readDefinitionSource(bad, 'workflows/mini')).toThrow(
      expect.objectContaining({
        code: 'definition_unknown_tool',
        details: expect.objectContaining({
          source: 'workflows/mini',
          errors: [expect.objectContaining({ path: '/steps/0/tool', rule: 'declared_tool' })],
        }),
      }),
    );
    expect(() => readDefinitionSource('id: [unclosed', 'x.yaml')).toThrow(
      expect.objectContaining({
        code: 'definition_invalid',
        details: expect.objectContaining({ errors: [expect.objectContaining({ rule: 'yaml_syntax', line: 1 })] }),
      }),
    );
  });
});
