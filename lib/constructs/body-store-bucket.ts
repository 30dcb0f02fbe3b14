/**
 * A gateway's body store: the S3 bucket for message bodies too large for a log record (`log/…`, kept as long as the
 * message log) and for large bodies handed to another gateway by presigned URL (`transfer/…`, a day); an old version
 * (a body deleted or stored again) is kept as long, and nothing is left behind (delete markers go too). Encrypted,
 * versioned, never public, TLS only, retained when the stack is deleted — it is part of the log.
 */
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { PRIVATE_BUCKET_PROPS } from './private-bucket-props';

/** The key prefixes bodies live under (`S3BodyStore`): log bodies, and bodies in transfer to another gateway. */
const BODY_PREFIXES = ['log/', 'transfer/'] as const;

export interface BodyStoreBucketProps {
  /** Days stored bodies are kept (the message log's retention; seals outlive records, bodies do not). */
  readonly retentionDays: number;
}

export class BodyStoreBucket extends Construct {
  public readonly bucket: s3.IBucket;

  constructor(scope: Construct, id: string, props: BodyStoreBucketProps) {
    super(scope, id);
    const bucket = new s3.Bucket(this, 'Bucket', {
      ...PRIVATE_BUCKET_PROPS,
      lifecycleRules: [
        // A day past the record's own expiry, so a body never disappears before the record that points at it.
        {
          id: 'log-bodies',
          prefix: 'log/',
          expiration: Duration.days(props.retentionDays + 1),
          noncurrentVersionExpiration: Duration.days(props.retentionDays + 1),
        },
        { id: 'transfer-bodies', prefix: 'transfer/', expiration: Duration.days(1), noncurrentVersionExpiration: Duration.days(1) },
        { id: 'incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(1) },
        // In a versioned bucket an expired body leaves a delete marker, and once its old version expires too the
        // marker stands alone — one per body ever stored, kept forever unless a rule removes it (it cannot share a
        // rule with an expiration in days: https://docs.aws.amazon.com/AmazonS3/latest/API/API_LifecycleExpiration.html).
        { id: 'expired-delete-markers', expiredObjectDeleteMarker: true },
      ],
    });
    Validations.of(bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'Every body in this bucket is referenced by a sealed message-log record that says who sent it, when and why; the message log is the access record (CloudTrail S3 data events can be enabled per account).',
    });
    this.bucket = bucket;
  }

  /**
   * Store and read bodies — `s3:PutObject` and `s3:GetObject` under `log/` and `transfer/`, nothing else (reading
   * also makes the presigned URLs the grantee signs work).
   */
  public grantReadWrite(grantee: iam.IGrantable & { readonly role?: iam.IRole }): void {
    const resources = BODY_PREFIXES.map((prefix) => this.bucket.arnForObjects(`${prefix}*`));
    iam.Grant.addToPrincipal({ grantee, actions: ['s3:PutObject', 's3:GetObject'], resourceArns: resources });
    if (grantee.role) {
      Validations.of(grantee.role).acknowledge(
        ...BODY_PREFIXES.map((prefix) => ({
          id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).getLogicalId(this.bucket.node.defaultChild as s3.CfnBucket)}.Arn>/${prefix}*]`,
          reason:
            "Bodies are stored under their SHA-256 (content-addressed, so no replay can overwrite another exchange's body): the keys are not known in advance; the grant is Put/Get on the body prefixes of this gateway's own bucket only.",
        })),
      );
    }
  }
}
