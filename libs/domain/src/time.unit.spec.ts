import fc from 'fast-check';
import { ValidationError } from './errors.js';
import { addMilliseconds, epochMsToIso, isDue, isoToEpochMs } from './time.js';

describe('ISO-8601 time arithmetic', () => {
  it.each([
    '2026-05-01T10:00:00.000Z',
    '2024-02-29T23:59:59.999Z',
    '1970-01-01T00:00:00Z',
    '2000-03-01T00:00:00.5Z',
    '2026-05-01T12:30:00+02:30',
    '2026-01-01T00:15:00-05:00',
    '1969-12-31T23:59:59.123Z',
    '2026-05-01T10:00:00.123456789Z',
  ])('reads %s as Date.parse does', (iso) => {
    expect(isoToEpochMs(iso)).toBe(Date.parse(iso));
  });

  it('writes the same text as Date.toISOString for any instant of years 0..9999', () => {
    fc.assert(
      fc.property(fc.integer({ min: -62_167_219_200_000, max: 253_402_300_799_999 }), (ms) => {
        const iso = epochMsToIso(ms);
        expect(iso).toBe(new Date(ms).toISOString());
        expect(isoToEpochMs(iso)).toBe(ms);
      }),
    );
  });

  it.each([
    '2026-02-29T00:00:00Z',
    '2026-04-31T00:00:00Z',
    '2026-05-01T24:00:00Z',
    '2026-05-01T10:60:00Z',
    '2026-05-01T10:00:00',
    '2026-05-01 10:00:00Z',
    'yesterday',
    '2026-05-01T10:00:00+25:00',
  ])('refuses %p with invalid_timestamp', (text) => {
    expect(() => isoToEpochMs(text)).toThrow(ValidationError);
    expect(() => isoToEpochMs(text)).toThrow(/not ISO-8601/);
  });

  it('adds milliseconds across a day, a month and a leap year boundary', () => {
    expect(addMilliseconds('2024-02-28T23:59:59.500Z', 1500)).toBe('2024-02-29T00:00:01.000Z');
    expect(addMilliseconds('2026-12-31T23:00:00+00:00', 3_600_000)).toBe('2027-01-01T00:00:00.000Z');
    expect(addMilliseconds('2026-05-01T12:00:00+02:00', 0)).toBe('2026-05-01T10:00:00.000Z');
  });

  it('compares instants, not texts, to tell whether something is due', () => {
    expect(isDue('2026-05-01T12:00:00+02:00', '2026-05-01T10:00:00.000Z')).toBe(true);
    expect(isDue('2026-05-01T10:00:00.001Z', '2026-05-01T10:00:00.000Z')).toBe(false);
  });
});
