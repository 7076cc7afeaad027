import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import type { ErrorObject } from 'ajv';
import { parse as parseYaml } from 'yaml';
import { Webhook } from 'standardwebhooks';
import { LedgerflowError } from '@ledgerflow/domain';

/** The variable naming the webhook secrets file (YAML or JSON). */
export const WEBHOOK_SECRETS_FILE_ENV = 'LEDGERFLOW_WEBHOOK_SECRETS_FILE';

/** Nest injection token of the gateway's {@link WebhookSecrets}. */
export const WEBHOOK_SECRETS = 'ledgerflow:webhook-secrets';

/** Defaults of the `hmac-sha256` scheme: GitHub's headers (docs.github.com, "Validating webhook deliveries"). */
export const HMAC_DEFAULTS = {
  header: 'X-Hub-Signature-256',
  prefix: 'sha256=',
  idempotencyHeader: 'X-GitHub-Delivery',
} as const;

/** Standard Webhooks (https://www.standardwebhooks.com/): `webhook-id`, `webhook-timestamp`, `webhook-signature`. */
export interface StandardWebhooksScheme {
  readonly scheme: 'standard-webhooks';
  /** `whsec_<base64>` keys, newest first; a delivery signed with any of them verifies (rotation). */
  readonly secrets: readonly string[];
}

/** A hex HMAC-SHA256 of the raw body in one header (GitHub style). Header names are lower case. */
export interface HmacScheme {
  readonly scheme: 'hmac-sha256';
  readonly secrets: readonly string[];
  readonly header: string;
  readonly prefix: string;
  readonly idempotencyHeader: string;
}

export type WebhookScheme = StandardWebhooksScheme | HmacScheme;

/** Verification settings by workflow id; a workflow absent from the map has its webhooks refused. */
export type WebhookSecrets = ReadonlyMap<string, WebhookScheme>;

/** Standard Webhooks keys are 24 to 64 random bytes (the specification, "Signature scheme"). */
const MIN_STANDARD_KEY_BYTES = 24;
const MIN_HMAC_SECRET_CHARS = 16;
const HEADER_NAME = "^[A-Za-z0-9!#$%&'*+.^_`|~-]+$";
const oneOrMany = (item: object) => ({ oneOf: [item, { type: 'array', minItems: 1, maxItems: 10, items: item }] });
const secretValue = { type: 'string', minLength: 1 };
const envName = { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]*$' };

const SCHEMA = {
  type: 'object',
  // The workflow id pattern of libs/definitions (definition.schema.ts).
  propertyNames: { pattern: '^[a-z][a-z0-9-]{0,62}$' },
  additionalProperties: {
    type: 'object',
    required: ['scheme'],
    properties: {
      scheme: { enum: ['standard-webhooks', 'hmac-sha256'] },
      secret: oneOrMany(secretValue),
      secretEnv: oneOrMany(envName),
      header: { type: 'string', pattern: HEADER_NAME },
      prefix: { type: 'string', maxLength: 32 },
      idempotencyHeader: { type: 'string', pattern: HEADER_NAME },
    },
    additionalProperties: false,
    oneOf: [{ required: ['secret'] }, { required: ['secretEnv'] }],
    if: { properties: { scheme: { const: 'standard-webhooks' } } },
    then: { properties: { header: false, prefix: false, idempotencyHeader: false } },
  },
} as const;

const validate = new Ajv({ allErrors: true, strict: false }).compile(SCHEMA);

interface RawEntry {
  scheme: WebhookScheme['scheme'];
  secret?: string | string[];
  secretEnv?: string | string[];
  header?: string;
  prefix?: string;
  idempotencyHeader?: string;
}

/**
 * Reads and validates the webhook secrets file: a YAML or JSON mapping of workflow id to
 * `{ scheme: standard-webhooks, secret | secretEnv }` or
 * `{ scheme: hmac-sha256, secret | secretEnv, header?, prefix?, idempotencyHeader? }`, where `secret` is a
 * secret or a list of them (rotation: each verifies) and `secretEnv` names the variable(s) holding them.
 * No `path`: an empty map (every webhook is refused).
 * @throws LedgerflowError `webhook_secrets_invalid` (not retryable; the gateway exits with code 78) naming
 *   the file and each problem as `/<workflowId>/<field>: <rule>`; secrets are never echoed.
 */
export function loadWebhookSecrets(
  path: string | undefined,
  env: Readonly<Record<string, string | undefined>> = process.env,
): WebhookSecrets {
  if (path === undefined || path === '') return new Map();
  const refuse = (problems: string[]) =>
    new LedgerflowError(
      'webhook_secrets_invalid',
      `${WEBHOOK_SECRETS_FILE_ENV}=${path}: ${problems.join('; ')}`,
      false,
      { file: path, problems },
    );
  let document: unknown;
  try {
    document = parseYaml(readFileSync(path, 'utf8'));
  } catch (error) {
    throw refuse([
      `cannot be read as YAML or JSON: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`,
    ]);
  }
  if (!validate(document)) throw refuse(issues(validate.errors));
  const problems: string[] = [];
  const secrets = new Map<string, WebhookScheme>();
  for (const [workflowId, entry] of Object.entries(document as Record<string, RawEntry>)) {
    const values = secretsOf(workflowId, entry, env, problems);
    if (entry.scheme === 'standard-webhooks') {
      values.forEach((secret, i) =>
        checkStandardKey(`/${workflowId}/secret${values.length > 1 ? `/${i}` : ''}`, secret, problems),
      );
      secrets.set(workflowId, { scheme: 'standard-webhooks', secrets: values });
    } else {
      for (const secret of values) {
        if (secret.length < MIN_HMAC_SECRET_CHARS)
          problems.push(`/${workflowId}/secret: must be at least ${MIN_HMAC_SECRET_CHARS} characters`);
      }
      secrets.set(workflowId, {
        scheme: 'hmac-sha256',
        secrets: values,
        header: (entry.header ?? HMAC_DEFAULTS.header).toLowerCase(),
        prefix: entry.prefix ?? HMAC_DEFAULTS.prefix,
        idempotencyHeader: (entry.idempotencyHeader ?? HMAC_DEFAULTS.idempotencyHeader).toLowerCase(),
      });
    }
  }
  if (problems.length > 0) throw refuse(problems);
  return secrets;
}

function secretsOf(
  workflowId: string,
  entry: RawEntry,
  env: Readonly<Record<string, string | undefined>>,
  problems: string[],
): string[] {
  if (entry.secret !== undefined) return ([] as string[]).concat(entry.secret);
  const names = ([] as string[]).concat(entry.secretEnv ?? []);
  return names.flatMap((name) => {
    const value = env[name];
    if (value === undefined || value === '') {
      problems.push(`/${workflowId}/secretEnv: variable ${name} is unset or empty`);
      return [];
    }
    return [value];
  });
}

function checkStandardKey(where: string, secret: string, problems: string[]): void {
  const base64 = secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret;
  const bytes = /^[A-Za-z0-9+/]+={0,2}$/.test(base64) ? Buffer.from(base64, 'base64').length : 0;
  if (bytes < MIN_STANDARD_KEY_BYTES) {
    problems.push(`${where}: must be whsec_ followed by the base64 of at least ${MIN_STANDARD_KEY_BYTES} random bytes`);
    return;
  }
  try {
    new Webhook(secret);
  } catch (error) {
    problems.push(`${where}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Ajv errors as `/<pointer>: <message>`, without the noise of `if` and of the `oneOf` branches. */
function issues(errors: readonly ErrorObject[] | null | undefined): string[] {
  const shown = (errors ?? []).filter(
    (e) => e.keyword !== 'if' && !/\/oneOf\/\d+\/|^#\/propertyNames\//.test(e.schemaPath),
  );
  return shown.map((e) => {
    const params = e.params as Record<string, unknown>;
    const child = params.additionalProperty ?? params.missingProperty ?? params.propertyName;
    const at = `${e.instancePath}${typeof child === 'string' ? `/${child}` : ''}` || '/';
    if (e.keyword === 'oneOf' && /\/additionalProperties\/oneOf$/.test(e.schemaPath))
      return `${at}: needs exactly one of secret or secretEnv`;
    if (e.keyword === 'oneOf')
      return `${at}: must be ${at.endsWith('/secretEnv') ? 'a variable name' : 'a string'} or a list of 1 to 10 of them`;
    if (e.keyword === 'false schema') return `${at}: is not a setting of the standard-webhooks scheme`;
    if (e.keyword === 'additionalProperties') return `${at}: is not an allowed property`;
    if (e.keyword === 'enum') return `${at}: must be one of ${JSON.stringify(params.allowedValues)}`;
    if (e.keyword === 'propertyNames')
      return `${at}: is not a workflow id (lower-case letters, digits and '-', starting with a letter)`;
    return `${at}: ${e.message ?? e.keyword}`;
  });
}
