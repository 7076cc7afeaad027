import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { INPUT_DIGEST_FORMAT } from '@ledgerflow/contracts';
import { inputDigestOf } from './input-digest.js';

describe('inputDigestOf', () => {
  it('is sha256 over the canonical JSON (keys sorted, no whitespace), written sha256:<hex>', () => {
    const expected = createHash('sha256')
      .update('{"amount":72500,"claim":{"currency":"EUR","id":"CLM-1"}}')
      .digest('hex');
    expect(inputDigestOf({ claim: { id: 'CLM-1', currency: 'EUR' }, amount: 72_500 })).toBe(`sha256:${expected}`);
    expect(inputDigestOf({ a: 1 })).toMatch(INPUT_DIGEST_FORMAT);
    expect(inputDigestOf(undefined)).toBe(inputDigestOf(null));
  });

  it('does not depend on key order nor on a JSON round trip (what the worker parses)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const reordered = JSON.parse(
          JSON.stringify(value, (_k, v: unknown) =>
            v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v,
          ),
        ) as unknown;
        expect(inputDigestOf(reordered)).toBe(inputDigestOf(value));
      }),
    );
  });

  it('changes with any change of the value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
        fc.pre(JSON.stringify(a) !== JSON.stringify(b));
        const same = inputDigestOf(a) === inputDigestOf(b);
        // Distinct JSON texts can still be one value (key order, -0): only then may digests be equal.
        if (same) expect(JSON.parse(JSON.stringify(a))).toEqual(JSON.parse(JSON.stringify(b)));
      }),
    );
  });
});
