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
 */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cacheControlOf, CONFIGURATION_PREFIX } from '../../lambdas/adapters/s3-configuration-distribution';
import { guardedListener, percentDecoded, requestUrl } from './request-input';

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
  const cache = new Map<string, { body: Buffer; until: number }>();
  const pending = new Map<string, Promise<Buffer | undefined>>();
  let originReads = 0;

  const fetchOrigin = (key: string) => {
    let read = pending.get(key);
    if (!read) {
      originReads += 1;
      read = options.s3
        .send(new GetObjectCommand({ Bucket: options.bucket, Key: key }))
        .then(async (object) => Buffer.from(await object.Body!.transformToByteArray()))
        .catch((error: Error) => {
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
    const body = cached && cached.until > now() ? cached.body : await fetchOrigin(key);
    if (!body) return answer(response, 404, 'Not Found');
    if (!cached || cached.body !== body) cache.set(key, { body, until: now() + maxAgeSeconds * 1000 });
    response.writeHead(200, { 'content-type': 'application/json', 'cache-control': cacheControlOf(key), 'content-length': body.length });
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
