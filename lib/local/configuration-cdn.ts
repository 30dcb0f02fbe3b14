/**
 * The local stand-in for the CDN in front of the central's configuration bucket (CloudFront with origin access
 * control in AWS): `GET /globalconf/…` is answered from the bucket, and each object is kept for its `max-age`
 * (`cacheControlOf`, what the objects carry in S3) as CloudFront's CachingOptimized policy keeps it
 * (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/Expiration.html) — so any number of readers
 * costs the bucket one read per object per `max-age`, and the central function nothing.
 */
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cacheControlOf, CONFIGURATION_PREFIX } from '../../lambdas/adapters/s3-configuration-distribution';

export interface ConfigurationCdn {
  readonly url: string;
  /** Reads that reached the bucket (the rest were served from the cache). */
  readonly originReads: () => number;
  stop(): Promise<void>;
}

export async function startConfigurationCdn(options: { readonly s3: S3Client; readonly bucket: string; readonly port?: number; readonly now?: () => number }): Promise<ConfigurationCdn> {
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

  const server: Server = createServer((request, response) => {
    const key = decodeURIComponent(new URL(request.url ?? '/', 'http://local').pathname.slice(1));
    if ((request.method !== 'GET' && request.method !== 'HEAD') || !key.startsWith(CONFIGURATION_PREFIX)) {
      response.writeHead(403, { 'content-type': 'text/plain' }).end('Forbidden');
      return;
    }
    const maxAgeSeconds = Number(/max-age=(\d+)/.exec(cacheControlOf(key))?.[1] ?? 0);
    const cached = cache.get(key);
    const served = cached && cached.until > now() ? Promise.resolve(cached.body) : fetchOrigin(key);
    served.then(
      (body) => {
        if (!body) return void response.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found');
        if (!cached || cached.body !== body) cache.set(key, { body, until: now() + maxAgeSeconds * 1000 });
        response.writeHead(200, { 'content-type': 'application/json', 'cache-control': cacheControlOf(key), 'content-length': body.length });
        response.end(request.method === 'HEAD' ? undefined : body);
      },
      () => response.writeHead(502, { 'content-type': 'text/plain' }).end('Bad Gateway'),
    );
  });
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
