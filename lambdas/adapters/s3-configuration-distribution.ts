/**
 * `ConfigurationDistribution` on an S3 bucket behind a CDN (CloudFront in AWS, `lib/local/configuration-cdn.ts`
 * locally): each version as `globalconf/v/<version>.json`, immutable and kept, and the newest as
 * `globalconf/current.json`. The objects carry the `Cache-Control` the CDN honours (CloudFront's CachingOptimized
 * policy keeps an object for the origin's `max-age`, between its 1-second minimum and 1-year maximum:
 * https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/Expiration.html), so readers cost the
 * central nothing and see a new configuration within `CURRENT_MAX_AGE_SECONDS`.
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { SignedGlobalConfiguration } from '../core/trust/global-configuration';
import { StoreUnavailableError } from '../core/kernel/ports';
import type { ConfigurationDistribution } from '../core/central/ports';

export const CONFIGURATION_PREFIX = 'globalconf/';
export const CURRENT_CONFIGURATION_KEY = `${CONFIGURATION_PREFIX}current.json`;
export const configurationVersionKey = (version: number) => `${CONFIGURATION_PREFIX}v/${version}.json`;

/** How long a CDN may serve `current.json` before asking the bucket again: well under a gateway's refresh interval. */
export const CURRENT_MAX_AGE_SECONDS = 10;

/** The `Cache-Control` of a distributed object: versions never change; the pointer to the newest briefly. */
export const cacheControlOf = (key: string) =>
  key === CURRENT_CONFIGURATION_KEY ? `public, max-age=${CURRENT_MAX_AGE_SECONDS}` : 'public, max-age=31536000, immutable';

export class S3ConfigurationDistribution implements ConfigurationDistribution {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  async publish(signed: SignedGlobalConfiguration, version: number): Promise<void> {
    const body = JSON.stringify(signed);
    try {
      // The version first: `current.json` never names an object that is not there.
      for (const key of [configurationVersionKey(version), CURRENT_CONFIGURATION_KEY]) {
        await this.s3.send(
          new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: 'application/json', CacheControl: cacheControlOf(key) }),
        );
      }
    } catch (error) {
      throw new StoreUnavailableError('registry', 'The global configuration could not be distributed', { cause: error });
    }
  }

  async current(): Promise<SignedGlobalConfiguration | undefined> {
    try {
      const object = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: CURRENT_CONFIGURATION_KEY }));
      return JSON.parse(await object.Body!.transformToString('utf8')) as SignedGlobalConfiguration;
    } catch (error) {
      if ((error as Error).name === 'NoSuchKey') return undefined;
      throw new StoreUnavailableError('registry', 'The distributed global configuration could not be read', { cause: error });
    }
  }
}
