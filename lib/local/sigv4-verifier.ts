/**
 * The local stand-in for API Gateway's IAM authorization: verifies an AWS Signature V4 on a request against the
 * local credential store and returns the caller's account. It re-signs the request with the same signed headers,
 * date and scope and compares signatures — the check AWS performs, so the same SigV4 client code runs locally.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';

export interface LocalCredential {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly account: string;
  /** The principal's ARN as API Gateway would report it. */
  readonly arn: string;
}

export interface SignedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string | string[]>;
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

/** Maximum difference between the signature date and now, as AWS allows. */
const MAX_SKEW_MS = 15 * 60 * 1000;
const AUTHORIZATION =
  /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/;

/**
 * `service`: the service the request must be signed for (its credential scope). Beyond the signature itself, as AWS
 * checks (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html): `host` and
 * every `x-amz-*` header sent must be signed, and a payload hash sent in `x-amz-content-sha256` must be the body's.
 */
export async function verifySigV4(
  request: SignedRequest,
  credentials: readonly LocalCredential[],
  nowMs: number,
  service: string,
  options: { uriEscapePath?: boolean } = {},
): Promise<LocalCredential | undefined> {
  const match = AUTHORIZATION.exec(request.headers.authorization ?? '');
  const amzDate = request.headers['x-amz-date'];
  if (!match || !amzDate) return undefined;
  const [, accessKeyId, , region, scopeService, signedHeaderList, signature] = match;
  if (scopeService !== service) return undefined;
  const credential = credentials.find((entry) => entry.accessKeyId === accessKeyId);
  if (!credential) return undefined;
  const signingDate = new Date(amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));
  if (Number.isNaN(signingDate.getTime()) || Math.abs(nowMs - signingDate.getTime()) > MAX_SKEW_MS) return undefined;
  const signedNames = new Set(signedHeaderList.split(';'));
  const mustBeSigned = ['host', ...Object.keys(request.headers).filter((name) => name.startsWith('x-amz-'))];
  if (mustBeSigned.some((name) => !signedNames.has(name))) return undefined;
  // A payload hash sent must be the body's; S3 also takes `UNSIGNED-PAYLOAD` (the body is then not signed).
  const payloadHash = request.headers['x-amz-content-sha256'];
  if (payloadHash !== undefined && payloadHash !== 'UNSIGNED-PAYLOAD' && payloadHash !== createHash('sha256').update(request.body).digest('hex'))
    return undefined;
  const headers: Record<string, string> = {};
  for (const name of signedNames) {
    if (request.headers[name] === undefined) return undefined;
    headers[name] = request.headers[name];
  }
  // S3 signs the path as sent (no second escaping); every other service escapes it (uriEscapePath).
  const signer = new SignatureV4({
    service,
    region,
    credentials: credential,
    sha256: Hash.bind(null, 'sha256'),
    uriEscapePath: options.uriEscapePath ?? true,
  });
  const expected = await signer.sign(
    {
      method: request.method,
      protocol: 'http:',
      hostname: (headers.host ?? '').split(':')[0],
      path: request.path,
      query: request.query,
      headers,
      body: request.body,
    },
    { signingDate, signingRegion: region, signingService: service },
  );
  const expectedSignature = /Signature=([0-9a-f]{64})/.exec(String(expected.headers.authorization))?.[1] ?? '';
  const equal = expectedSignature.length === signature.length && timingSafeEqual(Buffer.from(expectedSignature), Buffer.from(signature));
  return equal ? credential : undefined;
}
