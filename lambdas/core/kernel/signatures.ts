/**
 * Signature checks, done locally with public keys from the global configuration (never a KMS call per message).
 * Keys are ECDSA P-256 in DER SubjectPublicKeyInfo form, exactly what KMS `GetPublicKey` returns; signatures are
 * DER, exactly what KMS `Sign` returns.
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { sha256Hex } from './hashing';

/** A key's id: the first 128 bits of the SHA-256 of its DER SPKI, hex. Derived, so it needs no registry. */
export function keyIdOf(spkiDer: Buffer): string {
  return sha256Hex(spkiDer).slice(0, 32);
}

/** The fingerprint humans compare when they install an anchor: SHA-256 of the DER SPKI, hex, colon-grouped. */
export function fingerprintOf(spkiDer: Buffer): string {
  return sha256Hex(spkiDer).match(/.{2}/g)!.join(':').toUpperCase();
}

/** Parsing DER is three times the cost of the verification itself; cache the parsed keys. */
const parsedKeys = new Map<string, KeyObject>();
const MAX_CACHED_KEYS = 1024;

export function publicKeyObject(spkiBase64: string): KeyObject {
  let key = parsedKeys.get(spkiBase64);
  if (!key) {
    key = createPublicKey({ key: Buffer.from(spkiBase64, 'base64'), format: 'der', type: 'spki' });
    if (parsedKeys.size >= MAX_CACHED_KEYS) parsedKeys.clear();
    parsedKeys.set(spkiBase64, key);
  }
  return key;
}

/** True when `signature` is a valid ECDSA-SHA256 signature of `message` by the key; false for any malformed input. */
export function verifySignature(spkiBase64: string, message: Buffer, signature: Buffer): boolean {
  try {
    return verify('sha256', message, publicKeyObject(spkiBase64), signature);
  } catch {
    return false;
  }
}
