/**
 * The fields of a Sign or Verify request as KMS checks them: the signing algorithm, and the message with its type
 * and size. What is malformed and what is merely wrong for this key fail differently, as in KMS.
 */
import { KmsError } from './kms-error';
import { SUPPORTED_KEY_SPEC, SUPPORTED_SIGNING_ALGORITHM, type MessageType } from './signing-key';
import { optionalString, requireBlob, requireString, type JsonObject } from './wire';

/** KMS's limit for RAW messages passed to Sign/Verify (https://docs.aws.amazon.com/kms/latest/APIReference/API_Sign.html: Message, 1–4096 bytes). */
const MAX_RAW_MESSAGE_BYTES = 4096;
/** SHA-256 digest size; the only DIGEST length KMS accepts for ECDSA_SHA_256. */
const SHA256_DIGEST_BYTES = 32;
/** Every algorithm name real KMS knows, so we can tell "malformed" from "wrong for this key". */
const KNOWN_SIGNING_ALGORITHMS: readonly string[] = [
  'RSASSA_PSS_SHA_256',
  'RSASSA_PSS_SHA_384',
  'RSASSA_PSS_SHA_512',
  'RSASSA_PKCS1_V1_5_SHA_256',
  'RSASSA_PKCS1_V1_5_SHA_384',
  'RSASSA_PKCS1_V1_5_SHA_512',
  'ECDSA_SHA_256',
  'ECDSA_SHA_384',
  'ECDSA_SHA_512',
  'SM2DSA',
  'ML_DSA_SHAKE_256',
  'ED25519_SHA_512',
  'ED25519_PH_SHA_512',
];

/**
 * Accepts only ECDSA_SHA_256. Unknown names are malformed input
 * (ValidationException); known names that don't fit a P-256 key are
 * InvalidKeyUsageException, mirroring KMS.
 */
export function requireSigningAlgorithm(request: JsonObject): string {
  const algorithm = requireString(request, 'SigningAlgorithm');
  if (!KNOWN_SIGNING_ALGORITHMS.includes(algorithm)) {
    throw new KmsError('ValidationException', `Unknown SigningAlgorithm ${algorithm}`);
  }
  if (algorithm !== SUPPORTED_SIGNING_ALGORITHM) {
    throw new KmsError('InvalidKeyUsageException', `SigningAlgorithm ${algorithm} is not valid for ${SUPPORTED_KEY_SPEC} keys`);
  }
  return algorithm;
}

/**
 * Returns the message of a Sign/Verify request: a RAW message (≤ 4096 bytes, hashed with SHA-256 here, as KMS
 * does) or a DIGEST (the 32-byte SHA-256 the caller computed, signed as is). node:crypto can only sign what it
 * hashes itself, so a DIGEST is signed with @noble/curves' P-256 — the same ECDSA, giving a DER signature that
 * `crypto.verify('sha256', message, key, signature)` accepts for the message the digest was computed from, exactly
 * like a real KMS DIGEST signature
 * (https://docs.aws.amazon.com/kms/latest/APIReference/API_Sign.html#KMS-Sign-request-MessageType).
 */
export function requireMessage(request: JsonObject): { type: MessageType; message: Buffer } {
  const messageType = optionalString(request, 'MessageType') ?? 'RAW';
  const message = requireBlob(request, 'Message');
  if (messageType === 'DIGEST') {
    if (message.length !== SHA256_DIGEST_BYTES) {
      throw new KmsError(
        'ValidationException',
        `Digest is invalid length for algorithm ${SUPPORTED_SIGNING_ALGORITHM} (expected ${SHA256_DIGEST_BYTES} bytes)`,
      );
    }
    return { type: 'DIGEST', message };
  }
  if (messageType !== 'RAW') {
    throw new KmsError('ValidationException', `MessageType ${messageType} is not supported; send RAW or DIGEST`);
  }
  if (message.length > MAX_RAW_MESSAGE_BYTES) {
    throw new KmsError('ValidationException', `Message exceeds the ${MAX_RAW_MESSAGE_BYTES}-byte KMS limit for MessageType RAW`);
  }
  return { type: 'RAW', message };
}
