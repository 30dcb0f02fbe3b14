/**
 * `Signer` backed by an AWS KMS asymmetric key (ECC_NIST_P256, SIGN_VERIFY). Messages are signed `RAW` (they are
 * small manifests, ≤ 4 KB), so the signature verifies with node:crypto against the key's public half.
 */
import { GetPublicKeyCommand, SignCommand, type KMSClient } from '@aws-sdk/client-kms';
import type { Signer } from '../core/ports';

export class KmsSigner implements Signer {
  private publicKeyDer?: Promise<Buffer>;

  constructor(
    private readonly kms: KMSClient,
    /** Key id, key ARN or alias. */
    private readonly keyId: string,
  ) {}

  async sign(message: Buffer): Promise<Buffer> {
    const result = await this.kms.send(
      new SignCommand({ KeyId: this.keyId, Message: message, MessageType: 'RAW', SigningAlgorithm: 'ECDSA_SHA_256' }),
    );
    if (!result.Signature) throw new Error(`KMS returned no signature for ${this.keyId}`);
    return Buffer.from(result.Signature);
  }

  /** Fetched once per signer: the public key of a KMS key never changes. */
  publicKey(): Promise<Buffer> {
    this.publicKeyDer ??= this.kms.send(new GetPublicKeyCommand({ KeyId: this.keyId })).then((result) => {
      if (!result.PublicKey) throw new Error(`KMS returned no public key for ${this.keyId}`);
      return Buffer.from(result.PublicKey);
    });
    this.publicKeyDer.catch(() => (this.publicKeyDer = undefined));
    return this.publicKeyDer;
  }
}
