import { createHmac, timingSafeEqual } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { LedgerflowError } from '@ledgerflow/domain';
import { WEBHOOK_SECRETS_FILE_ENV } from './webhooks.secrets.js';
import type { HmacScheme, StandardWebhooksScheme, WebhookScheme } from './webhooks.secrets.js';

/** A delivery as received: header names lower case (as Node gives them), the body's bytes as sent. */
export interface WebhookDelivery {
  readonly workflowId: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly rawBody: Buffer;
}

/** What a verified delivery tells: the idempotency key of its run (`undefined` when it carries none). */
export interface VerifiedDelivery {
  readonly idempotencyKey: string | undefined;
}

/** Standard Webhooks tolerance (the `standardwebhooks` library's): 5 minutes either side of now, in seconds. */
export const WEBHOOK_TOLERANCE_SECONDS = 5 * 60;

/** Canonical decimal seconds: a reformatted timestamp ("+17…", "017…", "17… ") is refused, not reparsed. */
const TIMESTAMP = /^[1-9][0-9]{0,11}$/;
/** Printable ASCII without spaces, as message ids are. */
const MESSAGE_ID = /^[!-~]{1,256}$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

const refuse = (code: string, message: string, details: Record<string, unknown> = {}) =>
  new LedgerflowError(code, message, false, details);

/**
 * Verifies a webhook delivery against its workflow's scheme before anything else looks at it.
 * `scheme` undefined: the workflow has no secret configured, and the delivery is refused (fail closed).
 * @throws LedgerflowError (never retryable), HTTP 401 unless noted:
 *   `webhook_not_configured` (no secret for the workflow), `webhook_signature_missing` (a required header
 *   absent or empty), `webhook_signature_invalid` (malformed header, or no signature matches any secret),
 *   `webhook_timestamp_stale` (`webhook-timestamp` more than 5 minutes from now), `message_malformed`
 *   (400: the body is not UTF-8), `webhook_idempotency_key_mismatch` (400: an `Idempotency-Key` header
 *   that differs from the signed `webhook-id`).
 */
export function verifyDelivery(scheme: WebhookScheme | undefined, delivery: WebhookDelivery): VerifiedDelivery {
  if (scheme === undefined) {
    throw refuse(
      'webhook_not_configured',
      `webhooks of workflow ${delivery.workflowId} are refused: no secret is configured for it; add it to the file named by ${WEBHOOK_SECRETS_FILE_ENV}`,
      {
        workflowId: delivery.workflowId,
        variable: WEBHOOK_SECRETS_FILE_ENV,
      },
    );
  }
  return scheme.scheme === 'standard-webhooks' ? verifyStandard(scheme, delivery) : verifyHmac(scheme, delivery);
}

function header(delivery: WebhookDelivery, name: string): string | undefined {
  const value = delivery.headers[name];
  const text = Array.isArray(value) ? value.join(', ') : value;
  return text === undefined || text === '' ? undefined : text;
}

function required(delivery: WebhookDelivery, name: string): string {
  const value = header(delivery, name);
  if (value === undefined)
    throw refuse(
      'webhook_signature_missing',
      `the ${name} header is required on webhooks of workflow ${delivery.workflowId}`,
      { header: name },
    );
  return value;
}

function verifyStandard(scheme: StandardWebhooksScheme, delivery: WebhookDelivery): VerifiedDelivery {
  const id = required(delivery, 'webhook-id');
  const timestamp = required(delivery, 'webhook-timestamp');
  const signature = required(delivery, 'webhook-signature');
  if (!MESSAGE_ID.test(id))
    throw refuse('webhook_signature_invalid', 'webhook-id must be 1 to 256 printable ASCII characters without spaces', {
      header: 'webhook-id',
    });
  if (!TIMESTAMP.test(timestamp))
    throw refuse('webhook_signature_invalid', 'webhook-timestamp must be whole seconds since the Unix epoch', {
      header: 'webhook-timestamp',
    });
  const skew = Number(timestamp) - Math.floor(Date.now() / 1000);
  if (Math.abs(skew) > WEBHOOK_TOLERANCE_SECONDS) {
    throw refuse(
      'webhook_timestamp_stale',
      `webhook-timestamp is ${Math.abs(skew)} s ${skew < 0 ? 'in the past' : 'in the future'}; at most ${WEBHOOK_TOLERANCE_SECONDS} s either way is accepted`,
      {
        header: 'webhook-timestamp',
        toleranceSeconds: WEBHOOK_TOLERANCE_SECONDS,
      },
    );
  }
  utf8Body(delivery);
  const headers = { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': signature };
  if (!scheme.secrets.some((secret) => standardVerifies(secret, delivery.rawBody, headers))) {
    throw refuse(
      'webhook_signature_invalid',
      'no v1 signature in webhook-signature matches the HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<body>" under the workflow\'s secret',
      {
        header: 'webhook-signature',
      },
    );
  }
  const key = header(delivery, 'idempotency-key');
  if (key !== undefined && key !== id) {
    throw refuse(
      'webhook_idempotency_key_mismatch',
      'Idempotency-Key must equal the signed webhook-id (or be left out)',
      { header: 'idempotency-key' },
    );
  }
  return { idempotencyKey: id };
}

/** The library's verify (tolerance, every listed signature, constant-time compare); false when it refuses. */
function standardVerifies(secret: string, body: Buffer, headers: Record<string, string>): boolean {
  try {
    new Webhook(secret).verify(body, headers, { jsonParse: false });
    return true;
  } catch {
    return false;
  }
}

function verifyHmac(scheme: HmacScheme, delivery: WebhookDelivery): VerifiedDelivery {
  const value = required(delivery, scheme.header);
  const hex = value.startsWith(scheme.prefix) ? value.slice(scheme.prefix.length) : undefined;
  if (hex === undefined || !/^[0-9a-f]{64}$/.test(hex)) {
    throw refuse(
      'webhook_signature_invalid',
      `${scheme.header} must be "${scheme.prefix}" followed by 64 lower-case hex digits (HMAC-SHA256 of the raw body)`,
      { header: scheme.header },
    );
  }
  const given = Buffer.from(hex, 'hex');
  const matches = scheme.secrets.map((secret) =>
    timingSafeEqual(createHmac('sha256', secret).update(delivery.rawBody).digest(), given),
  );
  if (!matches.includes(true)) {
    throw refuse(
      'webhook_signature_invalid',
      `${scheme.header} does not match the HMAC-SHA256 of the raw body under the workflow's secret`,
      { header: scheme.header },
    );
  }
  return { idempotencyKey: header(delivery, 'idempotency-key') ?? header(delivery, scheme.idempotencyHeader) };
}

function utf8Body(delivery: WebhookDelivery): void {
  try {
    utf8.decode(delivery.rawBody);
  } catch {
    throw refuse('message_malformed', 'the webhook body is not valid UTF-8', {});
  }
}
