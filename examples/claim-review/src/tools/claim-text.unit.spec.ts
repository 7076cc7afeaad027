import { findAmountClaimed, findLossType } from './claim-text.js';

describe('findAmountClaimed', () => {
  it.each([
    ['Amount claimed: 12,345.67 EUR', { amount: 12345.67, currency: 'EUR' }],
    ['Amount claimed: 1,250,000.00 EUR', { amount: 1_250_000, currency: 'EUR' }],
    ['amount CLAIMED:   EUR 310', { amount: 310, currency: 'EUR' }],
    ['Header\nAmount claimed: 72500 usd (incl. VAT)\nAmount claimed: 1 EUR', { amount: 72_500, currency: 'USD' }],
  ])('parses %j', (text, expected) => {
    expect(findAmountClaimed(text)).toEqual(expected);
  });

  it.each([['Total 12,345.67 EUR'], ['Amount claimed: 12,345.67'], ['Amount claimed: see attached EUR']])(
    'finds nothing in %j',
    (text) => {
      expect(findAmountClaimed(text)).toBeUndefined();
    },
  );
});

describe('findLossType', () => {
  it('turns the type of loss into a peril id', () => {
    expect(findLossType('Date of incident: 2026-02-14\nType of loss: Water damage\n')).toBe('water_damage');
    expect(findLossType('Type of loss: Storm')).toBe('storm');
    expect(findLossType('no such line')).toBeUndefined();
  });
});
