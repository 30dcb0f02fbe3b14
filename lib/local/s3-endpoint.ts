/**
 * A local stand-in for Amazon S3, speaking the REST protocol (path-style) well enough that an unmodified
 * `@aws-sdk/client-s3` (`endpoint`, `forcePathStyle: true`) and `@aws-sdk/s3-request-presigner` work against it:
 * CreateBucket, PutObject, GetObject and HeadObject, and GETs by presigned URL. In the same spirit as the local KMS
 * endpoint it is not an S3 emulator: what Sild does not use is refused loudly.
 *
 * What it checks as S3 does: every call is signed — in its headers (the SDK) or in its query (a presigned GET, which
 * must not have expired: https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html) — by a known
 * principal, and authorized with that principal's identity policies and the bucket's policy (`iam`); refusals are
 * S3's XML errors (`403 AccessDenied`, `SignatureDoesNotMatch`, `InvalidAccessKeyId`; a missing key `404 NoSuchKey`
 * to a caller who may list the bucket, `403 AccessDenied` to others).
 */
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { signedCaller, type SignatureRefusal } from './iam/aws-caller';
import type { LocalPrincipal } from './iam/authorizer';
import { LocalIam } from './iam/local-iam';
import { readBody } from './read-body';
import { guardedListener, percentDecoded, requestUrl } from './request-input';
import { entityTagMatches } from '../../lambdas/core/kernel/http';

export interface LocalS3Options {
  /** Objects persist under this folder; memory only when unset. */
  readonly stateDir?: string;
  /** Who may call, and what they may do. @default - the operator alone */
  readonly iam?: LocalIam;
  /** @default 0 (ephemeral) */
  readonly port?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

export interface LocalS3Endpoint {
  readonly url: string;
  /** Objects stored, by `bucket/key` (tests inspect and tamper with them). */
  readonly objects: Map<string, Buffer>;
  stop(): Promise<void>;
}

/** A local bound well below S3's 5 GB for one PUT: Sild's bodies are at most the gateways' 6 MB limit. */
const MAX_OBJECT_BYTES = 64 * 1024 * 1024;

export async function startLocalS3(options: LocalS3Options = {}): Promise<LocalS3Endpoint> {
  const now = options.now ?? Date.now;
  const iam = options.iam ?? new LocalIam();
  const buckets = new Set<string>();
  const objects = new Map<string, Buffer>();
  // With a state folder: one folder per bucket, one file per object (written through, read on a cache miss).
  const folder = (bucket: string) => options.stateDir && join(options.stateDir, encodeURIComponent(bucket));
  const objectFile = (bucket: string, key: string) => options.stateDir && join(folder(bucket)!, encodeURIComponent(key));
  const hasBucket = (bucket: string) => buckets.has(bucket) || Boolean(options.stateDir && existsSync(folder(bucket)!));
  const putObject = (bucket: string, key: string, body: Buffer) => {
    objects.set(`${bucket}/${key}`, body);
    if (options.stateDir) writeFileSync(objectFile(bucket, key)!, body);
  };
  const getObject = (bucket: string, key: string): Buffer | undefined => {
    const cached = objects.get(`${bucket}/${key}`);
    if (cached || !options.stateDir || !existsSync(objectFile(bucket, key)!)) return cached;
    return readFileSync(objectFile(bucket, key)!);
  };

  async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readBody(request, MAX_OBJECT_BYTES);
    const url = requestUrl(request);
    const [bucket, ...rest] = url?.pathname.slice(1).split('/') ?? [];
    const key = percentDecoded(rest.join('/'));
    // S3's answer to a target it cannot parse (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#ErrorCodeList).
    if (!url || key === undefined) return s3Error(response, 400, 'InvalidURI', "Couldn't parse the specified URI.");
    if (body === undefined) return s3Error(response, 400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size');
    if (!bucket) return s3Error(response, 405, 'MethodNotAllowed', 'ListBuckets is not supported locally');
    const presigned = url.searchParams.has('X-Amz-Signature');
    const caller = presigned
      ? await presignedCaller(iam, request, url, now())
      : await signedCaller(iam, request, body, 's3', { uriEscapePath: false });
    if ('refusal' in caller) return s3Error(response, 403, ...SIGNATURE_ERRORS[caller.refusal]);
    if ('problem' in caller) return s3Error(response, 403, 'AccessDenied', caller.problem);
    if ('invalid' in caller) return s3Error(response, 400, 'AuthorizationQueryParametersError', caller.invalid);
    const action = request.method === 'PUT' ? (key === '' ? 's3:CreateBucket' : 's3:PutObject') : 's3:GetObject';
    const denied = await refusal(iam, caller.principal, action, bucket, key === '' ? undefined : key);
    if (denied) return s3Error(response, 403, 'AccessDenied', denied);
    if (request.method === 'PUT' && key === '') {
      buckets.add(bucket);
      if (options.stateDir) mkdirSync(folder(bucket)!, { recursive: true });
      response.writeHead(200, { location: `/${bucket}` });
      return void response.end();
    }
    if (!hasBucket(bucket)) return s3Error(response, 404, 'NoSuchBucket', 'The specified bucket does not exist');
    if (request.method === 'PUT' && !presigned) {
      putObject(bucket, key, body);
      response.writeHead(200, { etag: `"${createHash('md5').update(body).digest('hex')}"` });
      return void response.end();
    }
    if (request.method === 'GET' || request.method === 'HEAD') {
      const object = getObject(bucket, key);
      // A missing key is a 404 only to a caller who may list the bucket; to others S3 answers 403, as for an object
      // they may not read (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html).
      if (!object && (await refusal(iam, caller.principal, 's3:ListBucket', bucket, undefined)))
        return s3Error(response, 403, 'AccessDenied', 'Access Denied');
      if (!object) return s3Error(response, 404, 'NoSuchKey', 'The specified key does not exist.');
      const etag = `"${createHash('md5').update(object).digest('hex')}"`;
      // A conditional GET whose entity tag still matches: 304 Not Modified, no body
      // (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html, `If-None-Match`).
      if (entityTagMatches(request.headers['if-none-match'], etag)) return void response.writeHead(304, { etag }).end();
      response.writeHead(200, {
        'content-type': 'application/octet-stream',
        'content-length': object.length,
        etag,
      });
      return void response.end(request.method === 'HEAD' ? undefined : object);
    }
    return s3Error(response, 405, 'MethodNotAllowed', `${request.method} is not supported locally`);
  }

  const server: Server = createServer(
    guardedListener(serve, (response) => s3Error(response, 500, 'InternalError', 'We encountered an internal error')),
  );
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    objects,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** S3's answers to a call it cannot authenticate. */
const SIGNATURE_ERRORS: Record<SignatureRefusal, [code: string, message: string]> = {
  MissingAuthenticationToken: ['AccessDenied', 'Anonymous access is forbidden for this operation'],
  UnrecognizedClient: ['InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.'],
  InvalidSignature: [
    'SignatureDoesNotMatch',
    'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
  ],
};

/** Why IAM refuses the call (the bucket's policy included), if it does. */
async function refusal(
  iam: LocalIam,
  principal: LocalPrincipal,
  action: string,
  bucket: string,
  key: string | undefined,
): Promise<string | undefined> {
  const resource = iam.bucket(bucket, key);
  const decision = await iam.authorize({
    principal,
    action,
    resource: resource.arn,
    resourceAccount: resource.account,
    resourcePolicy: resource.policy,
    shownResource: `"${resource.arn}"`,
  });
  return decision.allowed ? undefined : decision.message;
}

function s3Error(response: ServerResponse, status: number, code: string, message: string): void {
  if (response.headersSent) return void response.destroy();
  response.writeHead(status, { 'content-type': 'application/xml' });
  response.end(
    `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message><RequestId>${randomUUID()}</RequestId></Error>`,
  );
}

/** Who signed a presigned GET, or why it is not acceptable (no signature, expired, wrong signature). */
/** The longest a presigned URL may live (https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html). */
const MAX_PRESIGN_SECONDS = 604_800;

async function presignedCaller(
  iam: LocalIam,
  request: IncomingMessage,
  url: URL,
  nowMs: number,
): Promise<{ principal: LocalPrincipal } | { problem: string } | { invalid: string } | { refusal: SignatureRefusal }> {
  const query = url.searchParams;
  const signature = query.get('X-Amz-Signature');
  const credential = query.get('X-Amz-Credential')?.split('/');
  const amzDate = query.get('X-Amz-Date');
  const expires = Number(query.get('X-Amz-Expires'));
  if (request.method !== 'GET' || !signature || !credential || credential.length !== 5 || !amzDate || !Number.isFinite(expires))
    return { refusal: 'MissingAuthenticationToken' };
  const principal = iam.authorizer.principal(credential[0]);
  if (!principal) return { refusal: 'UnrecognizedClient' };
  const credentials = { accessKeyId: principal.accessKeyId, secretAccessKey: principal.secretAccessKey };
  const signingDate = new Date(amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));
  // S3 accepts X-Amz-Expires of 1 to 604,800 seconds (a week) and refuses a longer one outright.
  if (!(expires >= 1 && expires <= MAX_PRESIGN_SECONDS)) return { invalid: 'X-Amz-Expires must be less than a week (in seconds) that is 604800' };
  if (Number.isNaN(signingDate.getTime()) || nowMs > signingDate.getTime() + expires * 1000) return { problem: 'Request has expired' };
  // Re-sign the same request: the query without the signature parameters presign adds, the payload hash travelling
  // as the `X-Amz-Content-Sha256` header (hoisted back into the query), as the SDK's presigner does.
  const signed: Record<string, string> = {};
  for (const [name, value] of query)
    if (!/^X-Amz-(Signature|Algorithm|Credential|Date|Expires|SignedHeaders|Content-Sha256)$/.test(name)) signed[name] = value;
  const payload = query.get('X-Amz-Content-Sha256');
  const signer = new SignatureV4({ service: 's3', region: credential[2], credentials, sha256: Hash.bind(null, 'sha256'), uriEscapePath: false });
  const host = request.headers.host ?? '';
  const expected = await signer.presign(
    {
      method: 'GET',
      protocol: 'http:',
      hostname: host.split(':')[0],
      port: Number(host.split(':')[1]) || undefined,
      path: url.pathname,
      query: signed,
      headers: { host, ...(payload ? { 'X-Amz-Content-Sha256': payload } : {}) },
    },
    { signingDate, expiresIn: expires, signingRegion: credential[2], signingService: 's3' },
  );
  const computed = String(expected.query?.['X-Amz-Signature'] ?? '');
  return computed.length === signature.length && timingSafeEqual(Buffer.from(computed), Buffer.from(signature))
    ? { principal }
    : { refusal: 'InvalidSignature' };
}
