/**
 * SildFunction promises a Lambda function with Sild's production defaults: Node.js 24 on arm64, 512 MB, 29 s, the
 * `handler` export, source maps on; bundled by the local esbuild, minified, with the AWS SDK left to the runtime; its
 * own log group (three months by default) and its own role that may write only to that log group; no reserved
 * concurrency unless given; an optional VPC placement; and a synth error when the environment outgrows Lambda's 4 KB.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Duration, Lazy } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { SildFunction, type SildFunctionProps } from '../../../lib/constructs/sild-function';
import { constructStack, IDS, resourceAt } from '../../support/synth';

const ENTRY = 'lambdas/central/index.ts';

function sildFunction(props: Partial<SildFunctionProps> = {}, options: { bundle?: boolean } = {}) {
  const { app, stack } = constructStack(options);
  const fn = new SildFunction(stack, 'Central', { entry: ENTRY, description: 'Sild DEV: central API', ...props });
  const json = Template.fromStack(stack).toJSON();
  return { app, stack, fn, json, at: (suffix: string) => resourceAt(json, suffix) };
}

describe('SildFunction', () => {
  const defaults = sildFunction();

  test('defaults: Node.js 24 on arm64, 512 MB, 29 s, the `handler` export, source maps, no reserved concurrency, outside any VPC', () => {
    const properties = defaults.at('/Central/Resource').resource.Properties;
    expect(properties).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      MemorySize: 512,
      Timeout: 29,
      Handler: 'index.handler',
      Description: 'Sild DEV: central API',
      Environment: { Variables: { NODE_OPTIONS: '--enable-source-maps' } },
    });
    expect(properties.VpcConfig).toBeUndefined();
    // A new account's quota (10) lets no function reserve anything.
    expect(properties.ReservedConcurrentExecutions).toBeUndefined();
    expect(defaults.fn.reservedConcurrency).toBeUndefined();
  });

  test('logs to its own log group, kept three months by default', () => {
    const logGroup = defaults.at('/CentralLogs/Resource');
    expect(defaults.at('/Central/Resource').resource.Properties.LoggingConfig).toEqual({ LogGroup: { Ref: logGroup.logicalId } });
    expect(logGroup.resource.Properties.RetentionInDays).toBe(90);
  });

  test('its own role, assumable by Lambda only, may write to its own log group and nothing else: no managed policy, no logs:CreateLogGroup', () => {
    const role = defaults.at('/CentralRole/Resource');
    expect(defaults.at('/Central/Resource').resource.Properties.Role).toEqual({ 'Fn::GetAtt': [role.logicalId, 'Arn'] });
    expect(role.resource.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      { Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } },
    ]);
    expect(role.resource.Properties.ManagedPolicyArns).toBeUndefined();
    expect(defaults.at('/CentralRole/DefaultPolicy/Resource').resource.Properties.PolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: { 'Fn::GetAtt': [defaults.at('/CentralLogs/Resource').logicalId, 'Arn'] },
      },
    ]);
  });

  test('handler, memory, timeout, reserved concurrency, log retention and environment props are applied; NODE_OPTIONS stays', () => {
    const { at, fn } = sildFunction({
      handler: 'main',
      reservedConcurrency: 7,
      memorySize: 256,
      timeout: Duration.seconds(10),
      logRetention: logs.RetentionDays.ONE_WEEK,
      environment: { SILD_REGISTRY_TABLE: 'registry' },
    });
    expect(at('/Central/Resource').resource.Properties).toMatchObject({
      Handler: 'index.main',
      MemorySize: 256,
      Timeout: 10,
      ReservedConcurrentExecutions: 7,
      Environment: { Variables: { NODE_OPTIONS: '--enable-source-maps', SILD_REGISTRY_TABLE: 'registry' } },
    });
    expect(at('/CentralLogs/Resource').resource.Properties.RetentionInDays).toBe(7);
    expect(fn.reservedConcurrency).toBe(7);
  });

  describe('vpcPlacement', () => {
    function placed() {
      const { stack } = constructStack();
      const vpc = ec2.Vpc.fromVpcAttributes(stack, 'Vpc', { vpcId: IDS.vpc, availabilityZones: ['eu-north-1a', 'eu-north-1b'] });
      new SildFunction(stack, 'Central', {
        entry: ENTRY,
        description: 'Sild DEV: central API',
        vpcPlacement: {
          vpc,
          subnets: IDS.subnets.map((id) => ec2.Subnet.fromSubnetId(stack, id, id)),
          securityGroups: [ec2.SecurityGroup.fromSecurityGroupId(stack, 'Sg', IDS.securityGroup)],
        },
      });
      return Template.fromStack(stack).toJSON();
    }

    test('runs the function in the given subnets with the given security groups', () => {
      expect(resourceAt(placed(), '/Central/Resource').resource.Properties.VpcConfig).toEqual({
        SubnetIds: IDS.subnets,
        SecurityGroupIds: [IDS.securityGroup],
      });
    });

    // AWSLambdaVPCAccessExecutionRole also allows logs:CreateLogGroup, CreateLogStream and PutLogEvents on every log group.
    test('in a VPC the role still may write only to its own log group (ENI actions granted without a managed policy)', () => {
      const json = placed();
      expect(resourceAt(json, '/CentralRole/Resource').resource.Properties.ManagedPolicyArns).toBeUndefined();
      const statements = resourceAt(json, '/CentralRole/DefaultPolicy/Resource').resource.Properties.PolicyDocument.Statement;
      const logActions = statements
        .flatMap((statement: { Action: string | string[] }) => [statement.Action].flat())
        .filter((action: string) => action.startsWith('logs:'));
      expect(logActions).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
    });
  });

  describe("Lambda's 4 KB environment limit", () => {
    const key = (index: number) => `SETTING_${String(index).padStart(2, '0')}`;

    test('an environment beyond 4 KB is a synth error naming the function and its size', () => {
      const { stack } = sildFunction({ environment: { SILD_GATEWAY_SETTINGS: 'x'.repeat(4100) } });
      Annotations.fromStack(stack).hasError(
        '/Test/Central',
        Match.stringLikeRegexp('The environment of Test/Central takes about 4\\d{3} bytes; Lambda allows 4096'),
      );
    });

    test('an environment within 4 KB passes', () => {
      const { stack } = sildFunction({ environment: { SILD_GATEWAY_SETTINGS: 'x'.repeat(3900) } });
      expect(Annotations.fromStack(stack).findError('*', Match.anyValue())).toEqual([]);
    });

    test('unresolved values (ARNs, table names) count at their deployed size, not their short token text', () => {
      const tokens = Object.fromEntries(Array.from({ length: 30 }, (_, index) => [key(index), Lazy.string({ produce: () => 'arn' })]));
      const literals = Object.fromEntries(Array.from({ length: 30 }, (_, index) => [key(index), 'arn:aws:dynamodb:eu-north-1:555555555555:table/x']));
      expect(
        Annotations.fromStack(sildFunction({ environment: tokens }).stack).findError('/Test/Central', Match.stringLikeRegexp('Lambda allows 4096')),
      ).toHaveLength(1);
      expect(Annotations.fromStack(sildFunction({ environment: literals }).stack).findError('*', Match.anyValue())).toEqual([]);
    });
  });

  test('bundles with the local esbuild: minified CommonJS with a source map relative to the package, the AWS SDK left to the runtime', () => {
    const { app, at } = sildFunction({}, { bundle: true });
    const { S3Key } = at('/Central/Resource').resource.Properties.Code;
    const asset = path.join(app.outdir, `asset.${String(S3Key).replace(/\.zip$/, '')}`);
    const code = readFileSync(path.join(asset, 'index.js'), 'utf8');
    const map = JSON.parse(readFileSync(path.join(asset, 'index.js.map'), 'utf8'));
    expect(code).toMatch(/require\("@aws-sdk\/client-kms"\)/);
    expect(code).toMatch(/\/\/# sourceMappingURL=index\.js\.map\s*$/);
    expect(code.split('\n').length).toBeLessThan(200);
    expect(map.sources).toContain('lambdas/central/index.ts');
    expect(map.sources.filter((source: string) => !/^(lambdas|node_modules)\//.test(source))).toEqual([]);
    expect(map.sources.filter((source: string) => /@aws-sdk|@smithy/.test(source))).toEqual([]);
    expect(map.sourcesContent).toBeUndefined();
  });
});
