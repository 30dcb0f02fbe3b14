import { Match } from 'aws-cdk-lib/assertions';
import { centralSettings } from '../../../lib/config/runtime-settings';
import { GATEWAY_RESPONSES } from '../../../lib/routes';
import { AwsSolutionsChecks } from 'cdk-nag';
import { agencyStackName, centralStackName } from '../../../lib/stacks/sild-stacks';
import { configWith, customResourceCall, demoConfig, resourceAt, resourcesOfType, synth } from '../../support/synth';

const config = demoConfig();
const synthesized = synth(config);
const template = synthesized.template(centralStackName('DEV'));
const json = synthesized.templateJson(centralStackName('DEV'));
/** The account has API Gateway's CloudWatch Logs role (another stack or an administrator set it). */
const logged = synth(configWith((raw) => (raw.central.apiGatewayAccountRoleExists = true)));

describe('CentralStack', () => {
  test('the registry table is on-demand, with PITR and deletion protection, and is retained', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResource('AWS::DynamoDB::Table', {
      Properties: {
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
      },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  test('the central signing key is an ECC P-256 signing key, retained, with an alias', () => {
    template.hasResource('AWS::KMS::Key', {
      Properties: { KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    template.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/sild/DEV/central' });
  });

  test('the central function runs Node 24 on arm64 with its settings, key and table, logging to its own log group', () => {
    const { resource: fn } = resourceAt(json, '/CentralFunction/Resource');
    const { logicalId: logGroup, resource: logs } = resourceAt(json, '/CentralFunctionLogs/Resource');
    expect(fn.Properties).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'], LoggingConfig: { LogGroup: { Ref: logGroup } } });
    expect(logs.Properties.RetentionInDays).toBe(90);
    const env = fn.Properties.Environment.Variables;
    expect(JSON.parse(env.SILD_CENTRAL_SETTINGS)).toEqual(centralSettings(config));
    expect(env.SILD_SIGNING_KEY_ID).toEqual({ 'Fn::GetAtt': [resourceAt(json, '/SigningKey/Key/Resource').logicalId, 'Arn'] });
    expect(env.SILD_REGISTRY_TABLE).toEqual({ Ref: resourceAt(json, '/Registry/Table/Resource').logicalId });
    expect(env.NODE_OPTIONS).toBe('--enable-source-maps');
  });

  test('the central function may sign with the central key, read and scan the registry, write agency entries (never the CONFIG items or the key ring), advance the version counter, publish and list the configuration bucket, and its own logs — nothing else', () => {
    const id = (suffix: string) => resourceAt(json, suffix).logicalId;
    const { resource: policy } = resourceAt(json, '/CentralFunctionRole/DefaultPolicy/Resource');
    const registry = { 'Fn::GetAtt': [id('/Registry/Table/Resource'), 'Arn'] };
    expect(policy.Properties.PolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: { 'Fn::GetAtt': [id('/CentralFunctionLogs/Resource'), 'Arn'] },
      },
      {
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:PutObject'],
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [id('/GlobalConfiguration/Bucket/Resource'), 'Arn'] }, '/globalconf/*']] },
      },
      // Listing: a configuration not published yet reads as missing (404), not forbidden (403).
      { Effect: 'Allow', Action: 's3:ListBucket', Resource: { 'Fn::GetAtt': [id('/GlobalConfiguration/Bucket/Resource'), 'Arn'] } },
      { Effect: 'Allow', Action: ['kms:GetPublicKey', 'kms:Sign'], Resource: { 'Fn::GetAtt': [id('/SigningKey/Key/Resource'), 'Arn'] } },
      { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:Scan'], Resource: registry },
      {
        Effect: 'Allow',
        Action: 'dynamodb:PutItem',
        Resource: registry,
        Condition: { 'ForAllValues:StringNotEquals': { 'dynamodb:LeadingKeys': ['CONFIG', 'KEYS', 'COUNTER'] } },
      },
      {
        Effect: 'Allow',
        Action: 'dynamodb:UpdateItem',
        Resource: registry,
        Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['COUNTER'] } },
      },
    ]);
    expect(resourceAt(json, '/CentralFunctionRole/Resource').resource.Properties.ManagedPolicyArns).toBeUndefined();
  });

  test('the join allow-list is written into the registry at deploy time, not into the function environment', () => {
    const [allowList] = Object.values(resourcesOfType(json, 'Custom::SildJoinAllowList'));
    const update = customResourceCall(allowList, 'Update', 'registry');
    expect(update).toMatchObject({
      service: 'DynamoDB',
      action: 'putItem',
      parameters: { TableName: 'registry', Item: { pk: { S: 'CONFIG' }, sk: { S: 'JOIN-ALLOW-LIST' } } },
    });
    expect(JSON.parse(update.parameters.Item.agencies.S).map((agency: { name: string }) => agency.name)).toEqual([
      'population-registry',
      'tax-board',
      'business-registry',
    ]);
    const fn = resourceAt(json, '/CentralFunction/Resource').resource.Properties;
    expect(JSON.parse(fn.Environment.Variables.SILD_CENTRAL_SETTINGS).agencies).toBeUndefined();
  });

  test('the global groups are written into the registry at deploy time', () => {
    const [groups] = Object.values(resourcesOfType(json, 'Custom::SildGlobalGroups'));
    const call = customResourceCall(groups, 'Update', 'registry');
    expect(call).toMatchObject({
      action: 'putItem',
      parameters: { TableName: 'registry', Item: { pk: { S: 'CONFIG' }, sk: { S: 'GLOBAL-GROUPS' } } },
    });
    expect(JSON.parse(call.parameters.Item.groups.S)).toEqual([]);
  });

  test('the federated instances are written into the registry at deploy time (none by default)', () => {
    const [federation] = Object.values(resourcesOfType(json, 'Custom::SildFederatedInstances'));
    const call = customResourceCall(federation, 'Update', 'registry');
    expect(call).toMatchObject({
      action: 'putItem',
      parameters: { TableName: 'registry', Item: { pk: { S: 'CONFIG' }, sk: { S: 'FEDERATED-INSTANCES' } } },
    });
    expect(JSON.parse(call.parameters.Item.instances.S)).toEqual([]);
  });

  test('the central API serves the route table: GET /globalconf without auth, POST /join with IAM', () => {
    template.hasResourceProperties('AWS::ApiGateway::RestApi', { BinaryMediaTypes: ['*/*'], EndpointConfiguration: { Types: ['REGIONAL'] } });
    const methods = Object.values(resourcesOfType(json, 'AWS::ApiGateway::Method')).map((method) => [
      method.Properties.HttpMethod,
      method.Properties.AuthorizationType,
    ]);
    expect(methods.sort()).toEqual([
      ['GET', 'NONE'],
      ['POST', 'AWS_IAM'],
    ]);
    template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: 'join' });
    template.hasResourceProperties('AWS::ApiGateway::Resource', { PathPart: 'globalconf' });
  });

  test('only the agency accounts in the config may join; anyone may read the signed global configuration', () => {
    const [api] = Object.values(resourcesOfType(json, 'AWS::ApiGateway::RestApi'));
    expect(api.Properties.Policy.Statement).toEqual([
      {
        Sid: 'InvokeGETglobalconf',
        Effect: 'Allow',
        Action: 'execute-api:Invoke',
        Principal: { AWS: '*' },
        Resource: 'execute-api:/*/GET/globalconf',
      },
      {
        Sid: 'InvokePOSTjoin',
        Effect: 'Allow',
        Action: 'execute-api:Invoke',
        Principal: { AWS: ['arn:aws:iam::222222222222:root', 'arn:aws:iam::333333333333:root', 'arn:aws:iam::444444444444:root'] },
        Resource: 'execute-api:/*/POST/join',
      },
    ]);
  });

  test("with the account's logging role (apiGatewayAccountRoleExists), the stage has access logging without payloads, ERROR execution logs without data trace, and throttling", () => {
    const json = logged.templateJson(centralStackName('DEV'));
    const template = logged.template(centralStackName('DEV'));
    const [stage] = Object.values(resourcesOfType(json, 'AWS::ApiGateway::Stage'));
    const format = JSON.parse(stage.Properties.AccessLogSetting.Format);
    expect(format.requestId).toBe('$context.requestId');
    expect(Object.values(format).join(' ')).not.toMatch(/body|requestOverride|\$context\.path|\$input/);
    // The stage's limits, and each route its own budget: configuration reads never use up the joins'.
    expect(stage.Properties.MethodSettings).toEqual([
      {
        HttpMethod: '*',
        ResourcePath: '/*',
        LoggingLevel: 'ERROR',
        DataTraceEnabled: false,
        MetricsEnabled: false,
        ThrottlingRateLimit: 50,
        ThrottlingBurstLimit: 100,
      },
      { HttpMethod: 'GET', ResourcePath: '/~1globalconf', DataTraceEnabled: false, ThrottlingRateLimit: 40, ThrottlingBurstLimit: 80 },
      { HttpMethod: 'POST', ResourcePath: '/~1join', DataTraceEnabled: false, ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 },
    ]);
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 365 });
    // The execution-log group API Gateway would create without retention exists first, with one.
    const executionLogs = resourceAt(json, '/CentralApi/ExecutionLogs/Resource');
    expect(executionLogs.resource.Properties).toMatchObject({
      RetentionInDays: 365,
      LogGroupName: { 'Fn::Join': ['', ['API-Gateway-Execution-Logs_', { Ref: expect.any(String) }, '/prod']] },
    });
    expect(stage.DependsOn).toContain(executionLogs.logicalId);
  });

  test('by default (a fresh account has no API Gateway logging role) the stage does not log, so the first deploy succeeds; it is still throttled, and synth says how to turn logging on', () => {
    const [stage] = Object.values(resourcesOfType(json, 'AWS::ApiGateway::Stage'));
    expect(stage.Properties.AccessLogSetting).toBeUndefined();
    expect(stage.Properties.MethodSettings[0]).toEqual({
      HttpMethod: '*',
      ResourcePath: '/*',
      LoggingLevel: 'OFF',
      DataTraceEnabled: false,
      MetricsEnabled: false,
      ThrottlingRateLimit: 50,
      ThrottlingBurstLimit: 100,
    });
    expect(() => resourceAt(json, '/CentralApi/ExecutionLogs/Resource')).toThrow(/found 0/);
    expect(synthesized.messages(centralStackName('DEV'))).toContainEqual(
      expect.stringMatching(/The central of DEV: The REST API stages of this stack write no access or execution logs/),
    );
    expect(logged.messages(centralStackName('DEV')).join('\n')).not.toMatch(/write no access/);
  });

  test("API Gateway's own refusals answer in X-Road's error form", () => {
    const responses = Object.values(resourcesOfType(json, 'AWS::ApiGateway::GatewayResponse')).map((response) => response.Properties);
    expect(responses).toHaveLength(Object.keys(GATEWAY_RESPONSES).length);
    for (const [type, expected] of Object.entries(GATEWAY_RESPONSES)) {
      const response = responses.find((candidate) => candidate.ResponseType === type);
      expect(response).toMatchObject({
        ResponseParameters: { 'gatewayresponse.header.X-Road-Error': `'${expected.type}'` },
        ResponseTemplates: { 'application/json': `{"type":"${expected.type}","message":"${expected.message}","detail":"$context.requestId"}` },
      });
      expect(response.StatusCode).toBe(expected.status === undefined ? undefined : String(expected.status));
    }
  });

  test('the account-wide API Gateway logging role is opt-in (apiGatewayAccountRole): set, retained, waited for only when asked, and then the stage logs', () => {
    expect(resourcesOfType(json, 'AWS::ApiGateway::Account')).toEqual({});
    const opted = synth(configWith((raw) => (raw.central.apiGatewayAccountRole = true)));
    const [stage] = Object.values(resourcesOfType(opted.templateJson(centralStackName('DEV')), 'AWS::ApiGateway::Stage'));
    expect(stage.Properties).toMatchObject({
      AccessLogSetting: { Format: expect.any(String) },
      MethodSettings: expect.arrayContaining([expect.objectContaining({ LoggingLevel: 'ERROR' })]),
    });
    const optedTemplate = opted.template(centralStackName('DEV'));
    optedTemplate.hasResource('AWS::ApiGateway::Account', { DeletionPolicy: 'Retain' });
    optedTemplate.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: Match.objectLike({ Statement: [Match.objectLike({ Principal: { Service: 'apigateway.amazonaws.com' } })] }),
    });
    const optedJson = opted.templateJson(centralStackName('DEV'));
    expect(resourceAt(optedJson, '/CentralApi/Api/DeploymentStage.prod/Resource').resource.DependsOn).toContain(
      resourceAt(optedJson, '/ApiGatewayLogging/Account').logicalId,
    );
  });

  test('outputs tell ops what to put into central.apiUrl, central.configurationUrl and central.anchorPublicKey — and a federation partner into its central.federation', () => {
    expect(Object.keys(json.Outputs).sort()).toEqual([
      'AnchorPublicKeyCommand',
      'CentralApiUrl',
      'CentralSigningKeyArn',
      'GlobalConfigurationUrl',
      'InstanceCode',
    ]);
    expect(json.Outputs.InstanceCode.Value).toBe('DEV');
  });

  test('the configuration is published to a private, versioned, retained bucket behind CloudFront (origin access control, HTTPS only), on a schedule', () => {
    const bucket = resourceAt(json, '/GlobalConfiguration/Bucket/Resource');
    expect(bucket.resource).toMatchObject({
      DeletionPolicy: 'Retain',
      Properties: {
        VersioningConfiguration: { Status: 'Enabled' },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      },
    });
    const [distribution] = Object.values(resourcesOfType(json, 'AWS::CloudFront::Distribution'));
    const config = distribution.Properties.DistributionConfig;
    expect(config.DefaultCacheBehavior).toMatchObject({
      ViewerProtocolPolicy: 'https-only',
      AllowedMethods: ['GET', 'HEAD'],
      CachePolicyId: '658327ea-f89d-4fab-a63d-7e88639e58f6',
    });
    expect(config.Origins[0].OriginAccessControlId).toBeDefined();
    expect(Object.values(resourcesOfType(json, 'AWS::CloudFront::OriginAccessControl'))).toHaveLength(1);
    // Only CloudFront reads the bucket (the distribution's own ARN in the condition).
    const policy = JSON.stringify(resourceAt(json, '/GlobalConfiguration/Bucket/Policy/Resource').resource.Properties.PolicyDocument);
    expect(policy).toContain('cloudfront.amazonaws.com');
    expect(policy).toContain('AWS:SourceArn');
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [{ Arn: { 'Fn::GetAtt': [resourceAt(json, '/PublisherFunction/Resource').logicalId, 'Arn'] } }],
    });
    for (const fn of ['CentralFunction', 'PublisherFunction']) {
      const statements = resourceAt(json, `/${fn}Role/DefaultPolicy/Resource`).resource.Properties.PolicyDocument.Statement;
      expect(statements).toContainEqual({
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:PutObject'],
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucket.logicalId, 'Arn'] }, '/globalconf/*']] },
      });
    }
    expect(synthesized.messages(centralStackName('DEV')).join('\n')).not.toMatch(/configurationCdn/);
  });

  // A new account may have CloudFront refuse distributions until AWS verifies it (nothing read-only tells).
  test('central.configurationCdn false: no CloudFront at all and no GlobalConfigurationUrl output; the bucket, its publisher and the central API stay; synth says where gateways read; cdk-nag finds nothing unacknowledged', () => {
    const withoutCdn = synth(configWith((raw) => (raw.central.configurationCdn = false)));
    const name = centralStackName('DEV');
    const json = withoutCdn.templateJson(name);
    expect(
      Object.values(json.Resources as Record<string, { Type: string }>).filter((resource) => resource.Type.startsWith('AWS::CloudFront::')),
    ).toEqual([]);
    expect(Object.keys(json.Outputs).sort()).toEqual(['AnchorPublicKeyCommand', 'CentralApiUrl', 'CentralSigningKeyArn', 'InstanceCode']);
    const bucket = resourceAt(json, '/GlobalConfiguration/Bucket/Resource');
    for (const fn of ['CentralFunction', 'PublisherFunction']) {
      expect(resourceAt(json, `/${fn}Role/DefaultPolicy/Resource`).resource.Properties.PolicyDocument.Statement).toContainEqual(
        expect.objectContaining({
          Action: ['s3:GetObject', 's3:PutObject'],
          Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucket.logicalId, 'Arn'] }, '/globalconf/*']] },
        }),
      );
    }
    // GET /globalconf keeps its own budget, apart from the joins'.
    const [stage] = Object.values(resourcesOfType(json, 'AWS::ApiGateway::Stage'));
    expect(stage.Properties.MethodSettings).toContainEqual(
      expect.objectContaining({ HttpMethod: 'GET', ResourcePath: '/~1globalconf', ThrottlingRateLimit: 40, ThrottlingBurstLimit: 80 }),
    );
    expect(withoutCdn.messages(name)).toContainEqual(
      expect.stringMatching(
        /^The central of DEV: The central deploys without its CloudFront distribution \(central.configurationCdn: false\): gateways read the global configuration from the central API \(GET \/globalconf, 40 requests\/s with bursts of 80/,
      ),
    );
    const report = new AwsSolutionsChecks(undefined, { verbose: true }).validateScope(withoutCdn.app);
    expect(report.violations.map((violation) => violation.ruleName)).toEqual([]);
    // The agency stacks do not change: gateways without central.configurationUrl read the central API anyway.
    expect(withoutCdn.templateJson(agencyStackName('DEV', { name: 'tax-board' }))).toEqual(
      synthesized.templateJson(agencyStackName('DEV', { name: 'tax-board' })),
    );
  });
});
