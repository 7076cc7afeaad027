import { createPrivateKey } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { ValidateBy } from 'class-validator';
import type { ValidationOptions } from 'class-validator';

const PKCS8_HEADER = '-----BEGIN PRIVATE KEY-----';

/**
 * The grant signing key from its PEM text (`LEDGERFLOW_GRANT_SIGNING_KEY`): an Ed25519 private key in
 * PKCS#8 PEM. Newlines may be written as `\n` (one-line environment values).
 * @throws Error naming the expected format, never quoting the key.
 */
export function grantSigningKeyOf(pem: string): KeyObject {
  const text = pemText(pem);
  let key: KeyObject;
  try {
    if (!text.includes(PKCS8_HEADER)) throw new Error('not PKCS#8');
    key = createPrivateKey({ key: text, format: 'pem' });
  } catch {
    throw new Error(`must be an Ed25519 private key in PKCS#8 PEM (${PKCS8_HEADER} ...)`);
  }
  if (key.asymmetricKeyType !== 'ed25519')
    throw new Error(`must be an Ed25519 private key, not ${key.asymmetricKeyType ?? 'unknown'}`);
  return key;
}

/** The PEM with `\n` escapes turned into newlines. */
export const pemText = (pem: string): string => pem.replace(/\\n/g, '\n').trim();

/** class-validator rule `isEd25519PrivateKey`: the value passes {@link grantSigningKeyOf}. */
export function IsEd25519PrivateKey(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isEd25519PrivateKey',
      validator: {
        validate: (value: unknown) => {
          if (typeof value !== 'string') return false;
          try {
            grantSigningKeyOf(value);
            return true;
          } catch {
            return false;
          }
        },
        defaultMessage: () => `must be an Ed25519 private key in PKCS#8 PEM (${PKCS8_HEADER} ...)`,
      },
    },
    options,
  );
}
