import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The gateway variable naming the webhook secrets file. */
export const WEBHOOK_SECRETS_FILE_VARIABLE = 'LEDGERFLOW_WEBHOOK_SECRETS_FILE';

/** One workflow's entry of the secrets file (docs/operations.md, "Webhook signatures"). */
export type WebhookSecretEntry =
  | { readonly scheme: 'standard-webhooks'; readonly secret: string | readonly string[] }
  | {
      readonly scheme: 'hmac-sha256';
      readonly secret: string | readonly string[];
      readonly header?: string;
      readonly prefix?: string;
      readonly idempotencyHeader?: string;
    };

/** A fresh Standard Webhooks secret: `whsec_` + the base64 of 32 random bytes. */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/**
 * Writes `secrets` (workflow id -> entry) as `webhook-secrets.json` (mode 0600) into `dataDir` (created if
 * needed, e.g. the directory a stack will be started on) and returns its path with the variable to pass
 * to the gateway.
 * @example const { env } = await writeWebhookSecrets(dataDir, { 'bench-noop': { scheme: 'standard-webhooks', secret } });
 *          const stack = await startStack({ dataDir, env });
 */
export async function writeWebhookSecrets(
  dataDir: string,
  secrets: Readonly<Record<string, WebhookSecretEntry>>,
): Promise<{ readonly path: string; readonly env: Readonly<Record<string, string>> }> {
  await mkdir(dataDir, { recursive: true });
  const path = join(dataDir, 'webhook-secrets.json');
  await writeFile(path, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600 });
  return { path, env: { [WEBHOOK_SECRETS_FILE_VARIABLE]: path } };
}
