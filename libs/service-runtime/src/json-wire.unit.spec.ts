import type { Msg } from '@nats-io/nats-core';
import { DomainError, LedgerflowError } from '@ledgerflow/domain';
import { JsonReplySerializer, JsonRequestDeserializer, MALFORMED_BODY } from './json-wire.js';
import { validateBody } from './validate-body.js';

/** A NATS message as the transport hands it over: only the parts the deserializer reads. */
function natsMessage(body: string, reply?: string, subject = 'lf.policy.evaluate'): Msg {
  const data = new TextEncoder().encode(body);
  const fake = { subject, reply, data, json: <T>(): T => JSON.parse(new TextDecoder().decode(data)) as T };
  return fake as unknown as Msg;
}

class EmptyDto {}

describe('JsonRequestDeserializer', () => {
  const deserializer = new JsonRequestDeserializer();

  it('reads a message with a reply subject as a request: the body itself is the data, with an id', () => {
    const packet = deserializer.deserialize(natsMessage('{"runId":"r1","attempt":2}', '_INBOX.abc'));
    expect(packet).toEqual({
      pattern: 'lf.policy.evaluate',
      data: { runId: 'r1', attempt: 2 },
      id: expect.any(String),
    });
  });

  it('gives each request its own id', () => {
    const first = deserializer.deserialize(natsMessage('{}', '_INBOX.1')) as { id: string };
    const second = deserializer.deserialize(natsMessage('{}', '_INBOX.2')) as { id: string };
    expect(first.id).not.toBe(second.id);
  });

  it('reads a message without a reply subject as an event (no id)', () => {
    const packet = deserializer.deserialize(natsMessage('{"a":1}', undefined, 'lf.evt.run.r1.RunTriggered'));
    expect(packet).toEqual({ pattern: 'lf.evt.run.r1.RunTriggered', data: { a: 1 } });
    expect(packet).not.toHaveProperty('id');
  });

  it('takes the pattern from the channel option when the transport gives one', () => {
    const packet = deserializer.deserialize(natsMessage('{}', '_INBOX.1', 'lf.policy.evaluate'), {
      channel: 'lf.policy.*',
    });
    expect(packet.pattern).toBe('lf.policy.*');
  });

  it('reads an empty body as an empty object', () => {
    expect(deserializer.deserialize(natsMessage('', '_INBOX.1')).data).toEqual({});
  });

  it('marks a body that is not JSON instead of throwing, and validateBody turns the mark into message_malformed', () => {
    const packet = deserializer.deserialize(natsMessage('{"runId": ', '_INBOX.1'));
    const data = packet.data as Record<symbol, unknown>;
    expect(typeof data[MALFORMED_BODY]).toBe('string');
    expect(packet).toHaveProperty('id');
    expect(() => validateBody(EmptyDto, packet.data)).toThrow(expect.objectContaining({ code: 'message_malformed' }));
  });
});

describe('JsonReplySerializer', () => {
  const serializer = new JsonReplySerializer();
  const wire = (packet: Parameters<JsonReplySerializer['serialize']>[0]): unknown =>
    JSON.parse(serializer.serialize(packet).data);

  it('writes a response as {ok: true, value}', () => {
    expect(wire({ response: { runId: 'r1', created: true } })).toEqual({
      ok: true,
      value: { runId: 'r1', created: true },
    });
  });

  it('keeps falsy values and writes a missing response as null', () => {
    expect(wire({ response: 0 })).toEqual({ ok: true, value: 0 });
    expect(wire({ response: false })).toEqual({ ok: true, value: false });
    expect(wire({})).toEqual({ ok: true, value: null });
    expect(wire({ err: null, response: 'x' })).toEqual({ ok: true, value: 'x' });
  });

  it('writes a LedgerflowError as {ok: false, error} with its code, message, retryable flag and details', () => {
    expect(
      wire({ err: new DomainError('run_gate_already_decided', 'gate g was decided by alice', { decidedBy: 'alice' }) }),
    ).toEqual({
      ok: false,
      error: {
        code: 'run_gate_already_decided',
        message: 'gate g was decided by alice',
        retryable: false,
        details: { decidedBy: 'alice' },
      },
    });
    expect(wire({ err: new LedgerflowError('store_unavailable', 'locked', true) })).toMatchObject({
      ok: false,
      error: { code: 'store_unavailable', retryable: true },
    });
  });

  it('writes an error body (as the RPC filter throws it) unchanged, and anything else as internal_error', () => {
    const body = { code: 'request_invalid', message: 'invalid request: runId: must be a string', retryable: false };
    expect(wire({ err: body })).toEqual({ ok: false, error: body });
    expect(wire({ err: new Error('database exploded') })).toEqual({
      ok: false,
      error: { code: 'internal_error', message: 'database exploded', retryable: true },
    });
  });
});
