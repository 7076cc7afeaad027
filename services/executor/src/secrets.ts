import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Prefix of a secret's environment variable (see {@link secretEnvName}). */
export const SECRET_ENV_PREFIX = 'LEDGERFLOW_SECRET_';

/**
 * Secret names as definitions declare them (`requiredSecrets`): a letter or digit, then up to 127 of
 * `[A-Za-z0-9._-]` (the keys a Kubernetes Secret allows, so never a path).
 */
export const SECRET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** The environment variable of a secret: upper case, `.` and `-` as `_` (`billing-api-key` -> `LEDGERFLOW_SECRET_BILLING_API_KEY`). */
export const secretEnvName = (name: string): string =>
  `${SECRET_ENV_PREFIX}${name.toUpperCase().replace(/[^A-Z0-9_]/g, '_')}`;

/** Largest secret value read, in bytes (a file in the secrets directory, or an environment variable). */
export const MAX_SECRET_BYTES = 16 * 1024;

/** The values found (by name) and the names that have none, in the order asked. */
export interface ResolvedSecrets {
  readonly values: Readonly<Record<string, string>>;
  readonly missing: readonly string[];
}

/**
 * Where the executor finds the secrets a workflow declares (`requiredSecrets`, docs/definitions.md): first the
 * file `<dir>/<name>` of a mounted secrets directory (`LEDGERFLOW_SECRETS_DIR`, e.g. a Kubernetes Secret volume;
 * one trailing newline is dropped), then the environment variable {@link secretEnvName} (`LEDGERFLOW_SECRET_<NAME>`). Values are read at
 * each dispatch (a rotated file is used from the next tool call), handed to the tool worker only, and never
 * persisted or logged. An empty value, or one over {@link MAX_SECRET_BYTES}, counts as missing.
 */
export class SecretProvider {
  constructor(
    private readonly dir: string | undefined,
    private readonly env: Readonly<Record<string, string | undefined>> = process.env,
  ) {}

  async resolve(names: readonly string[]): Promise<ResolvedSecrets> {
    const values: Record<string, string> = {};
    const missing: string[] = [];
    for (const name of names) {
      const value = SECRET_NAME.test(name) ? ((await this.fromDir(name)) ?? this.env[secretEnvName(name)]) : undefined;
      if (value === undefined || value === '' || Buffer.byteLength(value) > MAX_SECRET_BYTES) missing.push(name);
      else values[name] = value;
    }
    return { values, missing };
  }

  private async fromDir(name: string): Promise<string | undefined> {
    if (!this.dir) return undefined;
    try {
      return (await readFile(join(this.dir, name), 'utf8')).replace(/\r?\n$/, '');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }
}

/** The `lf-secrets` header value: base64url of the JSON object name -> value. */
export const encodeSecretsHeader = (values: Readonly<Record<string, string>>): string =>
  Buffer.from(JSON.stringify(values)).toString('base64url');
