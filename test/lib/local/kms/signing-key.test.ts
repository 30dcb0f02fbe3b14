/** The key material: P-256 keys whose RAW and DIGEST signatures verify as real KMS ones do. */
import * as crypto from 'crypto';
import { generateSigningKey, publicKeyDerOf, signMessage, verifyMessage } from '../../../../lib/local/kms/signing-key';

describe('signing key', () => {
  const { privateKey, publicKeyDer } = generateSigningKey();
  const publicKey = crypto.createPublicKey({ key: publicKeyDer, format: 'der', type: 'spki' });
  const message = Buffer.from('hello, Sild');
  const digest = crypto.createHash('sha256').update(message).digest();

  test('a new key is P-256, its public key the DER SPKI of its private key', () => {
    expect(publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(publicKeyDerOf(privateKey).equals(publicKeyDer)).toBe(true);
  });

  test('a RAW signature verifies with node:crypto against the message, and with verifyMessage', () => {
    const signature = signMessage(privateKey, 'RAW', message);
    expect(crypto.verify('sha256', message, publicKey, signature)).toBe(true);
    expect(verifyMessage(privateKey, 'RAW', message, signature)).toBe(true);
    expect(verifyMessage(privateKey, 'RAW', Buffer.from('hello, Sild!'), signature)).toBe(false);
  });

  test('a DIGEST signature verifies against the message the digest came from', () => {
    const signature = signMessage(privateKey, 'DIGEST', digest);
    expect(crypto.verify('sha256', message, publicKey, signature)).toBe(true);
    expect(verifyMessage(privateKey, 'DIGEST', digest, signature)).toBe(true);
    expect(verifyMessage(privateKey, 'RAW', message, signature)).toBe(true);
  });

  test("another key's signature and a malformed signature are not valid (no exception)", () => {
    const other = generateSigningKey().privateKey;
    for (const type of ['RAW', 'DIGEST'] as const) {
      const signed = type === 'RAW' ? message : digest;
      expect(verifyMessage(privateKey, type, signed, signMessage(other, type, signed))).toBe(false);
      expect(verifyMessage(privateKey, type, signed, Buffer.from('not DER'))).toBe(false);
    }
  });
});
