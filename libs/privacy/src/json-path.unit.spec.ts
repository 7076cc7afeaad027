import { LedgerflowError } from '@ledgerflow/domain';
import { parseJsonPath, selectPaths } from './json-path.js';

const claim = {
  claimant: { name: 'Ada', email: 'ada@example.com', address: { email: 'home@example.com' } },
  witnesses: [{ name: 'Bob', email: 'bob@example.com' }, { name: 'Cy' }],
  email: 'top@example.com',
  'odd key': 1,
};

describe('parseJsonPath', () => {
  it('parses names, wildcards, indexes, quoted names and recursive descent', () => {
    expect(parseJsonPath('$.a[*].b')).toEqual([
      { descend: false, select: { kind: 'name', name: 'a' } },
      { descend: false, select: { kind: 'wildcard' } },
      { descend: false, select: { kind: 'name', name: 'b' } },
    ]);
    expect(parseJsonPath("$..key[0]['x y']")).toEqual([
      { descend: true, select: { kind: 'name', name: 'key' } },
      { descend: false, select: { kind: 'index', index: 0 } },
      { descend: false, select: { kind: 'name', name: 'x y' } },
    ]);
    expect(parseJsonPath('$')).toEqual([]);
  });

  it.each([['a.b'], ['$.'], ['$.a[b]'], ['$...a'], ['$.a b'], ['$[?(@.x)]']])(
    'refuses %s naming the offset',
    (path) => {
      const attempt = (): unknown => parseJsonPath(path);
      expect(attempt).toThrow(LedgerflowError);
      expect(attempt).toThrow(/JSON path .* is invalid at offset \d+/);
    },
  );
});

describe('selectPaths', () => {
  it('selects a nested name', () => {
    expect(selectPaths(claim, ['$.claimant.email'])).toEqual([['claimant', 'email']]);
  });

  it('selects every element of an array with [*]', () => {
    expect(selectPaths(claim, ['$.witnesses[*].email'])).toEqual([['witnesses', 0, 'email']]);
    expect(selectPaths(claim, ['$.witnesses[*]'])).toEqual([
      ['witnesses', 0],
      ['witnesses', 1],
    ]);
  });

  it('selects a key at any depth with $..key, in document order', () => {
    expect(selectPaths(claim, ['$..email'])).toEqual([
      ['claimant', 'email'],
      ['claimant', 'address', 'email'],
      ['witnesses', 0, 'email'],
      ['email'],
    ]);
  });

  it('selects indexes, quoted names and the root', () => {
    expect(selectPaths(claim, ['$.witnesses[1].name', "$['odd key']"])).toEqual([
      ['witnesses', 1, 'name'],
      ['odd key'],
    ]);
    expect(selectPaths(claim, ['$'])).toEqual([[]]);
  });

  it('keeps only the outermost of nested selections', () => {
    expect(selectPaths(claim, ['$.claimant.email', '$.claimant'])).toEqual([['claimant']]);
  });

  it('selects nothing where the shape differs', () => {
    expect(selectPaths(claim, ['$.claimant[*].x', '$.witnesses.name', '$.missing.email'])).toEqual([]);
    expect(selectPaths('text', ['$.a'])).toEqual([]);
  });
});
