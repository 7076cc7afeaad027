import { createPrivateKey } from 'node:crypto';
import { ValidateBy } from 'class-validator';

/** Rule `isEd25519Pkcs8`: an Ed25519 private key in PKCS#8 PEM, newlines possibly written as `\n`. */
export const IsEd25519Pkcs8 = (): PropertyDecorator =>
  ValidateBy({
    name: 'isEd25519Pkcs8',
    validator: {
      validate: (value: unknown) => {
        if (typeof value !== 'string' || !value.includes('-----BEGIN PRIVATE KEY-----')) return false;
        try {
          return createPrivateKey(value.replace(/\\n/g, '\n')).asymmetricKeyType === 'ed25519';
        } catch {
          return false;
        }
      },
      defaultMessage: () =>
        'must be an Ed25519 private key in PKCS#8 PEM (-----BEGIN PRIVATE KEY----- ...), e.g. from `openssl genpkey -algorithm ed25519`',
    },
  });
