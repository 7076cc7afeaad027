import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateEd25519KeyPair } from '@ledgerflow/auth';

/** The secrets of a one-machine instance, generated once into its data directory and reused. */
export interface DevSecrets {
  /** Ed25519 PKCS#8 PEM: the policy service signs step grants (`LEDGERFLOW_GRANT_SIGNING_KEY`). */
  readonly grantSigningKey: string;
  /** Its SPKI PEM: tool workers verify grants (`LEDGERFLOW_GRANT_VERIFY_KEY`). */
  readonly grantVerifyKey: string;
  /** 32 random bytes, base64: the PII vault key (`LEDGERFLOW_PII_KEY`). */
  readonly piiKey: string;
  /** 48 random bytes, base64url (64 characters): the HS256 key of bearer tokens (`LEDGERFLOW_AUTH_SECRET`). */
  readonly authSecret: string;
  /** True when this call generated them (first start on this data directory). */
  readonly created: boolean;
}

const FILES = {
  grantSigningKey: 'grant-signing-key.pem',
  grantVerifyKey: 'grant-verify-key.pem',
  piiKey: 'pii.key',
  authSecret: 'auth-secret',
} as const;

/**
 * Reads the development secrets from `dir`, or generates them there (directory mode 0700, files 0600) when
 * none exist. Losing them loses the PII vault's plaintext; sharing them lets anyone mint tokens and grants.
 * @throws Error naming the file when only some of them exist (a partial copy), and the file system's errors.
 */
export async function loadOrCreateDevSecrets(dir: string): Promise<DevSecrets> {
  const existing = await Promise.all(
    Object.values(FILES).map((file) =>
      readFile(join(dir, file), 'utf8').then(
        (text) => text.trim(),
        () => undefined,
      ),
    ),
  );
  if (existing.every((value) => value !== undefined)) {
    const [grantSigningKey, grantVerifyKey, piiKey, authSecret] = existing as string[];
    return { grantSigningKey, grantVerifyKey, piiKey, authSecret, created: false } as DevSecrets;
  }
  const missing = Object.values(FILES).filter((_, i) => existing[i] === undefined);
  if (missing.length < Object.keys(FILES).length) {
    throw new Error(
      `${dir} holds only some development secrets (missing: ${missing.join(', ')}); restore them, or move the data directory away to start afresh`,
    );
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const keys = generateEd25519KeyPair();
  const secrets = {
    grantSigningKey: keys.privateKeyPem.trim(),
    grantVerifyKey: keys.publicKeyPem.trim(),
    piiKey: randomBytes(32).toString('base64'),
    authSecret: randomBytes(48).toString('base64url'),
  };
  for (const [field, file] of Object.entries(FILES)) {
    await writeFile(join(dir, file), `${secrets[field as keyof typeof FILES]}\n`, { mode: 0o600, flag: 'wx' });
  }
  return { ...secrets, created: true };
}

/** The HS256 token key of an instance's data directory, for `ledgerflow token`. */
export async function readAuthSecret(secretsDir: string): Promise<string> {
  try {
    return (await readFile(join(secretsDir, FILES.authSecret), 'utf8')).trim();
  } catch {
    throw new Error(
      `no development token key in ${secretsDir}: start Ledgerflow on this data directory once (npx ledgerflow start)`,
    );
  }
}
