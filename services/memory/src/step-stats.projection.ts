/**
 * Memory's first projection, per-step statistics, now one table of {@link MemoryProjection} (memory.projection.ts);
 * this module keeps its names for the readers that import them.
 */
export { MemoryProjection as StepStatsProjection } from './memory.projection.js';
export { DURATION_WINDOW, percentile } from './projected-event.js';
export type { ProjectedEvent } from './projected-event.js';
