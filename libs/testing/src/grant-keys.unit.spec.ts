import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { generateGrantKeys } from './index.js';

describe('generateGrantKeys', () => {
  it('makes a matching Ed25519 pair as PKCS#8 and SPKI PEM, fresh each time', () => {
    const keys = generateGrantKeys();
    expect(keys.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n[\s\S]+\n-----END PRIVATE KEY-----\n$/);
    expect(keys.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----\n[\s\S]+\n-----END PUBLIC KEY-----\n$/);
    const privateKey = createPrivateKey(keys.privateKeyPem);
    const publicKey = createPublicKey(keys.publicKeyPem);
    expect([privateKey.asymmetricKeyType, publicKey.asymmetricKeyType]).toEqual(['ed25519', 'ed25519']);
    const data = Buffer.from('grant');
    expect(verify(null, data, publicKey, sign(null, data, privateKey))).toBe(true);
    const other = generateGrantKeys();
    expect(other.publicKeyPem).not.toBe(keys.publicKeyPem);
    expect(verify(null, data, createPublicKey(other.publicKeyPem), sign(null, data, privateKey))).toBe(false);
  });
});
