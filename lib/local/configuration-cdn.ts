/**
 * The local stand-in for the CDN in front of the central's configuration bucket (CloudFront with origin access
 * control in AWS): `GET /globalconf/…` is answered from the bucket, and each object is kept for its `max-age`
 * (`cacheControlOf`, what the objects carry in S3) as CloudFront's CachingOptimized policy keeps it
 * (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/Expiration.html) — so any number of readers
 * costs the bucket one read per object per `max-age`, and the central function nothing.
 *
 * A target it cannot parse (a malformed percent-escape such as `/globalconf/%E0%A4%A`) is answered 400: S3 refuses
 * such a key with `InvalidURI`, 400 (https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#ErrorCodeList),
 * and CloudFront passes an origin's 4xx on to the viewer
 * (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/HTTPStatusCodes.html). A 404 would claim the
 * key was looked up.
 *
 * Conditional and compressed, as CloudFront is: each object carries its origin's `ETag`; a viewer's `If-None-Match`
 * naming it is answered `304 Not Modified` without the body, and an expired object is revalidated with the bucket by
 * a conditional GET (S3 answers 304 while it is unchanged)
 * (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/RequestAndResponseBehaviorS3Origin.html); a
 * viewer accepting gzip gets the body gzipped with a weak `ETag`, as CloudFront's automatic compression does
 * (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/ServingCompressedFiles.html).
 */
import { gzipSync } from 'node:zlib';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cacheControlOf, CONFIGURATION_PREFIX } from '../../lambdas/adapters/s3-configuration-distribution';
import { guardedListener, percentDecoded, requestUrl } from './request-input';
import { entityTagMatches } from '../../lambdas/core/kernel/http';

export interface ConfigurationCdn {
  readonly url: string;
  /** Reads that reached the bucket (the rest were served from the cache). */
  readonly originReads: () => number;
  stop(): Promise<void>;
}

export async function startConfigurationCdn(options: {
  readonly s3: S3Client;
  readonly bucket: string;
  readonly port?: number;
  readonly now?: () => number;
}): Promise<ConfigurationCdn> {
  const now = options.now ?? Date.now;
  interface Cached {
    readonly body: Buffer;
    readonly etag: string;
    gzipped?: Buffer;
    until: number;
  }
  const cache = new Map<string, Cached>();
  const pending = new Map<string, Promise<Cached | undefined>>();
  let originReads = 0;

  /** The object from the bucket, or — revalidating `stale` by its entity tag — the same one while S3 answers 304. */
  const fetchOrigin = (key: string, stale: Cached | undefined) => {
    let read = pending.get(key);
    if (!read) {
      originReads += 1;
      read = options.s3
        .send(new GetObjectCommand({ Bucket: options.bucket, Key: key, IfNoneMatch: stale?.etag }))
        .then(async (object): Promise<Cached> => ({
          body: Buffer.from(await object.Body!.transformToByteArray()),
          etag: object.ETag ?? '',
          until: 0,
        }))
        .catch((error: Error & { $metadata?: { httpStatusCode?: number } }) => {
          if (stale && error.$metadata?.httpStatusCode === 304) return stale;
          if (error.name === 'NoSuchKey') return undefined;
          throw error;
        })
        .finally(() => pending.delete(key));
      pending.set(key, read);
    }
    return read;
  };

  const answer = (response: ServerResponse, status: number, text: string) =>
    void response.writeHead(status, { 'content-type': 'text/plain' }).end(text);

  async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = requestUrl(request)?.pathname;
    const key = path === undefined ? undefined : percentDecoded(path.slice(1));
    if (key === undefined) return answer(response, 400, 'Bad Request');
    if ((request.method !== 'GET' && request.method !== 'HEAD') || !key.startsWith(CONFIGURATION_PREFIX)) return answer(response, 403, 'Forbidden');
    const maxAgeSeconds = Number(/max-age=(\d+)/.exec(cacheControlOf(key))?.[1] ?? 0);
    const cached = cache.get(key);
    const object = cached && cached.until > now() ? cached : await fetchOrigin(key, cached);
    if (!object) return answer(response, 404, 'Not Found');
    if (object !== cached || object.until <= now()) {
      object.until = now() + maxAgeSeconds * 1000;
      cache.set(key, object);
    }
    const gzip = /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''));
    // A compressed answer's tag is weak: the bytes differ from the origin's (CloudFront does the same).
    const etag = gzip ? `W/${object.etag}` : object.etag;
    const headers = { 'content-type': 'application/json', 'cache-control': cacheControlOf(key), etag };
    if (entityTagMatches(request.headers['if-none-match'], object.etag)) return void response.writeHead(304, headers).end();
    const body = gzip ? (object.gzipped ??= gzipSync(object.body)) : object.body;
    response.writeHead(200, { ...headers, ...(gzip ? { 'content-encoding': 'gzip' } : {}), 'content-length': body.length });
    response.end(request.method === 'HEAD' ? undefined : body);
  }

  // An origin that fails is a 502, as CloudFront answers; so is anything else that goes wrong here.
  const server: Server = createServer(guardedListener(serve, (response) => answer(response, 502, 'Bad Gateway')));
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    originReads: () => originReads,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
