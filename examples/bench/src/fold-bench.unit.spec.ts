import { foldRun, RUN_EVENT_TYPES } from '@ledgerflow/domain';
import { FOLD_BENCH_EVENTS, foldBench, longRunHistory } from './fold-bench.js';

describe('fold bench', () => {
  it('builds a 10,000-event history the aggregate accepted, and prints the fold time and replay rate', async () => {
    const history = longRunHistory();
    expect(history).toHaveLength(FOLD_BENCH_EVENTS);
    expect(new Set(history.map((event) => event.type)).size).toBeGreaterThanOrEqual(6);
    expect(history.every((event) => (RUN_EVENT_TYPES as readonly string[]).includes(event.type))).toBe(true);
    expect(foldRun(history).eventCount).toBe(FOLD_BENCH_EVENTS);
    const { lines, p50Ms } = await foldBench();
    expect(lines).toHaveLength(1);
    expect(p50Ms).toBeGreaterThan(0);
    expect(lines[0]).toContain(`p50 ${p50Ms.toFixed(3)}`);
    expect(lines[0]).toMatch(
      /^replay\s+fold 10000 events {2}p50 \d+\.\d{3} {2}p99 \d+\.\d{3} {2}\(\d+ folds; \d+ events\/s; final status running, 10000 events\)$/,
    );
  }, 60_000);
});
