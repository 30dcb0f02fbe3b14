/**
 * Checks a message-log record on its own: its manifest's signature against the signer's key in the global
 * configuration, and the logged body against the body hash. (Seals over many records come on top of this.)
 */
import { sha256Base64 } from './hashing';
import type { GlobalConfiguration } from './global-configuration';
import type { MessageLogRecord } from './message-log';
import { verifySignature } from './signatures';

export interface RecordCheck {
  readonly signer?: string;
  readonly keyId?: string;
  /** True when the manifest signature verifies with the signer's published key. */
  readonly signatureValid: boolean;
  /** True when the logged body (if kept inline) matches the logged body hash. */
  readonly bodyMatches: boolean;
  readonly problem?: string;
}

export function checkLogRecord(record: MessageLogRecord, configuration: GlobalConfiguration): RecordCheck {
  const bodyMatches = record.body === undefined || sha256Base64(record.body) === record.bodySha256;
  if (!record.manifest || !record.signature) {
    return { signatureValid: false, bodyMatches, problem: record.errorType ? `unsigned layer error ${record.errorType}` : 'no manifest' };
  }
  const bytes = Buffer.from(record.manifest, 'base64');
  let signer: { gateway: string; keyId: string };
  try {
    signer = (JSON.parse(bytes.toString('utf8')) as { signer: { gateway: string; keyId: string } }).signer;
  } catch {
    return { signatureValid: false, bodyMatches, problem: 'manifest is not JSON' };
  }
  const key = configuration.publicKey(signer.gateway, signer.keyId);
  const signatureValid = key !== undefined && verifySignature(key, bytes, Buffer.from(record.signature, 'base64'));
  return {
    signer: signer.gateway,
    keyId: signer.keyId,
    signatureValid,
    bodyMatches,
    problem: !signatureValid ? (key === undefined ? 'signer key not in the global configuration' : 'signature invalid') : bodyMatches ? undefined : 'body does not match its hash',
  };
}
