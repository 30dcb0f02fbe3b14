/**
 * The errors of the local KMS: each is one KMS wire error (`__type` and message, with its HTTP status), thrown by the
 * key store and the protocol alike, and turned into the answer's status and body in this one place.
 */

/** An error that maps 1:1 onto a KMS wire error. */
export class KmsError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/** The body of a KMS error answer; the SDK turns `__type` into the thrown error's `name`. */
export type KmsErrorBody = { readonly __type: string; readonly message: string };

/** The status and body answering `err`: a `KmsError` as it says, anything else as KMS's own failure (HTTP 500). */
export function wireError(err: unknown): { status: number; body: KmsErrorBody } {
  if (err instanceof KmsError) return { status: err.status, body: { __type: err.type, message: err.message } };
  return { status: 500, body: { __type: 'KMSInternalException', message: err instanceof Error ? err.message : String(err) } };
}
