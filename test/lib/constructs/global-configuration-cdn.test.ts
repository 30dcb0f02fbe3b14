/**
 * GlobalConfigurationCdn promises a private, versioned, retained bucket that only CloudFront reads (origin access
 * control, HTTPS only, GET/HEAD, a cache policy that honours the objects' Cache-Control), and a publish grant limited
 * to the configuration prefix (plus listing the bucket, so the central reads a configuration not published yet as
 * missing rather than forbidden).
 */
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { GlobalConfigurationCdn, type GlobalConfigurationCdnProps } from '../../../lib/constructs/global-configuration-cdn';
import { constructStack, resourceAt, resourcesOfType } from '../../support/synth';

function cdn(withPublisher = false, props: GlobalConfigurationCdnProps = {}) {
  const { stack } = constructStack();
  const construct = new GlobalConfigurationCdn(stack, 'Cdn', props);
  if (withPublisher) construct.grantPublish(new iam.Role(stack, 'Publisher', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') }));
  return { stack, construct, json: Template.fromStack(stack).toJSON() };
}

describe('GlobalConfigurationCdn', () => {
  test('the bucket is versioned, never public, encrypted, and retained on deletion and replacement', () => {
    const { resource } = resourceAt(cdn().json, '/Cdn/Bucket/Resource');
    expect(resource).toMatchObject({
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        VersioningConfiguration: { Status: 'Enabled' },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      },
    });
  });

  test('every published version stays; only superseded copies of current.json (one a minute) expire, after a week', () => {
    expect(resourceAt(cdn().json, '/Cdn/Bucket/Resource').resource.Properties.LifecycleConfiguration.Rules).toEqual([
      { Id: 'incomplete-uploads', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }, Status: 'Enabled' },
      { Id: 'superseded-current', Prefix: 'globalconf/current.json', NoncurrentVersionExpiration: { NoncurrentDays: 7 }, Status: 'Enabled' },
    ]);
  });

  test('only this distribution reads the bucket (origin access control), and plain HTTP is denied', () => {
    const { json } = cdn();
    const distribution = resourceAt(json, '/Cdn/Distribution/Resource');
    const statements = Object.values(resourcesOfType(json, 'AWS::S3::BucketPolicy'))[0].Properties.PolicyDocument.Statement;
    expect(statements).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        expect.objectContaining({
          Effect: 'Allow',
          Action: 's3:GetObject',
          Principal: { Service: 'cloudfront.amazonaws.com' },
          Condition: {
            StringEquals: {
              'AWS:SourceArn': expect.objectContaining({
                'Fn::Join': expect.arrayContaining([expect.arrayContaining([{ Ref: distribution.logicalId }])]),
              }),
            },
          },
        }),
      ]),
    );
    expect(Object.keys(resourcesOfType(json, 'AWS::CloudFront::OriginAccessControl'))).toHaveLength(1);
    expect(statements.filter((statement: { Effect: string }) => statement.Effect === 'Allow')).toHaveLength(1);
  });

  test("viewers get HTTPS only, GET and HEAD only, and the managed CachingOptimized policy (it honours each object's max-age)", () => {
    const behavior = resourceAt(cdn().json, '/Cdn/Distribution/Resource').resource.Properties.DistributionConfig.DefaultCacheBehavior;
    expect(behavior).toMatchObject({
      ViewerProtocolPolicy: 'https-only',
      AllowedMethods: ['GET', 'HEAD'],
      CachePolicyId: '658327ea-f89d-4fab-a63d-7e88639e58f6',
    });
  });

  test("currentUrl is the distribution's globalconf/current.json over HTTPS", () => {
    const { stack, construct } = cdn();
    expect(stack.resolve(construct.currentUrl)).toEqual({
      'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [expect.any(String), 'DomainName'] }, '/globalconf/current.json']],
    });
  });

  test('grantPublish allows s3:PutObject and s3:GetObject under globalconf/ of this bucket, and listing it (so a missing key reads as 404, not 403), nothing else', () => {
    const { json } = cdn(true);
    const bucket = resourceAt(json, '/Cdn/Bucket/Resource');
    const policies = Object.values(resourcesOfType(json, 'AWS::IAM::Policy'));
    expect(policies).toHaveLength(1);
    expect(policies[0].Properties.PolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:PutObject'],
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucket.logicalId, 'Arn'] }, '/globalconf/*']] },
      },
      { Effect: 'Allow', Action: 's3:ListBucket', Resource: { 'Fn::GetAtt': [bucket.logicalId, 'Arn'] } },
    ]);
  });

  // For an account CloudFront does not accept distributions from yet: the bucket stays the record of every version.
  test('without the distribution: the same bucket, publishable, read by nobody else; no CloudFront resource and no currentUrl', () => {
    const { json, construct } = cdn(true, { distribution: false });
    expect(resourceAt(json, '/Cdn/Bucket/Resource').resource).toMatchObject({
      DeletionPolicy: 'Retain',
      Properties: { VersioningConfiguration: { Status: 'Enabled' } },
    });
    expect(
      Object.values(json.Resources as Record<string, { Type: string }>).filter((resource) => resource.Type.startsWith('AWS::CloudFront::')),
    ).toEqual([]);
    expect(construct.distribution).toBeUndefined();
    expect(construct.currentUrl).toBeUndefined();
    const statements = Object.values(resourcesOfType(json, 'AWS::S3::BucketPolicy'))[0].Properties.PolicyDocument.Statement;
    expect(statements.filter((statement: { Effect: string }) => statement.Effect === 'Allow')).toEqual([]);
    // The publisher's grant: write and read under globalconf/, and list the bucket (a missing current.json is then 404).
    expect(
      Object.values(resourcesOfType(json, 'AWS::IAM::Policy'))[0].Properties.PolicyDocument.Statement.map(
        (statement: { Action: unknown }) => statement.Action,
      ),
    ).toEqual([['s3:GetObject', 's3:PutObject'], 's3:ListBucket']);
  });
});
