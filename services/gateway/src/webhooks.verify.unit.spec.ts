import { createHmac, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { Webhook } from 'standardwebhooks';
import { LedgerflowError } from '@ledgerflow/domain';
import { toHttpError } from './http-error.filter.js';
import type { HmacScheme, StandardWebhooksScheme } from './webhooks.secrets.js';
import { verifyDelivery } from './webhooks.verify.js';
import type { WebhookDelivery } from './webhooks.verify.js';

const whsec = () => `whsec_${randomBytes(32).toString('base64')}`;
const SECRET = whsec();
const OTHER = whsec();
const standard: StandardWebhooksScheme = { scheme: 'standard-webhooks', secrets: [SECRET] };
const HMAC_SECRET = 'a-github-style-shared-secret';
const hmac: HmacScheme = {
  scheme: 'hmac-sha256',
  secrets: [HMAC_SECRET],
  header: 'x-hub-signature-256',
  prefix: 'sha256=',
  idempotencyHeader: 'x-github-delivery',
};

const nowSeconds = () => Math.floor(Date.now() / 1000);
const BODY = '{"claim":{"id":"c1","amount":1200}}';

/** A Standard Webhooks delivery signed by the reference library (sender side). */
function signed(body = BODY, id = 'msg_1', timestamp = nowSeconds(), secret = SECRET): WebhookDelivery {
  const signature = new Webhook(secret).sign(id, new Date(timestamp * 1000), body);
  return {
    workflowId: 'wf',
    rawBody: Buffer.from(body),
    headers: { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signature },
  };
}

function hmacSigned(body = BODY, secret = HMAC_SECRET): WebhookDelivery {
  const digest = createHmac('sha256', secret).update(body).digest('hex');
  return {
    workflowId: 'wf',
    rawBody: Buffer.from(body),
    headers: { 'x-hub-signature-256': `sha256=${digest}`, 'x-github-delivery': 'd-1' },
  };
}

/** The error `fn` throws, as the gateway would answer it. */
function refusal(fn: () => unknown): { status: number; code: string; message: string } {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(LedgerflowError);
    const { status, body } = toHttpError(error);
    return { status, code: body.code, message: body.message };
  }
  throw new Error('expected a refusal');
}

const withHeaders = (delivery: WebhookDelivery, headers: Record<string, string | undefined>): WebhookDelivery => ({
  ...delivery,
  headers: { ...delivery.headers, ...headers },
});

describe('Standard Webhooks verification', () => {
  it('accepts a delivery signed with the workflow secret; webhook-id is the idempotency key', () => {
    expect(verifyDelivery(standard, signed())).toEqual({ idempotencyKey: 'msg_1' });
    expect(verifyDelivery(standard, withHeaders(signed(), { 'idempotency-key': 'msg_1' }))).toEqual({
      idempotencyKey: 'msg_1',
    });
  });

  it('accepts any configured secret and any listed signature (rotation on either side)', () => {
    expect(verifyDelivery({ ...standard, secrets: [OTHER, SECRET] }, signed()).idempotencyKey).toBe('msg_1');
    const both = `${signed(BODY, 'msg_1', nowSeconds(), OTHER).headers['webhook-signature']} ${signed().headers['webhook-signature']}`;
    expect(verifyDelivery(standard, withHeaders(signed(), { 'webhook-signature': both })).idempotencyKey).toBe('msg_1');
  });

  it.each(['webhook-id', 'webhook-timestamp', 'webhook-signature'])(
    'refuses a delivery without %s (401, names the header)',
    (name) => {
      const refused = refusal(() => verifyDelivery(standard, withHeaders(signed(), { [name]: undefined })));
      expect(refused).toMatchObject({ status: 401, code: 'webhook_signature_missing' });
      expect(refused.message).toContain(name);
    },
  );

  it('refuses a timestamp more than 5 minutes away, either way, and a malformed one', () => {
    for (const skew of [-301, 301, -86_400]) {
      const refused = refusal(() => verifyDelivery(standard, signed(BODY, 'msg_1', nowSeconds() + skew)));
      expect(refused).toMatchObject({ status: 401, code: 'webhook_timestamp_stale' });
      expect(refused.message).toContain(skew < 0 ? 'in the past' : 'in the future');
    }
    expect(verifyDelivery(standard, signed(BODY, 'msg_1', nowSeconds() - 240)).idempotencyKey).toBe('msg_1');
    const good = signed();
    for (const timestamp of [
      `0${good.headers['webhook-timestamp']}`,
      `${good.headers['webhook-timestamp']}.0`,
      'soon',
      '-1',
    ]) {
      expect(
        refusal(() => verifyDelivery(standard, withHeaders(good, { 'webhook-timestamp': timestamp }))),
      ).toMatchObject({ status: 401, code: 'webhook_signature_invalid' });
    }
  });

  it("refuses another workflow's signature, and a body that is not UTF-8", () => {
    expect(refusal(() => verifyDelivery(standard, signed(BODY, 'msg_1', nowSeconds(), OTHER)))).toMatchObject({
      status: 401,
      code: 'webhook_signature_invalid',
    });
    const bytes = Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]);
    expect(refusal(() => verifyDelivery(standard, { ...signed(), rawBody: bytes }))).toMatchObject({
      status: 400,
      code: 'message_malformed',
    });
  });

  it('refuses an Idempotency-Key that differs from the signed webhook-id (a replay under a new key)', () => {
    expect(
      refusal(() => verifyDelivery(standard, withHeaders(signed(), { 'idempotency-key': 'fresh' }))),
    ).toMatchObject({ status: 400, code: 'webhook_idempotency_key_mismatch' });
  });

  it('refuses every webhook of a workflow without a configured secret (fail closed)', () => {
    const refused = refusal(() => verifyDelivery(undefined, signed()));
    expect(refused).toMatchObject({ status: 401, code: 'webhook_not_configured' });
    expect(refused.message).toContain('LEDGERFLOW_WEBHOOK_SECRETS_FILE');
  });

  it('refuses any change of body, id, timestamp or signature (property)', () => {
    const text = fc.string({ minLength: 1, maxLength: 64, unit: 'grapheme' });
    fc.assert(
      fc.property(
        text,
        fc.constantFrom('body', 'id', 'timestamp', 'signature'),
        fc.integer({ min: -200, max: 200 }),
        (changed, field, shift) => {
          const delivery = signed(BODY, 'msg_1', nowSeconds() - 10);
          const headers = delivery.headers as Record<string, string>;
          const original = field === 'body' ? BODY : headers[`webhook-${field}`]!;
          let value = field === 'timestamp' ? String(Number(original) + (shift === 0 ? 1 : shift)) : changed;
          if (field === 'signature') value = `v1,${Buffer.from(changed).toString('base64')}`;
          fc.pre(value !== original);
          const tampered =
            field === 'body'
              ? { ...delivery, rawBody: Buffer.from(value) }
              : withHeaders(delivery, { [`webhook-${field}`]: value });
          const refused = refusal(() => verifyDelivery(standard, tampered));
          expect(refused.status).toBeGreaterThanOrEqual(400);
          expect(refused.status).toBeLessThan(500);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('answers hostile header values and bodies with a 4xx, never a 5xx (property)', () => {
    const hostile = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.constant(''),
      fc.array(fc.string(), { maxLength: 3 }),
      fc.constant(undefined),
    );
    fc.assert(
      fc.property(hostile, hostile, hostile, fc.uint8Array({ maxLength: 200 }), (id, timestamp, signature, body) => {
        const delivery = {
          workflowId: 'wf',
          rawBody: Buffer.from(body),
          headers: { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': signature },
        };
        expect(refusal(() => verifyDelivery(standard, delivery)).status).toBeLessThan(500);
        expect(
          refusal(() => verifyDelivery(hmac, { ...delivery, headers: { 'x-hub-signature-256': signature } })).status,
        ).toBeLessThan(500);
      }),
      { numRuns: 300 },
    );
  });
});

describe('HMAC header verification (GitHub style)', () => {
  it('accepts the hex HMAC-SHA256 of the raw body; the delivery header (or Idempotency-Key) is the key', () => {
    expect(verifyDelivery(hmac, hmacSigned())).toEqual({ idempotencyKey: 'd-1' });
    expect(verifyDelivery(hmac, withHeaders(hmacSigned(), { 'idempotency-key': 'k-9' }))).toEqual({
      idempotencyKey: 'k-9',
    });
    expect(
      verifyDelivery({ ...hmac, secrets: ['an-older-shared-secret', HMAC_SECRET] }, hmacSigned()).idempotencyKey,
    ).toBe('d-1');
  });

  it('honours a configured header and prefix', () => {
    const custom: HmacScheme = { ...hmac, header: 'x-signature', prefix: '' };
    const digest = createHmac('sha256', HMAC_SECRET).update(BODY).digest('hex');
    expect(
      verifyDelivery(custom, { workflowId: 'wf', rawBody: Buffer.from(BODY), headers: { 'x-signature': digest } })
        .idempotencyKey,
    ).toBeUndefined();
  });

  it('refuses a missing, malformed, upper-case or foreign signature', () => {
    expect(
      refusal(() => verifyDelivery(hmac, withHeaders(hmacSigned(), { 'x-hub-signature-256': undefined }))),
    ).toMatchObject({ status: 401, code: 'webhook_signature_missing' });
    const value = String(hmacSigned().headers['x-hub-signature-256']);
    for (const bad of [
      value.slice('sha256='.length),
      value.toUpperCase().replace('SHA256=', 'sha256='),
      `${value}0`,
      'sha256=xyz',
    ]) {
      const refused = refusal(() => verifyDelivery(hmac, withHeaders(hmacSigned(), { 'x-hub-signature-256': bad })));
      expect(refused).toMatchObject({ status: 401, code: 'webhook_signature_invalid' });
      expect(refused.message).toContain('x-hub-signature-256');
    }
    expect(refusal(() => verifyDelivery(hmac, hmacSigned(BODY, 'another-workflows-secret')))).toMatchObject({
      status: 401,
      code: 'webhook_signature_invalid',
    });
  });

  it('refuses any change of the body or of the signature (property)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 200 }),
        fc.nat({ max: 63 }),
        fc.constantFrom(...'0123456789abcdef'),
        (bytes, at, digit) => {
          const delivery = hmacSigned();
          const body = Buffer.from(bytes);
          if (!body.equals(delivery.rawBody)) {
            expect(refusal(() => verifyDelivery(hmac, { ...delivery, rawBody: body })).code).toBe(
              'webhook_signature_invalid',
            );
          }
          const value = String(delivery.headers['x-hub-signature-256']);
          const index = 'sha256='.length + at;
          const changed = value.slice(0, index) + digit + value.slice(index + 1);
          if (changed !== value)
            expect(
              refusal(() => verifyDelivery(hmac, withHeaders(delivery, { 'x-hub-signature-256': changed }))).code,
            ).toBe('webhook_signature_invalid');
        },
      ),
      { numRuns: 300 },
    );
  });
});
