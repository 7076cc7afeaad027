import { diffValues, pointerToken } from './state-diff.js';

describe('diffValues', () => {
  it('is empty for deeply equal values, ignoring undefined properties', () => {
    expect(diffValues({ a: [1, { b: 'x' }], c: undefined }, { a: [1, { b: 'x' }] })).toEqual([]);
  });

  it('reports added, removed and replaced paths as JSON Pointers', () => {
    const from = {
      status: 'running',
      steps: { r3: { status: 'pending' }, r2: { status: 'succeeded', error: { code: 'x' } } },
      list: [1, 2, 3],
    };
    const to = {
      status: 'completed',
      steps: { r3: { status: 'succeeded', output: { n: 1 } }, r2: { status: 'succeeded' } },
      list: [1, 5],
      done: true,
    };
    expect(diffValues(from, to)).toEqual([
      { op: 'replace', path: '/status', from: 'running', to: 'completed' },
      { op: 'replace', path: '/steps/r3/status', from: 'pending', to: 'succeeded' },
      { op: 'add', path: '/steps/r3/output', to: { n: 1 } },
      { op: 'remove', path: '/steps/r2/error', from: { code: 'x' } },
      { op: 'replace', path: '/list/1', from: 2, to: 5 },
      { op: 'remove', path: '/list/2', from: 3 },
      { op: 'add', path: '/done', to: true },
    ]);
  });

  it('replaces a value whose kind changed, and escapes ~ and / in keys (RFC 6901)', () => {
    expect(diffValues({ 'a/b': [1], 'm~n': null }, { 'a/b': { x: 1 }, 'm~n': 0 })).toEqual([
      { op: 'replace', path: '/a~1b', from: [1], to: { x: 1 } },
      { op: 'replace', path: '/m~0n', from: null, to: 0 },
    ]);
    expect(diffValues(1, 2)).toEqual([{ op: 'replace', path: '', from: 1, to: 2 }]);
    expect(pointerToken('~/')).toBe('~0~1');
  });
});
