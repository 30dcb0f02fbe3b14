/**
 * The one kind of key the local KMS holds — ECC_NIST_P256 for SIGN_VERIFY with ECDSA_SHA_256 — and what it does with
 * its material: generate it, sign and verify a RAW message or a DIGEST. Signatures are DER, as KMS returns them.
 */
import * as crypto from 'crypto';
import { p256 } from '@noble/curves/p256';

export const SUPPORTED_KEY_SPEC = 'ECC_NIST_P256';
export const SUPPORTED_KEY_USAGE = 'SIGN_VERIFY';
export const SUPPORTED_SIGNING_ALGORITHM = 'ECDSA_SHA_256';

/** How a Sign/Verify message is given: the message itself (RAW) or the SHA-256 digest the caller computed. */
export type MessageType = 'RAW' | 'DIGEST';

/** A new P-256 key pair; the public key as DER SPKI, the form GetPublicKey returns. */
export function generateSigningKey(): { privateKey: crypto.KeyObject; publicKeyDer: Buffer } {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { privateKey, publicKeyDer: publicKey.export({ format: 'der', type: 'spki' }) };
}

/** The DER SPKI public key of a private key. */
export function publicKeyDerOf(privateKey: crypto.KeyObject): Buffer {
  return crypto.createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
}

/**
 * ECDSA_SHA_256 over `message`: a RAW message is hashed here; a DIGEST is signed as is, with @noble/curves because
 * node:crypto can only sign what it hashes itself. Either way the DER signature verifies, with
 * `crypto.verify('sha256', …)`, against the message (the digest was computed from), like a real KMS signature
 * (https://docs.aws.amazon.com/kms/latest/APIReference/API_Sign.html#KMS-Sign-request-MessageType).
 */
export function signMessage(privateKey: crypto.KeyObject, type: MessageType, message: Buffer): Buffer {
  return type === 'RAW' ? crypto.sign('sha256', message, privateKey) : signDigest(message, privateKey);
}

/** Whether `signature` is this key's signature of the message; a malformed signature is simply not valid. */
export function verifyMessage(privateKey: crypto.KeyObject, type: MessageType, message: Buffer, signature: Buffer): boolean {
  return type === 'RAW' ? verifySignature(message, privateKey, signature) : verifyDigest(message, privateKey, signature);
}

const privateScalar = (privateKey: crypto.KeyObject) => Buffer.from(privateKey.export({ format: 'jwk' }).d!, 'base64url');

/** ECDSA P-256 over a precomputed SHA-256 digest, DER-encoded (what KMS returns). */
function signDigest(digest: Buffer, privateKey: crypto.KeyObject): Buffer {
  return Buffer.from(p256.sign(digest, privateScalar(privateKey), { prehash: false }).toDERRawBytes());
}

function verifyDigest(digest: Buffer, privateKey: crypto.KeyObject, signature: Buffer): boolean {
  try {
    const publicKey = p256.getPublicKey(privateScalar(privateKey), false);
    return p256.verify(p256.Signature.fromDER(signature).toCompactRawBytes(), digest, publicKey, { prehash: false });
  } catch {
    return false;
  }
}

/** crypto.verify throws on malformed DER; to KMS that is simply an invalid signature. */
function verifySignature(message: Buffer, privateKey: crypto.KeyObject, signature: Buffer): boolean {
  try {
    return crypto.verify('sha256', message, crypto.createPublicKey(privateKey), signature);
  } catch {
    return false;
  }
}
