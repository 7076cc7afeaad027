import type { RunUpdate } from '@ledgerflow/contracts';
import { applyRunUpdate, belongsToLoadedPages, createdAfterOf, summaryOfRunView, visibleRuns } from './runs-list.js';
import type { RunSummary } from './runs-list.js';

const run = (runId: string, createdAt: string, overrides: Partial<RunSummary> = {}): RunSummary => ({
  runId,
  workflowId: 'claim-review',
  workflowVersion: '1.0.0',
  status: 'running',
  createdAt,
  updatedAt: createdAt,
  openGates: 0,
  ...overrides,
});
const update = (runId: string, type: string, status: string, occurredAt = '2026-05-01T10:05:00.000Z'): RunUpdate => ({
  type,
  runId,
  status,
  revision: 5,
  position: 50,
  occurredAt,
});

describe('the runs list under live updates', () => {
  const known = new Map([['r1', run('r1', '2026-05-01T10:00:00.000Z')]]);

  it('moves a known run to the status after the event, without reading it again', () => {
    const { patched, refetch } = applyRunUpdate(known, update('r1', 'RunCompleted', 'completed'));
    expect(patched.get('r1')).toMatchObject({ status: 'completed', updatedAt: '2026-05-01T10:05:00.000Z' });
    expect(refetch).toBe(false);
    expect(known.get('r1')?.status).toBe('running');
  });

  it('reads a run it does not know, and one whose gates changed', () => {
    expect(applyRunUpdate(known, update('r2', 'RunTriggered', 'running'))).toEqual({ patched: known, refetch: true });
    expect(applyRunUpdate(known, update('r1', 'GateOpened', 'running')).refetch).toBe(true);
  });

  it('never heals a run whose audit chain broke', () => {
    const broken = new Map([['r1', run('r1', '2026-05-01T10:00:00.000Z', { status: 'integrity_failed' })]]);
    expect(applyRunUpdate(broken, update('r1', 'RunCompleted', 'completed')).patched.get('r1')?.status).toBe(
      'integrity_failed',
    );
  });

  it('keeps the later time when updates arrive out of order', () => {
    const later = applyRunUpdate(known, update('r1', 'StepStarted', 'running', '2026-05-01T10:09:00.000Z')).patched;
    expect(
      applyRunUpdate(later, update('r1', 'StepSucceeded', 'running', '2026-05-01T10:01:00.000Z')).patched.get('r1')
        ?.updatedAt,
    ).toBe('2026-05-01T10:09:00.000Z');
  });

  it('shows the runs a filter selects, newest first', () => {
    const runs = new Map([
      ['a', run('a', '2026-05-01T10:00:00.000Z')],
      ['b', run('b', '2026-05-01T11:00:00.000Z', { status: 'completed' })],
      ['c', run('c', '2026-05-01T12:00:00.000Z', { workflowId: 'other' })],
    ]);
    expect(visibleRuns(runs, { workflowId: '', status: '', createdAfter: '' }).map((r) => r.runId)).toEqual([
      'c',
      'b',
      'a',
    ]);
    expect(visibleRuns(runs, { workflowId: 'claim-review', status: '', createdAfter: '' }).map((r) => r.runId)).toEqual(
      ['b', 'a'],
    );
    expect(visibleRuns(runs, { workflowId: '', status: 'completed', createdAfter: '' }).map((r) => r.runId)).toEqual([
      'b',
    ]);
    expect(
      visibleRuns(runs, { workflowId: '', status: '', createdAfter: '2026-05-01T11:00:00.000Z' }).map((r) => r.runId),
    ).toEqual(['c', 'b']);
  });

  it('turns a "Started" choice into a createdAfter bound', () => {
    const now = Date.parse('2026-05-01T12:00:00.000Z');
    expect(createdAfterOf(0, now)).toBe('');
    expect(createdAfterOf(3_600_000, now)).toBe('2026-05-01T11:00:00.000Z');
  });

  it('makes a list line of a run view, counting its open gates', () => {
    const line = summaryOfRunView({
      runId: 'r9',
      workflowId: 'claim-review',
      workflowVersion: '1.0.0',
      status: 'running',
      createdAt: 't1',
      updatedAt: 't2',
      gates: [{ status: 'open' }, { status: 'approved' }],
    });
    expect(line).toEqual({
      runId: 'r9',
      workflowId: 'claim-review',
      workflowVersion: '1.0.0',
      status: 'running',
      createdAt: 't1',
      updatedAt: 't2',
      openGates: 1,
    });
  });
});

describe('the runs list in pages', () => {
  it('adds a run read on a live update only when it is not older than the pages loaded', () => {
    const oldest = run('r5', '2026-05-01T10:05:00.000Z');
    expect(belongsToLoadedPages(run('r9', '2026-05-01T10:09:00.000Z'), oldest)).toBe(true);
    expect(belongsToLoadedPages(run('r1', '2026-05-01T10:01:00.000Z'), oldest)).toBe(false);
    expect(belongsToLoadedPages(run('r4', '2026-05-01T10:05:00.000Z'), oldest)).toBe(false);
    expect(belongsToLoadedPages(run('r1', '2026-05-01T10:01:00.000Z'), undefined)).toBe(true);
  });
});
