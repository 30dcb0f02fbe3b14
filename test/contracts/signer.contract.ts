/**
 * The `Signer` contract (`lambdas/core/ports.ts`): ECDSA P-256 over SHA-256 with a DER signature, verifiable with
 * node:crypto against the key's DER SubjectPublicKeyInfo — what every peer does with a manifest, a seal or a global
 * configuration. Any message length (KMS signs a digest, so its 4 KB limit for raw messages does not apply). A key
 * that cannot be used is `SigningUnavailableError`, which the core turns into `SigningFailed`.
 */
import { createPublicKey, verify } from 'node:crypto';
import type { Signer } from '../../lambdas/core/kernel/ports';
import { SigningUnavailableError } from '../../lambdas/core/kernel/ports';
import { rejectionOf } from '../support/assertions';

export interface SignerSubject {
  /** A signer of a new key. */
  make(): Promise<Signer>;
  /** A signer whose key service is down. @default - no way to make it unavailable */
  readonly unavailable?: () => Signer;
  /**
   * Faults at the key service's wire, for the retries the adapter promises: the next `times` calls of `operation`
   * throttled or failing (500); each tells how many calls were made meanwhile. @default - none
   */
  readonly faults?: {
    make(): Promise<Signer>;
    inject(operation: 'Sign' | 'GetPublicKey', kind: 'throttle' | 'unavailable', times?: number): { calls(): number };
  };
}

export const verifies = (message: Buffer, publicKey: Buffer, signature: Buffer) =>
  verify('sha256', message, { key: publicKey, format: 'der', type: 'spki' }, signature);

export function describeSignerContract(name: string, subject: SignerSubject): void {
  describe(`Signer contract: ${name}`, () => {
    test('a signature verifies with node:crypto (ECDSA, SHA-256, DER) against the public key, and for no other message', async () => {
      const signer = await subject.make();
      const message = Buffer.from('{"type":"sild.request.v1","xRoadId":"6de8a005"}');
      const signature = await signer.sign(message);
      expect(verifies(message, await signer.publicKey(), signature)).toBe(true);
      expect(verifies(Buffer.from('{"type":"sild.request.v1","xRoadId":"6de8a006"}'), await signer.publicKey(), signature)).toBe(false);
    });

    test('the public key is a DER SubjectPublicKeyInfo of a P-256 key, the same on every call', async () => {
      const signer = await subject.make();
      const publicKey = await signer.publicKey();
      const key = createPublicKey({ key: publicKey, format: 'der', type: 'spki' });
      expect({ type: key.asymmetricKeyType, curve: key.asymmetricKeyDetails?.namedCurve }).toEqual({ type: 'ec', curve: 'prime256v1' });
      expect((await signer.publicKey()).equals(publicKey)).toBe(true);
    });

    test('messages of any length are signed: empty, and 64 KB (beyond KMS’s 4 KB for raw messages)', async () => {
      const signer = await subject.make();
      for (const message of [Buffer.alloc(0), Buffer.alloc(64 * 1024, 'm')]) {
        expect(verifies(message, await signer.publicKey(), await signer.sign(message))).toBe(true);
      }
    });

    test('two keys are two keys: a signature does not verify under another key', async () => {
      const [one, other] = [await subject.make(), await subject.make()];
      const message = Buffer.from('seal header');
      expect((await one.publicKey()).equals(await other.publicKey())).toBe(false);
      expect(verifies(message, await other.publicKey(), await one.sign(message))).toBe(false);
    });

    const unavailable = subject.unavailable;
    if (unavailable) {
      test('a key service that is down: sign and publicKey are SigningUnavailableError', async () => {
        const signer = unavailable();
        expect(await rejectionOf(signer.sign(Buffer.from('x')))).toBeInstanceOf(SigningUnavailableError);
        expect(await rejectionOf(signer.publicKey())).toBeInstanceOf(SigningUnavailableError);
      });
    }

    const faults = subject.faults;
    if (faults) {
      test('a throttled signature is retried, and the signature made verifies', async () => {
        const signer = await faults.make();
        const publicKey = await signer.publicKey();
        const injected = faults.inject('Sign', 'throttle', 1);
        const signature = await signer.sign(Buffer.from('x'));
        expect(injected.calls()).toBe(2);
        expect(verifies(Buffer.from('x'), publicKey, signature)).toBe(true);
      });

      test('a key service failing on every attempt: SigningUnavailableError', async () => {
        const signer = await faults.make();
        faults.inject('Sign', 'unavailable');
        expect(await rejectionOf(signer.sign(Buffer.from('x')))).toBeInstanceOf(SigningUnavailableError);
      });

      test('a public key that could not be read is read again on the next call (the failure is not kept)', async () => {
        const signer = await faults.make();
        const injected = faults.inject('GetPublicKey', 'unavailable', 3);
        expect(await rejectionOf(signer.publicKey())).toBeInstanceOf(SigningUnavailableError);
        expect(injected.calls()).toBe(3);
        const publicKey = await signer.publicKey();
        expect(verifies(Buffer.from('x'), publicKey, await signer.sign(Buffer.from('x')))).toBe(true);
      });
    }
  });
}
