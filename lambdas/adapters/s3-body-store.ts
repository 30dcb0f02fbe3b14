/**
 * `BodyStore` on the gateway's own S3 bucket (`@aws-sdk/client-s3`): bodies too large for a log record, and large
 * bodies handed to another gateway by presigned URL. Keys are `<purpose>/<sha256 hex>`: content-addressed, so a body
 * sent twice is stored once and nothing can overwrite another exchange's body; the bucket's lifecycle keeps `log/`
 * as long as the message log and `transfer/` for a day.
 *
 * Presigned URLs are built with `@smithy/signature-v4` exactly as `@aws-sdk/s3-request-presigner` builds them
 * (query-string SigV4, `UNSIGNED-PAYLOAD`, https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html),
 * so only the client package is needed at run time.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { Hash } from '@smithy/hash-node';
import type { AwsCredentialIdentity } from '@smithy/types';
import { SignatureV4 } from '@smithy/signature-v4';
import { systemClock, type Clock } from '../core/kernel/ports';
import type { BodyStore } from '../core/log/ports';
import { s3Sdk } from './lazy-sdk';
import { storeCall } from './store-call';

export interface S3BodyStoreOptions {
  /** A local S3 endpoint (path-style URLs); unset in AWS (virtual-hosted `https://bucket.s3.region.amazonaws.com`). */
  readonly endpoint?: string;
  /** The clock presigned URLs are dated by. @default the system clock */
  readonly clock?: Clock;
}

/** Kept between a URL's expiry and its credentials': clocks differ, and the receiver needs a moment to connect. */
const CREDENTIALS_MARGIN_SECONDS = 10;
/** The shortest life a shared URL is given: the receiver fetches it at once, within its own call's timeout. */
export const MIN_SHARE_SECONDS = 30;

export class S3BodyStore implements BodyStore {
  constructor(
    /** The client, or how to get it when a body first needs it (a function that never stores one never loads S3). */
    private readonly client: S3Client | (() => S3Client),
    private readonly bucket: string,
    private readonly options: S3BodyStoreOptions = {},
  ) {}

  private get s3(): S3Client {
    return typeof this.client === 'function' ? this.client() : this.client;
  }

  async put(body: Buffer, sha256Hex: string, purpose: 'log' | 'transfer'): Promise<string> {
    const key = `${purpose}/${sha256Hex}`;
    const { PutObjectCommand } = s3Sdk();
    await storeCall('body-store', 'The body could not be stored', () =>
      this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: 'application/octet-stream' })),
    );
    return `s3://${this.bucket}/${key}`;
  }

  async get(location: string): Promise<Buffer> {
    const { bucket, key } = parseLocation(location);
    const { GetObjectCommand } = s3Sdk();
    return storeCall('body-store', 'The body could not be read', async () => {
      const object = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return Buffer.from(await object.Body!.transformToByteArray());
    });
  }

  /**
   * A presigned GET valid for `ttlSeconds` — or less: a URL stops working when the credentials that signed it expire,
   * whatever its own expiry says (https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-presigned-url.html), so
   * it never claims to outlive them. Credentials expiring within the TTL are refreshed first; when even fresh ones
   * (a Lambda function's, fixed for its environment) leave less than `MIN_SHARE_SECONDS`, sharing fails rather than
   * hand out a URL the receiver could not use. Credentials without a known expiry are bounded by the TTL alone.
   */
  async shareUrl(location: string, ttlSeconds: number): Promise<string> {
    const { bucket, key } = parseLocation(location);
    const region = await this.s3.config.region();
    const url = new URL(
      this.options.endpoint ? `${this.options.endpoint.replace(/\/+$/, '')}/${bucket}/${key}` : `https://${bucket}.s3.${region}.amazonaws.com/${key}`,
    );
    const nowMs = (this.options.clock ?? systemClock).now();
    const usableSeconds = (identity: AwsCredentialIdentity) =>
      identity.expiration ? Math.floor((identity.expiration.getTime() - nowMs) / 1000) - CREDENTIALS_MARGIN_SECONDS : Infinity;
    let credentials = await this.s3.config.credentials();
    if (usableSeconds(credentials) < ttlSeconds) credentials = await this.s3.config.credentials({ forceRefresh: true });
    const expiresIn = Math.min(ttlSeconds, usableSeconds(credentials));
    if (expiresIn < MIN_SHARE_SECONDS)
      throw new Error(`The gateway's credentials expire in ${expiresIn + CREDENTIALS_MARGIN_SECONDS} s, too soon to share a body by URL`);
    // A signer per URL, with exactly the credentials its lifetime was bounded by.
    const signer = new SignatureV4({ service: 's3', region, credentials, sha256: Hash.bind(null, 'sha256'), uriEscapePath: false });
    const signed = await signer.presign(
      {
        method: 'GET',
        protocol: url.protocol,
        hostname: url.hostname,
        port: url.port ? Number(url.port) : undefined,
        path: url.pathname,
        query: {},
        headers: { host: url.host, 'X-Amz-Content-Sha256': 'UNSIGNED-PAYLOAD' },
      },
      { expiresIn, signingDate: new Date(nowMs) },
    );
    const query = new URLSearchParams(Object.entries(signed.query ?? {}).map(([name, value]): [string, string] => [name, String(value)]));
    return `${url.origin}${url.pathname}?${query.toString()}`;
  }
}

function parseLocation(location: string): { bucket: string; key: string } {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(location);
  if (!match) throw new Error(`Not a body store location: ${location}`);
  return { bucket: match[1], key: match[2] };
}
