import { nextPageOf } from './pages.js';

describe('nextPageOf', () => {
  it('finds the rel="next" link of a Link header, quoted or not, among others', () => {
    expect(nextPageOf('</v1/runs?limit=100&cursor=abc>; rel="next"')).toBe('/v1/runs?limit=100&cursor=abc');
    expect(nextPageOf('</v1/runs?x=1>; rel="prev", </v1/runs?y=2>; rel=next')).toBe('/v1/runs?y=2');
    expect(nextPageOf('</v1/runs?z=3>; rel="last next"')).toBe('/v1/runs?z=3');
  });

  it('says there is no next page when the header is absent or names none', () => {
    expect(nextPageOf('</v1/runs?x=1>; rel="nextish"')).toBeUndefined();
    expect(nextPageOf('</v1/runs?x=1>; rel="prev"')).toBeUndefined();
    expect(nextPageOf(null)).toBeUndefined();
    expect(nextPageOf(undefined)).toBeUndefined();
  });
});
