import fc from 'fast-check';
import { bucketShares, confidenceBucket, populationStabilityIndex, twoProportionZ } from './drift-statistics.js';

describe('drift statistics', () => {
  it('buckets confidences into 10 equal-width buckets, 1.0 in the last', () => {
    expect([0, 0.05, 0.1, 0.55, 0.99, 1, -0.2, 1.5].map(confidenceBucket)).toEqual([0, 0, 1, 5, 9, 9, 0, 9]);
  });

  it('gives an empty bucket the share of half an observation', () => {
    expect(bucketShares([0.95, 0.95, 0.85, 0.85])).toEqual([
      0.125, 0.125, 0.125, 0.125, 0.125, 0.125, 0.125, 0.125, 0.5, 0.5,
    ]);
  });

  it('computes PSI as Σ (a − e)·ln(a/e): 0 for equal histograms, never negative', () => {
    // Half the mass moves from bucket 9 to bucket 8: (0.5 − 1)·ln(0.5/1) + (0.5 − 1/8)·ln(0.5/(1/8)) + 8 · 0 ...
    const expected = [0.95, 0.95, 0.95, 0.95];
    const actual = [0.95, 0.95, 0.85, 0.85];
    const e = 1 / 8;
    const psi = (0.5 - 1) * Math.log(0.5 / 1) + (0.5 - e) * Math.log(0.5 / e);
    expect(populationStabilityIndex(expected, actual)).toBeCloseTo(psi, 12);
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 50 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 50 }),
        (a, b) => {
          expect(populationStabilityIndex(a, a)).toBe(0);
          expect(populationStabilityIndex(a, b)).toBeGreaterThanOrEqual(0);
        },
      ),
    );
  });

  it('computes the pooled two-proportion z statistic', () => {
    // 10/200 against 50/200: p = 0.15, z = 0.2 / sqrt(0.15·0.85·0.01) = 5.6011...
    expect(twoProportionZ(10, 200, 50, 200)).toBeCloseTo(0.2 / Math.sqrt(0.15 * 0.85 * 0.01), 12);
    expect(twoProportionZ(50, 200, 10, 200)).toBeCloseTo(-5.6011, 3);
    expect(twoProportionZ(0, 200, 0, 200)).toBe(0);
    expect(twoProportionZ(200, 200, 200, 200)).toBe(0);
    expect(twoProportionZ(0, 0, 3, 10)).toBe(0);
  });
});
