import { ValidationError } from '@ledgerflow/domain';
import { storedEventBytes, validateAppend } from './append-validation.js';
import { EventTooLargeError } from './errors.js';
import { newEvent } from './event-store.contract.spec-util.js';
import { InMemoryEventStore } from './in-memory.event-store.js';

describe('validateAppend: event size', () => {
  it('measures the stored event as the relay publishes it: JSON of streamId, revision, position, recordedAt, type, data, metadata', () => {
    const event = newEvent('StepCompleted', { output: 'ok' });
    const stored = { streamId: 'run-1', revision: 3, position: 42, recordedAt: new Date().toISOString(), ...event };
    expect(storedEventBytes('run-1', event)).toBeGreaterThanOrEqual(Buffer.byteLength(JSON.stringify(stored)));
    expect(storedEventBytes('run-1', event) - Buffer.byteLength(JSON.stringify(stored))).toBeLessThan(40);
  });

  it('applies a configured limit and names type, stream, size and limit', () => {
    const event = newEvent('RunTriggered', { input: 'x'.repeat(2000) });
    expect(() => validateAppend('run-1', [event], 'no_stream', 1_000_000)).not.toThrow();
    const error = (() => {
      try {
        validateAppend('run-1', [event], 'no_stream', 2048);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(EventTooLargeError);
    expect((error as Error).message).toMatch(/run-1.*RunTriggered.*\d+ bytes.*limit is 2048 bytes/);
  });

  it('refuses a maxEventBytes option below 1024 at construction', () => {
    expect(() => new InMemoryEventStore(undefined, { maxEventBytes: 10 })).toThrow(ValidationError);
  });
});
