/**
 * A local stand-in for Amazon S3, speaking the REST protocol (path-style) well enough that an unmodified
 * `@aws-sdk/client-s3` (`endpoint`, `forcePathStyle: true`) and `@aws-sdk/s3-request-presigner` work against it:
 * CreateBucket, PutObject, GetObject and HeadObject, and GETs by presigned URL. In the same spirit as the local KMS
 * endpoint it is not an S3 emulator: what Sild does not use is refused loudly.
 *
 * What it checks as S3 does: a GET without credentials is refused unless it carries a valid SigV4 query signature
 * that has not expired (https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html); a missing key
 * is `404 NoSuchKey` in S3's XML error form. Header-signed SDK calls are accepted from loopback without checking
 * their signature (as the KMS endpoint does).
 */
import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { readBody } from './read-body';
import { guardedListener, percentDecoded, requestUrl } from './request-input';

export interface LocalS3Options {
  /** Objects persist under this folder; memory only when unset. */
  readonly stateDir?: string;
  /** The credential presigned URLs must be signed with. */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
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

const MAX_OBJECT_BYTES = 64 * 1024 * 1024;

export async function startLocalS3(options: LocalS3Options): Promise<LocalS3Endpoint> {
  const now = options.now ?? Date.now;
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
    if (request.method === 'PUT' && key === '') {
      buckets.add(bucket);
      if (options.stateDir) mkdirSync(folder(bucket)!, { recursive: true });
      response.writeHead(200, { location: `/${bucket}` });
      return void response.end();
    }
    if (!hasBucket(bucket)) return s3Error(response, 404, 'NoSuchBucket', 'The specified bucket does not exist');
    if (request.method === 'PUT' && !url.searchParams.has('X-Amz-Signature')) {
      putObject(bucket, key, body);
      response.writeHead(200, { etag: `"${createHash('md5').update(body).digest('hex')}"` });
      return void response.end();
    }
    if (request.method === 'GET' || request.method === 'HEAD') {
      if (!request.headers.authorization) {
        const problem = await presignProblem(request, url, options.credentials, now());
        if (problem) return s3Error(response, 403, 'AccessDenied', problem);
      }
      const object = getObject(bucket, key);
      if (!object) return s3Error(response, 404, 'NoSuchKey', 'The specified key does not exist.');
      response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': object.length, etag: `"${createHash('md5').update(object).digest('hex')}"` });
      return void response.end(request.method === 'HEAD' ? undefined : object);
    }
    return s3Error(response, 405, 'MethodNotAllowed', `${request.method} is not supported locally`);
  }

  const server: Server = createServer(guardedListener(serve, (response) => s3Error(response, 500, 'InternalError', 'We encountered an internal error')));
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

function s3Error(response: ServerResponse, status: number, code: string, message: string): void {
  if (response.headersSent) return void response.destroy();
  response.writeHead(status, { 'content-type': 'application/xml' });
  response.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message><RequestId>${randomUUID()}</RequestId></Error>`);
}

/** Why a presigned GET is not acceptable (no signature, expired, wrong signature), or undefined. */
async function presignProblem(request: IncomingMessage, url: URL, credentials: LocalS3Options['credentials'], nowMs: number): Promise<string | undefined> {
  const query = url.searchParams;
  const signature = query.get('X-Amz-Signature');
  const credential = query.get('X-Amz-Credential')?.split('/');
  const amzDate = query.get('X-Amz-Date');
  const expires = Number(query.get('X-Amz-Expires'));
  if (!signature || !credential || credential.length !== 5 || !amzDate || !Number.isFinite(expires)) return 'Anonymous access is forbidden for this operation';
  if (credential[0] !== credentials.accessKeyId) return 'The AWS Access Key Id you provided does not exist in our records.';
  const signingDate = new Date(amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));
  if (Number.isNaN(signingDate.getTime()) || nowMs > signingDate.getTime() + expires * 1000) return 'Request has expired';
  // Re-sign the same request: the query without the signature parameters presign adds, the payload hash travelling
  // as the `X-Amz-Content-Sha256` header (hoisted back into the query), as the SDK's presigner does.
  const signed: Record<string, string> = {};
  for (const [name, value] of query) if (!/^X-Amz-(Signature|Algorithm|Credential|Date|Expires|SignedHeaders|Content-Sha256)$/.test(name)) signed[name] = value;
  const payload = query.get('X-Amz-Content-Sha256');
  const signer = new SignatureV4({ service: 's3', region: credential[2], credentials, sha256: Hash.bind(null, 'sha256'), uriEscapePath: false });
  const host = request.headers.host ?? '';
  const expected = await signer.presign(
    { method: 'GET', protocol: 'http:', hostname: host.split(':')[0], port: Number(host.split(':')[1]) || undefined, path: url.pathname, query: signed, headers: { host, ...(payload ? { 'X-Amz-Content-Sha256': payload } : {}) } },
    { signingDate, expiresIn: expires, signingRegion: credential[2], signingService: 's3' },
  );
  const computed = String(expected.query?.['X-Amz-Signature'] ?? '');
  return computed.length === signature.length && timingSafeEqual(Buffer.from(computed), Buffer.from(signature)) ? undefined : 'The request signature we calculated does not match the signature you provided.';
}
