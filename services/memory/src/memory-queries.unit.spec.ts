import { InMemoryEventStore } from '@ledgerflow/event-store';
import { DriftRecorder } from './drift/drift-recorder.js';
import { MemoryQueries } from './memory-queries.js';
import { MemoryProjection } from './memory.projection.js';
import { Positions, RunBuilder } from './memory-history.spec-util.js';

describe('MemoryQueries', () => {
  let projection: MemoryProjection;
  let queries: MemoryQueries;
  beforeEach(() => {
    projection = new MemoryProjection(':memory:');
    queries = new MemoryQueries(projection, new DriftRecorder(projection.database, new InMemoryEventStore()));
    const positions = new Positions();
    const runs = Array.from({ length: 3 }, (_, i) =>
      new RunBuilder(`r${i}`, 'claims', i * 600_000, positions)
        .triggered()
        .planned(['claims'])
        .started('extract')
        .succeeded('extract', 10, { confidence: 0.4 })
        .gateOpened('extract', 'confidence', 0.4)
        .gateDecided('extract', 'approved', 1000, { fixed: i }),
    );
    runs.forEach((run) => projection.apply(run.events));
  });
  afterEach(() => projection.close());

  it('answers insights of a workflow', () => {
    expect(queries.insights({ workflowId: 'claims' })).toMatchObject({
      workflowId: 'claims',
      scope: ['claims'],
      runs: 3,
    });
  });

  it('pages labels: default limit 100, a cursor to follow', () => {
    expect(queries.labels({ workflowId: 'claims' }).labels).toHaveLength(3);
    const first = queries.labels({ workflowId: 'claims', stepId: 'extract', limit: 2 });
    expect(first.labels.map((label) => label.runId)).toEqual(['r0', 'r1']);
    expect(queries.labels({ workflowId: 'claims', after: first.next, limit: 2 })).toEqual({
      labels: [expect.objectContaining({ runId: 'r2', correctedOutput: { fixed: 2 } })],
    });
  });

  it.each([
    [{}],
    [{ workflowId: 'Claims!' }],
    [{ workflowId: 'claims', limit: 0 }],
    [{ workflowId: 'claims', limit: 1001 }],
    [{ workflowId: 'claims', limit: 1.5 }],
    [{ workflowId: 'claims', stepId: 'no.dots' }],
    [{ workflowId: 'claims', after: 'not-a-cursor' }],
    [{ workflowId: 'claims', unknown: true }],
  ])('refuses a malformed labels request %j with request_invalid', (body) => {
    expect(() => queries.labels(body)).toThrow(expect.objectContaining({ code: 'request_invalid' }));
  });

  it('refuses a malformed insights request', () => {
    expect(() => queries.insights({ workflowId: 42 })).toThrow(expect.objectContaining({ code: 'request_invalid' }));
  });
});
