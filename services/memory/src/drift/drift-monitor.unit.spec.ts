import { mulberry32 } from '@ledgerflow/testing';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { tempDir } from '@ledgerflow/testing';
import { DriftMonitor, PSI_THRESHOLD, REFERENCE_WINDOW, Z_THRESHOLD } from './drift-monitor.js';
import type { DriftDetection, DriftObservation } from './drift-monitor.js';
import { driftObservationOf } from './drift-observation.js';

/** Beta(a, b) for whole a, b: X/(X+Y) with X ~ Gamma(a), Y ~ Gamma(b), each a sum of exponentials. */
function beta(random: () => number, a: number, b: number): number {
  const gamma = (k: number) => {
    let sum = 0;
    for (let i = 0; i < k; i++) sum -= Math.log(1 - random());
    return sum;
  };
  const x = gamma(a);
  return x / (x + gamma(b));
}

/** Step outcomes: confidence Beta(a, b) (Beta(17, 3): mean 0.85, sd 0.078), escalated with probability `rate`. */
function outcomes(
  random: () => number,
  count: number,
  shape: { a: number; b: number; rate: number },
  from = 0,
): DriftObservation[] {
  return Array.from({ length: count }, (_, i) => ({
    workflowId: 'claim-review',
    stepId: 'extract_documents',
    confidence: beta(random, shape.a, shape.b),
    escalated: random() < shape.rate,
    at: new Date(Date.UTC(2026, 0, 1) + (from + i) * 60_000).toISOString(),
  }));
}

const STATIONARY = { a: 17, b: 3, rate: 0.05 };
const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
/**
 * Outcomes after a shift within which it is detected (drift-monitor.ts: the largest delay measured over 500 seeds;
 * docs/memory.md, "Drift").
 */
const CONFIDENCE_DETECTED_WITHIN = 100;
const ESCALATION_DETECTED_WITHIN = 350;

const monitor = () => new DriftMonitor(new Database(':memory:'));
const observedAt = (detection: DriftDetection) => Number(detection.key.split('/').pop());

describe('DriftMonitor', () => {
  it.each(SEEDS)('raises nothing over 1,000 stationary outcomes (seed %i)', (seed) => {
    const detections = monitor().observe(outcomes(mulberry32(seed), 1000, STATIONARY));
    expect(detections).toEqual([]);
  });

  it.each(SEEDS)('detects a confidence shift 0.85 -> 0.6 within 100 outcomes, once (seed %i)', (seed) => {
    const random = mulberry32(seed);
    const before = outcomes(random, 500, STATIONARY);
    const after = outcomes(random, 500, { a: 12, b: 8, rate: 0.05 }, 500);
    const detections = monitor().observe([...before, ...after]);
    expect(detections.map((d) => d.data.signal)).toEqual(['confidence']);
    const [detection] = detections as [DriftDetection];
    expect(observedAt(detection) - 500).toBeGreaterThan(0);
    expect(observedAt(detection) - 500).toBeLessThanOrEqual(CONFIDENCE_DETECTED_WITHIN);
    expect(detection.data).toMatchObject({
      workflowId: 'claim-review',
      stepId: 'extract_documents',
      statistic: 'psi',
      threshold: PSI_THRESHOLD,
      referenceWindow: 200,
      currentWindow: 200,
      detectedAt: after[observedAt(detection) - 501]?.at,
    });
    expect(detection.data.value).toBeGreaterThanOrEqual(PSI_THRESHOLD);
  });

  it.each(SEEDS)('detects an escalation rate 5% -> 25% within 350 outcomes, once (seed %i)', (seed) => {
    const random = mulberry32(seed);
    const before = outcomes(random, 500, STATIONARY);
    const after = outcomes(random, 500, { ...STATIONARY, rate: 0.25 }, 500);
    const detections = monitor().observe([...before, ...after]);
    expect(detections.map((d) => d.data.signal)).toEqual(['escalation_rate']);
    const [detection] = detections as [DriftDetection];
    expect(observedAt(detection) - 500).toBeGreaterThan(0);
    expect(observedAt(detection) - 500).toBeLessThanOrEqual(ESCALATION_DETECTED_WITHIN);
    expect(detection.data).toMatchObject({ statistic: 'two_proportion_z', threshold: Z_THRESHOLD });
    expect(detection.data.value).toBeGreaterThanOrEqual(Z_THRESHOLD);
  });

  it('gives the same detections for the same sequence, however it is split into calls', () => {
    const random = mulberry32(42);
    const sequence = [...outcomes(random, 400, STATIONARY), ...outcomes(random, 400, { a: 12, b: 8, rate: 0.3 }, 400)];
    const whole = monitor().observe(sequence);
    const split = monitor();
    const piecewise: DriftDetection[] = [];
    for (let i = 0; i < sequence.length; i += 37) piecewise.push(...split.observe(sequence.slice(i, i + 37)));
    expect(whole.length).toBeGreaterThan(0);
    expect(piecewise).toEqual(whole);
    expect(monitor().observe(sequence)).toEqual(whole);
  });

  it('keeps its windows per step: an interleaved stable step never alarms', () => {
    const random = mulberry32(7);
    const shifted = [...outcomes(random, 500, STATIONARY), ...outcomes(random, 300, { a: 12, b: 8, rate: 0.05 }, 500)];
    const stable = outcomes(random, 800, STATIONARY).map((o) => ({ ...o, stepId: 'fraud_screen' }));
    const detections = monitor().observe(shifted.flatMap((o, i) => [o, stable[i] as DriftObservation]));
    expect(detections.map((d) => `${d.data.stepId}:${d.data.signal}`)).toEqual(['extract_documents:confidence']);
  });

  it('continues identically after the database is closed and opened again', async () => {
    const path = join(await tempDir('ledgerflow-drift-'), 'memory.db');
    const random = mulberry32(3);
    const sequence = [...outcomes(random, 450, STATIONARY), ...outcomes(random, 450, { a: 12, b: 8, rate: 0.05 }, 450)];
    const reference = monitor().observe(sequence);

    const first = new Database(path);
    const before = new DriftMonitor(first).observe(sequence.slice(0, 480));
    first.close();
    const second = new Database(path);
    const reopened = new DriftMonitor(second);
    const after = reopened.observe(sequence.slice(480));
    expect([...before, ...after]).toEqual(reference);
    expect(reopened.status('claim-review')).toEqual([
      expect.objectContaining({ stepId: 'extract_documents', observed: 900 }),
    ]);
    second.close();
  });

  it('reports a step with too few observations as unchecked', () => {
    const drift = monitor();
    drift.observe(outcomes(mulberry32(1), REFERENCE_WINDOW, STATIONARY));
    expect(drift.status('claim-review')).toEqual([{ stepId: 'extract_documents', observed: REFERENCE_WINDOW }]);
  });
});

describe('driftObservationOf', () => {
  const succeeded = (data: Record<string, unknown>) => ({
    type: 'StepSucceeded',
    data: { stepId: 's', attempt: 1, output: {}, durationMs: 5, completedAt: '2026-01-01T00:00:00.000Z', ...data },
  });

  it('reads confidence and whether the result was held for review', () => {
    expect(
      driftObservationOf('w', succeeded({ confidence: 0.4, review: { minConfidence: 0.8, basis: 'step' } })),
    ).toEqual({
      workflowId: 'w',
      stepId: 's',
      confidence: 0.4,
      escalated: true,
      at: '2026-01-01T00:00:00.000Z',
    });
    expect(driftObservationOf('w', succeeded({ confidence: 0.9 }))?.escalated).toBe(false);
  });

  it('skips results without confidence, carried-over results and other events', () => {
    expect(driftObservationOf('w', succeeded({}))).toBeUndefined();
    expect(driftObservationOf('w', succeeded({ confidence: 0.9, carriedOver: true }))).toBeUndefined();
    expect(driftObservationOf('w', { type: 'StepFailed', data: { stepId: 's' } })).toBeUndefined();
  });
});
