import fc from 'fast-check';
import { traceIdOf } from './metadata.js';

describe('traceIdOf', () => {
  it('reads the trace id of a W3C traceparent', () => {
    expect(traceIdOf('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')).toBe(
      '4bf92f3577b34da6a3ce929d0e0e4736',
    );
  });

  it.each([
    ['absent', undefined],
    ['empty', ''],
    ['three fields', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7'],
    ['upper-case hex', '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01'],
    ['a short trace id', '00-4bf92f3577b34da6a3ce929d0e0e47-00f067aa0ba902b7-01'],
    ['an all-zero trace id', '00-00000000000000000000000000000000-00f067aa0ba902b7-01'],
    ['text around it', ' 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'],
  ])('answers null for %s', (_case, traceparent) => {
    expect(traceIdOf(traceparent)).toBeNull();
  });

  it('answers a 32-digit hex id or null for any string', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        const id = traceIdOf(text);
        return id === null || (/^[0-9a-f]{32}$/.test(id) && text.includes(id));
      }),
    );
  });
});
