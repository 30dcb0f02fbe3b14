/**
 * Where the central distributes the global configuration: an S3 bucket (every version kept, immutable; the newest as
 * `globalconf/current.json`) behind a CloudFront distribution that reads it through origin access control. Readers
 * — every gateway, every few seconds — are served by CloudFront's edge caches, which keep each object for the
 * `max-age` it carries; the central's functions and API see none of that traffic, so a flood of reads can exhaust
 * nothing the exchange depends on. The bucket is never public, TLS only, and retained with the stack; every version
 * document stays (about 525,600 a year at one publication a minute), superseded copies of `current.json` a week.
 *
 * Without the distribution (`distribution: false`, for an account CloudFront does not yet accept distributions from)
 * the bucket stays — the record of every version, and what the central API serves `GET /globalconf` from.
 */
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { PRIVATE_BUCKET_PROPS } from './private-bucket-props';
import { CONFIGURATION_PREFIX, CURRENT_CONFIGURATION_KEY } from '../../lambdas/adapters/s3-configuration-distribution';

/** How long a superseded `current.json` is kept (a copy of the kept `v/<version>.json` it pointed to). */
const SUPERSEDED_CURRENT_DAYS = 7;

export interface GlobalConfigurationCdnProps {
  /**
   * The CloudFront distribution in front of the bucket. Off: the bucket alone, and gateways read the configuration
   * from the central API (`central.configurationCdn`).
   * @default true
   */
  readonly distribution?: boolean;
}

export class GlobalConfigurationCdn extends Construct {
  public readonly bucket: s3.IBucket;
  /** Undefined without the distribution. */
  public readonly distribution?: cloudfront.Distribution;
  /** What gateways fetch: `https://<distribution>/globalconf/current.json`; undefined without the distribution. */
  public readonly currentUrl?: string;

  constructor(scope: Construct, id: string, props: GlobalConfigurationCdnProps = {}) {
    super(scope, id);
    const bucket = new s3.Bucket(this, 'Bucket', {
      ...PRIVATE_BUCKET_PROPS,
      lifecycleRules: [
        { id: 'incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
        // `current.json` is rewritten at every publication (every minute): each write leaves the previous one as a
        // noncurrent version, half a million a year. Each is a copy of a `v/<version>.json` that is kept, so they go
        // after a week. The versions themselves are written once and never become noncurrent.
        { id: 'superseded-current', prefix: CURRENT_CONFIGURATION_KEY, noncurrentVersionExpiration: Duration.days(SUPERSEDED_CURRENT_DAYS) },
      ],
    });
    this.bucket = bucket;
    Validations.of(bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'The bucket holds only the signed global configurations the central publishes (public by design, as in X-Road); every version is kept in the bucket itself, which is the record.',
    });
    if (props.distribution === false) return;

    const distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'Sild global configuration (signed; verified by every gateway against its anchor)',
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        // Honours the objects' Cache-Control: `current.json` a few seconds, versions for a year.
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
      },
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
    });
    this.distribution = distribution;
    this.currentUrl = `https://${distribution.distributionDomainName}/${CURRENT_CONFIGURATION_KEY}`;
    Validations.of(distribution).acknowledge(
      {
        id: 'AwsSolutions-CFR1',
        reason: 'The global configuration is read by gateways of federated and partner instances anywhere; no geography is excluded.',
      },
      {
        id: 'AwsSolutions-CFR2',
        reason:
          'Reads are cached, static, signed objects: a flood is absorbed by CloudFront and costs the central nothing; the join API keeps its own WAF and throttles.',
      },
      {
        id: 'AwsSolutions-CFR3',
        reason: 'Reads of a public signed document carry no personal or secret data; who read it when is not evidence of anything.',
      },
      {
        id: 'AwsSolutions-CFR4',
        reason:
          'The distribution uses the default *.cloudfront.net certificate; the document is signed and verified end to end, so TLS here protects nothing the signature does not. A custom domain with TLS 1.2 minimum can be added.',
      },
    );
  }

  /**
   * Publish and read back configurations: `s3:PutObject` and `s3:GetObject` under `globalconf/` only, and
   * `s3:ListBucket` on the bucket — without it S3 answers a read of a key not there yet (`current.json` before the
   * first publication) 403 instead of 404 (https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html), and
   * the central would answer `GET /globalconf` 503 instead of publishing one. The bucket holds only public documents.
   */
  public grantPublish(grantee: iam.IGrantable & { readonly role?: iam.IRole }): void {
    iam.Grant.addToPrincipal({
      grantee,
      actions: ['s3:PutObject', 's3:GetObject'],
      resourceArns: [this.bucket.arnForObjects(`${CONFIGURATION_PREFIX}*`)],
    });
    iam.Grant.addToPrincipal({ grantee, actions: ['s3:ListBucket'], resourceArns: [this.bucket.bucketArn] });
    if (grantee.role) {
      Validations.of(grantee.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(this.bucket.node.defaultChild as s3.CfnBucket)}.Arn>/${CONFIGURATION_PREFIX}*]`,
        reason:
          "Each published version is a new object (globalconf/v/<version>.json) besides globalconf/current.json: the keys are not known in advance; the grant is Put/Get under that prefix of the central's own bucket only.",
      });
    }
  }
}
