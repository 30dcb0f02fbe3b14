/** Sign/Verify request fields: malformed input and input wrong for a P-256 key fail as KMS fails them. */
import { requireMessage, requireSigningAlgorithm } from '../../../../lib/local/kms/sign-request';
import { kmsErrorType } from '../../../support/kms-errors';

const base64 = (bytes: Buffer) => bytes.toString('base64');

describe('requireSigningAlgorithm', () => {
  test('ECDSA_SHA_256 is the one accepted', () => {
    expect(requireSigningAlgorithm({ SigningAlgorithm: 'ECDSA_SHA_256' })).toBe('ECDSA_SHA_256');
  });

  test('a known algorithm wrong for a P-256 key is InvalidKeyUsageException; an unknown or missing one ValidationException', () => {
    expect(kmsErrorType(() => requireSigningAlgorithm({ SigningAlgorithm: 'RSASSA_PSS_SHA_256' }))).toBe('InvalidKeyUsageException');
    expect(kmsErrorType(() => requireSigningAlgorithm({ SigningAlgorithm: 'ECDSA_SHA_1' }))).toBe('ValidationException');
    expect(kmsErrorType(() => requireSigningAlgorithm({}))).toBe('ValidationException');
  });
});

describe('requireMessage', () => {
  test('a message is RAW unless the request says DIGEST', () => {
    expect(requireMessage({ Message: base64(Buffer.from('hi')) })).toEqual({ type: 'RAW', message: Buffer.from('hi') });
    expect(requireMessage({ Message: base64(Buffer.alloc(32, 1)), MessageType: 'DIGEST' })).toEqual({ type: 'DIGEST', message: Buffer.alloc(32, 1) });
  });

  test('RAW messages up to 4096 bytes (KMS’s limit), DIGESTs of exactly 32 bytes, and no other message type', () => {
    expect(requireMessage({ Message: base64(Buffer.alloc(4096)) }).message).toHaveLength(4096);
    expect(kmsErrorType(() => requireMessage({ Message: base64(Buffer.alloc(4097)) }))).toBe('ValidationException');
    expect(kmsErrorType(() => requireMessage({ Message: base64(Buffer.alloc(20)), MessageType: 'DIGEST' }))).toBe('ValidationException');
    expect(kmsErrorType(() => requireMessage({ Message: base64(Buffer.alloc(32)), MessageType: 'EXTERNAL_MU' }))).toBe('ValidationException');
  });

  test('a message that is not base64 is SerializationException; a missing one ValidationException', () => {
    expect(kmsErrorType(() => requireMessage({ Message: 'not base64!' }))).toBe('SerializationException');
    expect(kmsErrorType(() => requireMessage({}))).toBe('ValidationException');
  });
});
