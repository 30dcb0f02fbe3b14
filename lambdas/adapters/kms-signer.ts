/**
 * `Signer` backed by an AWS KMS asymmetric key (ECC_NIST_P256, SIGN_VERIFY). KMS signs the message's SHA-256
 * (`MessageType: 'DIGEST'`): no 4 KB limit on what is signed (a manifest of a long request target), 32 bytes on the
 * wire, and the DER signature verifies with node:crypto against the message itself —
 * `crypto.verify('sha256', message, publicKey, signature)` — exactly as a `RAW` signature would.
 */
import { createHash } from 'node:crypto';
import type { KMSClient } from '@aws-sdk/client-kms';
import { SigningUnavailableError, type Signer } from '../core/kernel/ports';
import { kmsSdk } from './lazy-sdk';

export class KmsSigner implements Signer {
  private publicKeyDer?: Promise<Buffer>;

  constructor(
    private readonly kms: KMSClient,
    /** Key id, key ARN or alias. */
    private readonly keyId: string,
  ) {}

  /** KMS throttling is retried by the SDK with jittered back-off (signing is idempotent); what remains is `SigningFailed`. */
  async sign(message: Buffer): Promise<Buffer> {
    let signature: Uint8Array | undefined;
    try {
      const digest = createHash('sha256').update(message).digest();
      const { SignCommand } = kmsSdk();
      signature = (
        await this.kms.send(new SignCommand({ KeyId: this.keyId, Message: digest, MessageType: 'DIGEST', SigningAlgorithm: 'ECDSA_SHA_256' }))
      ).Signature;
    } catch (error) {
      throw new SigningUnavailableError('The signing key could not be used', { cause: error });
    }
    if (!signature) throw new SigningUnavailableError('The signing key returned no signature');
    return Buffer.from(signature);
  }

  /** Fetched once per signer: the public key of a KMS key never changes. */
  publicKey(): Promise<Buffer> {
    this.publicKeyDer ??= this.kms.send(new (kmsSdk().GetPublicKeyCommand)({ KeyId: this.keyId })).then(
      (result) => {
        if (!result.PublicKey) throw new SigningUnavailableError('The signing key has no public key');
        return Buffer.from(result.PublicKey);
      },
      (error) => {
        throw new SigningUnavailableError('The signing key could not be read', { cause: error });
      },
    );
    this.publicKeyDer.catch(() => (this.publicKeyDer = undefined));
    return this.publicKeyDer;
  }
}
