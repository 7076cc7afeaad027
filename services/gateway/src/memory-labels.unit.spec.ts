import fc from 'fast-check';
import { nextPageOf } from '@ledgerflow/contracts';
import type { LabelledExample, MemoryLabelsPage } from '@ledgerflow/contracts';
import { LedgerflowError } from '@ledgerflow/domain';
import { encodeCursor } from './list-page.js';
import { LABELS_LIST, labelsLinkOf, labelsRequestOf, ndjsonOf } from './memory-labels.js';

const label = (i: number): LabelledExample => ({
  runId: `run-${i}`,
  stepId: 'extract',
  input: { text: `claim\n${i}` },
  output: { amount: i },
  correctedOutput: { amount: i * 10 },
  verdict: 'corrected',
  confidence: 0.5,
  reviewer: 'ana',
  decidedAt: `2026-01-01T00:00:0${i % 10}.000Z`,
});

function refusal(run: () => unknown): { code: string; field: unknown } {
  try {
    run();
  } catch (error) {
    if (error instanceof LedgerflowError) return { code: error.code, field: error.details?.['field'] };
    throw error;
  }
  throw new Error('expected a refusal');
}

/** Memory as a stand-in: `all` in pages of `limit`, its own cursor the index of the next item as text. */
function memoryPage(all: readonly LabelledExample[], limit: number, after?: string): MemoryLabelsPage {
  const from = after === undefined ? 0 : Number(after);
  const labels = all.slice(from, from + limit);
  return { labels, ...(from + limit < all.length ? { next: String(from + limit) } : {}) };
}

describe('labels: JSON lines paged by Link', () => {
  it('writes one JSON object per line, each line ending in a newline; nothing for no labels', () => {
    const text = ndjsonOf([label(1), label(2)]);
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.split('\n').slice(0, -1);
    expect(lines.map((line) => JSON.parse(line) as unknown)).toEqual([label(1), label(2)]);
    expect(ndjsonOf([])).toBe('');
  });

  it('defaults limit to 100 and forwards stepId and the cursor memory handed out', () => {
    expect(labelsRequestOf('claims', {})).toEqual({ workflowId: 'claims', limit: 100 });
    const cursor = encodeCursor(LABELS_LIST, ['memory-cursor-42']);
    expect(labelsRequestOf('claims', { stepId: 'extract', limit: '1000', cursor })).toEqual({
      workflowId: 'claims',
      stepId: 'extract',
      limit: 1000,
      after: 'memory-cursor-42',
    });
  });

  it('refuses a bad stepId, limit or cursor (garbled, or of another list) with request_invalid naming it', () => {
    expect(refusal(() => labelsRequestOf('c', { stepId: 'Bad Step' }))).toEqual({
      code: 'request_invalid',
      field: 'stepId',
    });
    for (const limit of ['0', '1001', 'ten', '-1', '1.5'])
      expect(refusal(() => labelsRequestOf('c', { limit }))).toEqual({ code: 'request_invalid', field: 'limit' });
    for (const cursor of ['%%%', 'bm90IGpzb24', encodeCursor('runs', ['x']), encodeCursor(LABELS_LIST, ['a', 'b'])])
      expect(refusal(() => labelsRequestOf('c', { cursor }))).toEqual({ code: 'request_invalid', field: 'cursor' });
  });

  it('names the next page only while memory has one, keeping the other query parameters', () => {
    expect(labelsLinkOf('/v1/workflows/c/labels', 2, { labels: [label(1)] })).toBeUndefined();
    expect(labelsLinkOf('/v1/workflows/c/labels', 2, { labels: [], next: 'x' })).toBeUndefined();
    const link = labelsLinkOf('/v1/workflows/c/labels?stepId=extract', 2, { labels: [label(1)], next: 'm-1' });
    const next = new URL(nextPageOf(link)!, 'http://gateway.invalid');
    expect(next.pathname).toBe('/v1/workflows/c/labels');
    expect(next.searchParams.get('stepId')).toBe('extract');
    expect(labelsRequestOf('c', Object.fromEntries(next.searchParams))).toMatchObject({ after: 'm-1', limit: 2 });
  });

  it('following the links from the first page lists every label once, in memory order, for any page size', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 1, max: 12 }), (count, limit) => {
        const all = Array.from({ length: count }, (_, i) => label(i));
        const seen: LabelledExample[] = [];
        let url: string | undefined = `/v1/workflows/c/labels?limit=${limit}`;
        while (url !== undefined) {
          const query = Object.fromEntries(new URL(url, 'http://gateway.invalid').searchParams);
          const request = labelsRequestOf('c', query);
          const page = memoryPage(all, request.limit, request.after);
          const body = ndjsonOf(page.labels);
          seen.push(
            ...body
              .split('\n')
              .filter(Boolean)
              .map((line) => JSON.parse(line) as LabelledExample),
          );
          url = nextPageOf(labelsLinkOf(url, request.limit, page));
        }
        expect(seen).toEqual(all);
      }),
    );
  });
});
