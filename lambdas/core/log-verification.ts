/**
 * Checks a message-log record on its own: its manifest's signature against the signer's key in the global
 * configuration; the logged body against the body hash; and, where the body and headers were logged, the signed
 * request or response hash recomputed from them — which ties the logged message to the signature.
 */
import { requestHash, responseHash, sha256Base64 } from './hashing';
import type { GlobalConfiguration } from './global-configuration';
import type { MessageLogRecord } from './message-log';
import { resolveSigner } from './message-signer';
import { verifySignature } from './signatures';

export interface RecordCheck {
  readonly signer?: string;
  readonly keyId?: string;
  /** True when the manifest signature verifies with the signer's published key. */
  readonly signatureValid: boolean;
  /** True when the logged body (if kept inline) matches the logged body hash. */
  readonly bodyMatches: boolean;
  /** True when the logged headers and body reproduce the manifest's hash; undefined when they were not logged. */
  readonly hashMatches?: boolean;
  readonly problem?: string;
}

type PublicKeyLookup = Pick<GlobalConfiguration, 'publicKey'>;


interface ManifestFields {
  signer: { gateway: string; keyId: string };
  createdAt: string;
  headers: string[];
  requestHash?: string;
  responseHash?: string;
  status?: number;
}

export function checkLogRecord(record: MessageLogRecord, keys: PublicKeyLookup): RecordCheck {
  const bodyMatches = record.body === undefined || sha256Base64(record.body) === record.bodySha256;
  if (!record.manifest || !record.signature) {
    return { signatureValid: false, bodyMatches, problem: record.errorType ? `unsigned layer error ${record.errorType}` : 'no manifest' };
  }
  const bytes = Buffer.from(record.manifest, 'base64');
  let manifest: ManifestFields;
  try {
    manifest = JSON.parse(bytes.toString('utf8')) as ManifestFields;
  } catch {
    return { signatureValid: false, bodyMatches, problem: 'manifest is not JSON' };
  }
  const resolution = manifest.signer ? resolveSigner(keys, manifest.signer, Date.parse(manifest.createdAt), record.certificate) : { problem: 'manifest names no signer' };
  const key = 'publicKey' in resolution ? resolution.publicKey : undefined;
  const signatureValid = key !== undefined && verifySignature(key, bytes, Buffer.from(record.signature, 'base64'));
  const hashMatches = record.headers && record.body !== undefined ? recomputedHash(record, manifest) : undefined;
  const problem = !signatureValid
    ? 'problem' in resolution ? resolution.problem : 'signature invalid'
    : !bodyMatches ? 'body does not match its hash' : hashMatches === false ? 'logged message does not match its signed hash' : undefined;
  return { signer: manifest.signer.gateway, keyId: manifest.signer.keyId, signatureValid, bodyMatches, hashMatches, problem };
}

function recomputedHash(record: MessageLogRecord, manifest: ManifestFields): boolean {
  const headers = record.headers ?? {};
  const body = record.body ?? Buffer.alloc(0);
  if (record.direction === 'request') return requestHash(record.method, record.target, headers, manifest.headers, body) === manifest.requestHash;
  return manifest.status === record.status && responseHash(record.status ?? 0, headers, manifest.headers, body) === manifest.responseHash;
}
