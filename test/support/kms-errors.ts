import { KmsError } from '../../lib/local/kms/kms-error';

/** The local KMS error type `call` throws, failing the test if it throws none. */
export function kmsErrorType(call: () => unknown): string {
  try {
    call();
  } catch (err) {
    if (err instanceof KmsError) return err.type;
    throw err;
  }
  throw new Error('expected a KmsError');
}
