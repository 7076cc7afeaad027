import fc from 'fast-check';
import { canonicalJson } from './canonical-json.js';

describe('canonicalJson', () => {
  it('sorts object members by key at every depth and writes no whitespace', () => {
    expect(canonicalJson({ b: [1, 'x', { z: 1, y: 2 }], a: { d: true, c: null } })).toBe(
      '{"a":{"c":null,"d":true},"b":[1,"x",{"y":2,"z":1}]}',
    );
  });

  it('orders keys by UTF-16 code units (RFC 8785 section 3.2.3), not by locale', () => {
    // RFC 8785's sorting example; U+1F600 is the surrogate pair D83D DE00, so it sorts before U+FB33.
    const value = { '\u20ac': 1, '\r': 2, '\ufb33': 3, '1': 4, '\ud83d\ude00': 5, '\u0080': 6, '\u00f6': 7 };
    expect(canonicalJson(value)).toBe('{"\\r":2,"1":4,"\u0080":6,"\u00f6":7,"\u20ac":1,"\ud83d\ude00":5,"\ufb33":3}');
  });

  it('writes numbers in ECMAScript form (RFC 8785 section 3.2.2.3)', () => {
    expect(canonicalJson([0, -0, 1e21, 1e-7, 0.1, 333333333.33333329, 4.5, 2 ** 53])).toBe(
      '[0,0,1e+21,1e-7,0.1,333333333.3333333,4.5,9007199254740992]',
    );
  });

  it('escapes strings as JSON.stringify does', () => {
    expect(canonicalJson({ s: 'a"b\\c\n\u0001é' })).toBe('{"s":"a\\"b\\\\c\\n\\u0001é"}');
  });

  it('leaves out undefined members, writes undefined array items and non-finite numbers as null, honours toJSON', () => {
    expect(
      canonicalJson({
        a: undefined,
        b: [undefined, NaN, Infinity],
        c: new Date('2026-05-04T09:30:00.000Z'),
        d: () => 1,
      }),
    ).toBe('{"b":[null,null,null],"c":"2026-05-04T09:30:00.000Z"}');
  });

  it('refuses what has no JSON form: bigint, cycles, a bare undefined', () => {
    expect(() => canonicalJson({ n: 1n })).toThrow(TypeError);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => canonicalJson(cyclic)).toThrow(/cycle/);
    expect(() => canonicalJson(undefined)).toThrow(TypeError);
  });

  it('allows the same object twice when it is not its own ancestor', () => {
    const shared = { x: 1 };
    expect(canonicalJson({ a: shared, b: [shared] })).toBe('{"a":{"x":1},"b":[{"x":1}]}');
  });

  it('is the same text before and after a JSON round trip, whatever the key order (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = canonicalJson(value);
        expect(canonicalJson(JSON.parse(JSON.stringify(value)))).toBe(text);
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });

  it('does not depend on insertion order (property)', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (record) => {
        const reversed = Object.fromEntries(Object.entries(record).reverse());
        expect(canonicalJson(reversed)).toBe(canonicalJson(record));
      }),
    );
  });
});
