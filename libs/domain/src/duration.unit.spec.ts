import { MAX_GATE_SLA_SECONDS, MAX_TIMER_DELAY_MS } from './plan-validation.js';
import { parseDuration, slaSecondsOf } from './duration.js';

describe('parseDuration', () => {
  it('reads ms, s, m, h and d, decimals, and a number of ms', () => {
    expect(['200ms', '30s', '5m', '4h', '1d', '1.5s', ' 2s '].map((text) => parseDuration(text))).toEqual([
      200, 30_000, 300_000, 14_400_000, 86_400_000, 1_500, 2_000,
    ]);
    expect(parseDuration(1234.4)).toBe(1234);
  });

  it('refuses anything else as duration_invalid, naming the field', () => {
    for (const value of ['', '5', '-1s', '5 minutes', '1w', 'PT5M', -1, Number.NaN]) {
      expect(() => parseDuration(value, '/steps/0/timeout')).toThrow(
        expect.objectContaining({
          code: 'duration_invalid',
          details: expect.objectContaining({ field: '/steps/0/timeout' }),
        }),
      );
    }
  });

  it('refuses a duration above the limit as duration_too_long', () => {
    expect(parseDuration('24d', 'x', MAX_TIMER_DELAY_MS)).toBe(24 * 86_400_000);
    expect(() => parseDuration('25d', 'x', MAX_TIMER_DELAY_MS)).toThrow(
      expect.objectContaining({ code: 'duration_too_long' }),
    );
  });
});

describe('slaSecondsOf', () => {
  it('is whole seconds rounded up, so a deadline is never earlier than written', () => {
    expect(['4h', '90s', '1.2s', '1.5s', '500ms', '0s'].map((sla) => slaSecondsOf(sla))).toEqual([
      14_400, 90, 2, 2, 1, 0,
    ]);
  });

  it('accepts up to MAX_GATE_SLA_SECONDS (366 days) by default', () => {
    expect(slaSecondsOf('366d')).toBe(MAX_GATE_SLA_SECONDS);
    expect(() => slaSecondsOf('367d', '/rules/0/sla')).toThrow(
      expect.objectContaining({
        code: 'duration_too_long',
        details: expect.objectContaining({ field: '/rules/0/sla' }),
      }),
    );
  });
});
