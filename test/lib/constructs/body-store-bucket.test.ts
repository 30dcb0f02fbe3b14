/**
 * BodyStoreBucket promises a gateway's store of large message bodies: encrypted, versioned, never public, TLS only,
 * retained on stack deletion; log bodies kept a day longer than the message log's records, transfer bodies a day, no
 * delete marker left behind;
 * and a grant that lets a function put and get objects under `log/` and `transfer/` only.
 */
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { BodyStoreBucket } from '../../../lib/constructs/body-store-bucket';
import { constructStack, resourceAt } from '../../support/synth';

function bodyStore(retentionDays: number, grant = false) {
  const { stack } = constructStack();
  const store = new BodyStoreBucket(stack, 'BodyStore', { retentionDays });
  if (grant) store.grantReadWrite(new iam.Role(stack, 'Gateway', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') }));
  const json = Template.fromStack(stack).toJSON();
  return { json, bucket: resourceAt(json, '/BodyStore/Bucket/Resource') };
}

describe('BodyStoreBucket', () => {
  const { json, bucket } = bodyStore(30, true);
  const bucketArn = { 'Fn::GetAtt': [bucket.logicalId, 'Arn'] };

  test('is encrypted, versioned, blocks all public access, enforces bucket-owner ownership, and is retained', () => {
    expect(bucket.resource).toMatchObject({
      Properties: {
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
        VersioningConfiguration: { Status: 'Enabled' },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  test('its bucket policy only denies requests not made over TLS; a grant adds nothing to it', () => {
    expect(resourceAt(json, '/BodyStore/Bucket/Policy/Resource').resource.Properties.PolicyDocument.Statement).toEqual([
      {
        Action: 's3:*',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Resource: [bucketArn, { 'Fn::Join': ['', [bucketArn, '/*']] }],
      },
    ]);
  });

  test.each([
    [1, 2],
    [30, 31],
    [365, 366],
  ])(
    'with a %i-day message log, log bodies (and their old versions) expire after %i days; transfer bodies and abandoned uploads after one; the delete markers left behind go too',
    (retentionDays, logDays) => {
      expect(bodyStore(retentionDays).bucket.resource.Properties.LifecycleConfiguration.Rules).toEqual([
        { Id: 'log-bodies', Prefix: 'log/', ExpirationInDays: logDays, NoncurrentVersionExpiration: { NoncurrentDays: logDays }, Status: 'Enabled' },
        { Id: 'transfer-bodies', Prefix: 'transfer/', ExpirationInDays: 1, NoncurrentVersionExpiration: { NoncurrentDays: 1 }, Status: 'Enabled' },
        { Id: 'incomplete-uploads', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }, Status: 'Enabled' },
        { Id: 'expired-delete-markers', ExpiredObjectDeleteMarker: true, Status: 'Enabled' },
      ]);
    },
  );

  test('grantReadWrite allows exactly s3:GetObject and s3:PutObject on objects under log/ and transfer/ — no listing, deleting or other keys', () => {
    expect(resourceAt(json, '/Gateway/DefaultPolicy/Resource').resource.Properties.PolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:PutObject'],
        Resource: [{ 'Fn::Join': ['', [bucketArn, '/log/*']] }, { 'Fn::Join': ['', [bucketArn, '/transfer/*']] }],
      },
    ]);
  });
});
