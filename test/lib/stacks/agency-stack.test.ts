import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { gatewaySettings } from '../../../lib/config/runtime-settings';
import { CENTRAL_PLACEHOLDERS } from '../../../lib/constructs/sild-gateway';
import { gatewayConfigOf } from '../../../lib/config/ecosystem-config';
import { agencyStackName } from '../../../lib/stacks/sild-stacks';
import { configWith, customResourceCall, demoConfig, IDS, resourceAt, resourcesOfType, ROOT, synth } from '../../support/synth';

const POPULATION = agencyStackName('DEV', { name: 'population-registry' });
const TAX = agencyStackName('DEV', { name: 'tax-board' });
const BUSINESS = agencyStackName('DEV', { name: 'business-registry' });

/**
 * The demo config plus everything optional: central configured (with its CDN), private consumer access in the layout
 * the README recommends (the provider side alone in a VPC that resolves execute-api names privately), and a gateway
 * with all its functions in a VPC without that.
 */
const fullConfig = configWith((raw) => {
  raw.central.apiUrl = IDS.centralUrl;
  raw.central.configurationUrl = IDS.configurationUrl;
  raw.central.anchorPublicKey = IDS.anchor;
  raw.agencies[0].consumerAccess = { mode: 'private', vpcEndpointIds: [IDS.vpce] };
  raw.agencies[0].vpc = { vpcId: IDS.vpc, subnetIds: IDS.subnets, availabilityZones: ['eu-north-1a', 'eu-north-1b'], executeApiPrivateDns: true };
  raw.agencies[1].consumerAccess = { mode: 'iam', principals: [{ arn: 'arn:aws:iam::333333333333:role/tax-app', subsystems: ['tax-records'] }] };
  raw.agencies[1].vpc = {
    vpcId: IDS.vpc,
    subnetIds: [IDS.subnets[0]],
    availabilityZones: ['eu-north-1a'],
    securityGroupIds: [IDS.securityGroup],
    functions: 'all',
    executeApiPrivateDns: false,
  };
});

const demo = synth(demoConfig());
const full = synth(fullConfig);
/** The agencies' accounts have API Gateway's CloudWatch Logs role (another stack or an administrator set it). */
const logged = synth(configWith((raw) => raw.agencies.forEach((agency: any) => (agency.apiGatewayAccountRoleExists = true))));

const methodsOf = (template: any, apiLogicalId: string) =>
  Object.values(resourcesOfType(template, 'AWS::ApiGateway::Method')).filter((method) => method.Properties.RestApiId.Ref === apiLogicalId);

describe('AgencyStack defaults (demo config)', () => {
  const json = demo.templateJson(POPULATION);
  const template = demo.template(POPULATION);
  const id = (suffix: string) => resourceAt(json, suffix).logicalId;

  test('the gateway has its own retained ECC P-256 signing key', () => {
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResource('AWS::KMS::Key', {
      Properties: { KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    template.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/sild/DEV/gateway/population-registry' });
  });

  test('the message log is on-demand with PITR, deletion protection, TTL, and retained', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      Properties: {
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  test.each(['ConsumerFunction', 'ProviderFunction'])(
    '%s: Node 24 arm64, own log group with retention, the agency settings in its environment',
    (name) => {
      const fn = resourceAt(json, `/${name}/Resource`).resource.Properties;
      expect(fn).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Timeout: 29,
        MemorySize: 512,
        LoggingConfig: { LogGroup: { Ref: id(`/${name}Logs/Resource`) } },
      });
      expect(resourceAt(json, `/${name}Logs/Resource`).resource.Properties.RetentionInDays).toBe(90);
      const config = demoConfig();
      const env = fn.Environment.Variables;
      expect(JSON.parse(env.SILD_GATEWAY_SETTINGS)).toEqual(
        JSON.parse(JSON.stringify(gatewaySettings(gatewayConfigOf(config, config.agencies[0]), CENTRAL_PLACEHOLDERS))),
      );
      expect(env).toMatchObject({
        SILD_SIGNING_KEY_ID: { 'Fn::GetAtt': [id('/SigningKey/Key/Resource'), 'Arn'] },
        SILD_MESSAGE_LOG_TABLE: { Ref: id('/MessageLog/Table/Resource') },
        SILD_LOG_RETENTION_DAYS: '30',
        NODE_OPTIONS: '--enable-source-maps',
      });
      expect(fn.VpcConfig).toBeUndefined();
    },
  );

  test.each(['ConsumerFunction', 'ProviderFunction'])(
    '%s may sign only with its own key, write only log records and kept configurations, query seals and kept configurations, get any item but a seal or a certificate (the consumer no deployment item either: the provider reads its access policy), and put/get bodies in its own body store',
    (name) => {
      const table = { 'Fn::GetAtt': [id('/MessageLog/Table/Resource'), 'Arn'] };
      const only = (keys: string[]) => ({ 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': keys } });
      expect(resourceAt(json, `/${name}Role/DefaultPolicy/Resource`).resource.Properties.PolicyDocument.Statement).toEqual([
        { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: { 'Fn::GetAtt': [id(`/${name}Logs/Resource`), 'Arn'] } },
        { Effect: 'Allow', Action: ['kms:GetPublicKey', 'kms:Sign'], Resource: { 'Fn::GetAtt': [id('/SigningKey/Key/Resource'), 'Arn'] } },
        {
          Effect: 'Allow',
          Action: 'dynamodb:PutItem',
          Resource: table,
          Condition: { 'ForAllValues:StringNotEquals': { 'dynamodb:LeadingKeys': ['CONFIG', 'SEAL', 'KEYS'] } },
        },
        { Effect: 'Allow', Action: 'dynamodb:Query', Resource: table, Condition: only(['SEAL', 'GLOBALCONF']) },
        // A log record is read back after a conditional write fails: a retried write of its own, or a replayed X-Road-Id.
        {
          Effect: 'Allow',
          Action: 'dynamodb:GetItem',
          Resource: table,
          Condition: {
            'ForAllValues:StringNotEquals': { 'dynamodb:LeadingKeys': name === 'ProviderFunction' ? ['SEAL', 'CERT'] : ['CONFIG', 'SEAL', 'CERT'] },
          },
        },
        {
          Effect: 'Allow',
          Action: ['s3:GetObject', 's3:PutObject'],
          Resource: ['log/*', 'transfer/*'].map((prefix) => ({
            'Fn::Join': ['', [{ 'Fn::GetAtt': [id('/BodyStore/Bucket/Resource'), 'Arn'] }, `/${prefix}`]],
          })),
        },
      ]);
      expect(resourceAt(json, `/${name}Role/Resource`).resource.Properties.ManagedPolicyArns).toBeUndefined();
    },
  );

  test('the body store is encrypted, versioned, private, TLS-only and retained; log bodies expire a day after their records', () => {
    template.hasResource('AWS::S3::Bucket', {
      Properties: {
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
        VersioningConfiguration: { Status: 'Enabled' },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      },
      DeletionPolicy: 'Retain',
    });
    const bucket = resourceAt(json, '/BodyStore/Bucket/Resource').resource;
    expect(bucket.Properties.LifecycleConfiguration.Rules).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Id: 'log-bodies', Prefix: 'log/', ExpirationInDays: 31, Status: 'Enabled' }),
        expect.objectContaining({ Id: 'transfer-bodies', Prefix: 'transfer/', ExpirationInDays: 1, Status: 'Enabled' }),
      ]),
    );
    const policy = resourceAt(json, '/BodyStore/Bucket/Policy/Resource').resource;
    expect(JSON.stringify(policy.Properties.PolicyDocument)).toContain('aws:SecureTransport');
    expect(resourceAt(json, '/ConsumerFunction/Resource').resource.Properties.Environment.Variables.SILD_BODY_BUCKET).toEqual({
      Ref: id('/BodyStore/Bucket/Resource'),
    });
  });

  test('the message log has the sparse seal index, carrying only the record hash and time', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      GlobalSecondaryIndexes: [
        {
          IndexName: 'seal-window',
          KeySchema: [{ AttributeName: 'sealWindow', KeyType: 'HASH' }],
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['recordHash', 'loggedAt'] },
        },
      ],
    });
  });

  test('the access policy (what is offered to whom: services and backends, rights, groups, maintenance) is written into the log table at deploy time, not into the environment', () => {
    const [policy] = Object.values(resourcesOfType(json, 'Custom::SildAccessPolicy'));
    const call = customResourceCall(policy, 'Update', 'table');
    expect(call).toMatchObject({
      service: 'DynamoDB',
      action: 'putItem',
      parameters: { TableName: 'table', Item: { pk: { S: 'CONFIG' }, sk: { S: 'ACCESS-POLICY' } } },
    });
    expect(JSON.parse(call.parameters.Item.policy.S)).toEqual({
      // A REST service's entry names no type (as before SOAP); a SOAP service's its type and version.
      services: [
        { subsystem: 'population', code: 'persons', backendUrl: 'http://127.0.0.1:4080/persons' },
        { subsystem: 'population', code: 'getPerson', type: 'soap', version: 'v1', backendUrl: 'http://127.0.0.1:4080/soap/population' },
      ],
      // A right on a SOAP service is one rule for the whole service.
      accessRights: [
        { subsystem: 'population', service: 'persons', subject: 'DEV/GOV/70000002/tax-records', method: '*', path: '**' },
        { subsystem: 'population', service: 'getPerson', subject: 'DEV/GOV/70000002/tax-records', method: '*', path: '**' },
      ],
      localGroups: {},
      endpoints: {
        'population/persons': [
          { method: 'GET', path: '/*' },
          { method: 'POST', path: '/' },
        ],
      },
    });
    const settings = JSON.parse(resourceAt(json, '/ProviderFunction/Resource').resource.Properties.Environment.Variables.SILD_GATEWAY_SETTINGS);
    expect([settings.accessRights, settings.services, settings.maintenance]).toEqual([undefined, undefined, undefined]);
    // What cdk diff shows a reviewer: one line per service and rule.
    expect(policy.Metadata['sild:services']).toEqual([
      'population/getPerson → http://127.0.0.1:4080/soap/population (25000 ms) (SOAP v1)',
      'population/persons → http://127.0.0.1:4080/persons (25000 ms)',
    ]);
    expect(policy.Metadata['sild:accessRights']).toEqual([
      'DEV/GOV/70000002/tax-records → population/getPerson * **',
      'DEV/GOV/70000002/tax-records → population/persons * **',
    ]);
    expect(policy.Metadata['sild:localGroups']).toEqual([]);
    expect(policy.Metadata['sild:maintenance']).toEqual([]);
    // The provider's code is updated after the item it reads.
    expect(resourceAt(json, '/ProviderFunction/Resource').resource.DependsOn).toContain(
      resourceAt(json, '/AccessPolicy/Resource/Resource/Default').logicalId,
    );
  });

  test('each service description is an item of its own in the log table (getOpenAPI), visible in cdk diff', () => {
    const [description] = Object.values(resourcesOfType(json, 'Custom::SildServiceDescription'));
    const call = customResourceCall(description, 'Update', 'table');
    expect(call.parameters.Item).toMatchObject({ pk: { S: 'CONFIG' }, sk: { S: 'OPENAPI#population/persons' } });
    expect(JSON.parse(call.parameters.Item.document.S)).toMatchObject({ openapi: '3.0.3', paths: { '/persons/{id}': {}, '/persons': {} } });
  });

  test('each SOAP service’s WSDL is an item of its own in the log table, the text as in its file, and in no function’s environment', () => {
    template.resourceCountIs('Custom::SildServiceWsdl', 1);
    const wsdls = Object.values(resourcesOfType(json, 'Custom::SildServiceWsdl'));
    const call = customResourceCall(wsdls[0], 'Update', 'table');
    expect(call).toMatchObject({ service: 'DynamoDB', action: 'putItem', parameters: { TableName: 'table' } });
    expect(call.parameters.Item).toEqual({
      pk: { S: 'CONFIG' },
      sk: { S: 'WSDL#population/getPerson' },
      document: { S: readFileSync(path.join(ROOT, 'config', 'population-registry.wsdl'), 'utf8') },
    });
    for (const fn of Object.values(resourcesOfType(json, 'AWS::Lambda::Function'))) {
      const environment = JSON.stringify(fn.Properties.Environment ?? {});
      expect(environment).not.toMatch(/WSDL#|wsdl|definitions|xroad\.xsd/i);
    }
  });

  test('a schedule runs the sealer every minute; the sealer may sign with its own key, write seals, read the key ring, query the legacy seal index and read its log’s stream only', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: 'rate(1 minute)',
      Targets: [{ Arn: { 'Fn::GetAtt': [id('/SealerFunction/Resource'), 'Arn'] }, RetryPolicy: { MaximumRetryAttempts: 0 } }],
    });
    const tableArn = { 'Fn::GetAtt': [id('/MessageLog/Table/Resource'), 'Arn'] };
    expect(resourceAt(json, '/SealerFunctionRole/DefaultPolicy/Resource').resource.Properties.PolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: { 'Fn::GetAtt': [id('/SealerFunctionLogs/Resource'), 'Arn'] },
      },
      { Effect: 'Allow', Action: ['kms:GetPublicKey', 'kms:Sign'], Resource: { 'Fn::GetAtt': [id('/SigningKey/Key/Resource'), 'Arn'] } },
      {
        Effect: 'Allow',
        Action: ['dynamodb:PutItem', 'dynamodb:Query'],
        Resource: tableArn,
        Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['SEAL'] } },
      },
      {
        Effect: 'Allow',
        Action: 'dynamodb:GetItem',
        Resource: tableArn,
        Condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['KEYS'] } },
      },
      { Effect: 'Allow', Action: 'dynamodb:Query', Resource: { 'Fn::Join': ['', [tableArn, '/index/seal-window']] } },
      { Effect: 'Allow', Action: 'dynamodb:ListStreams', Resource: '*' },
      {
        Effect: 'Allow',
        Action: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
        Resource: { 'Fn::GetAtt': [id('/MessageLog/Table/Resource'), 'StreamArn'] },
      },
    ]);
    template.hasResourceProperties('AWS::DynamoDB::Table', { StreamSpecification: { StreamViewType: 'NEW_IMAGE' } });
  });

  test('without consumerAccess the consumer side is an IAM-authorized HTTP API that admits nobody (deny by default); synth says how to open it', () => {
    const api = resourceAt(json, '/ConsumerApi/Api/Resource');
    expect(api.resource.Type).toBe('AWS::ApiGatewayV2::Api');
    const routes = Object.values(resourcesOfType(json, 'AWS::ApiGatewayV2::Route')).filter((route) => route.Properties.ApiId.Ref === api.logicalId);
    expect(routes.map((route) => [route.Properties.RouteKey, route.Properties.AuthorizationType])).toEqual([
      ['ANY /{proxy+}', 'AWS_IAM'],
      ['POST /', 'AWS_IAM'],
    ]);
    const settings = JSON.parse(resourceAt(json, '/ConsumerFunction/Resource').resource.Properties.Environment.Variables.SILD_GATEWAY_SETTINGS);
    expect(settings.consumerPrincipals).toEqual([]);
    expect(demo.messages(POPULATION)).toContainEqual(
      expect.stringMatching(/No principal may call the consumer side of population-registry \(deny by default\)/),
    );
  });

  test('the provider side is a regional API without IAM (message signatures authenticate)', () => {
    const api = resourceAt(json, '/ProviderApi/Api/Resource');
    expect(api.resource.Properties).toMatchObject({ EndpointConfiguration: { Types: ['REGIONAL'] }, BinaryMediaTypes: ['*/*'] });
    expect(methodsOf(json, api.logicalId).map((method) => [method.Properties.HttpMethod, method.Properties.AuthorizationType])).toEqual([
      ['ANY', 'NONE'],
      ['POST', 'NONE'],
    ]);
  });

  test('by default (a fresh account has no API Gateway logging role) the REST stage does not log, so the first deploy succeeds; the HTTP API stage, which needs no role, does; synth says how to turn REST logging on', () => {
    const [httpStage] = Object.values(resourcesOfType(json, 'AWS::ApiGatewayV2::Stage'));
    expect(httpStage.Properties.AccessLogSettings.Format).toContain('$context.requestId');
    const [stage] = Object.values(resourcesOfType(json, 'AWS::ApiGateway::Stage'));
    expect(stage.Properties.AccessLogSetting).toBeUndefined();
    expect(stage.Properties.MethodSettings).toEqual([
      {
        HttpMethod: '*',
        ResourcePath: '/*',
        LoggingLevel: 'OFF',
        DataTraceEnabled: false,
        MetricsEnabled: false,
        ThrottlingRateLimit: 500,
        ThrottlingBurstLimit: 1000,
      },
    ]);
    expect(demo.messages(POPULATION)).toContainEqual(
      expect.stringMatching(
        /^Gateway population-registry: The REST API stages of this stack write no access or execution logs.*set apiGatewayAccountRoleExists: true/,
      ),
    );
  });

  test("with the account's logging role (apiGatewayAccountRoleExists), both stages log access (no payloads) and are throttled; the REST stage logs errors into a log group with retention", () => {
    const json = logged.templateJson(POPULATION);
    const id = (suffix: string) => resourceAt(json, suffix).logicalId;
    expect(logged.messages(POPULATION).join('\n')).not.toMatch(/write no access/);
    const [httpStage] = Object.values(resourcesOfType(json, 'AWS::ApiGatewayV2::Stage'));
    expect(httpStage.Properties).toMatchObject({
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 500, ThrottlingBurstLimit: 1000 },
    });
    expect(httpStage.Properties.AccessLogSettings.Format).toContain('$context.requestId');
    expect(httpStage.Properties.AccessLogSettings.Format).not.toMatch(/path|querystring|header/i);
    const stages = Object.values(resourcesOfType(json, 'AWS::ApiGateway::Stage'));
    expect(stages).toHaveLength(1);
    for (const stage of stages) {
      expect(stage.Properties.AccessLogSetting.Format).toContain('$context.requestId');
      expect(stage.Properties.MethodSettings).toEqual([
        {
          HttpMethod: '*',
          ResourcePath: '/*',
          LoggingLevel: 'ERROR',
          DataTraceEnabled: false,
          MetricsEnabled: false,
          ThrottlingRateLimit: 500,
          ThrottlingBurstLimit: 1000,
        },
      ]);
      expect(stage.DependsOn).toContain(id('/ProviderApi/ExecutionLogs/Resource'));
    }
    expect(Object.values(resourcesOfType(json, 'AWS::ApiGateway::RestApi')).map((api) => api.Properties.BinaryMediaTypes)).toEqual([['*/*']]);
  });

  test('without central.apiUrl/anchorPublicKey there is no registration, and synth says what to do', () => {
    expect(resourcesOfType(json, 'Custom::SildGatewayRegistration')).toEqual({});
    expect(demo.messages(POPULATION)).toContainEqual(expect.stringMatching(/central.url and central.anchor not set.*Deploy the central stack first/));
  });

  test('outputs name the consumer and provider URLs, the key and the log table', () => {
    expect(Object.keys(json.Outputs).sort()).toEqual(['ConsumerApiUrl', 'GatewaySigningKeyArn', 'MessageLogTableName', 'ProviderApiUrl']);
  });
});

describe('AgencyStack options', () => {
  test('private consumer access: a PRIVATE endpoint restricted to the VPC endpoints, no IAM needed, no warning', () => {
    const json = full.templateJson(POPULATION);
    const api = resourceAt(json, '/ConsumerApi/Api/Resource');
    expect(api.resource.Properties.EndpointConfiguration).toEqual({ Types: ['PRIVATE'], VpcEndpointIds: [IDS.vpce] });
    expect(methodsOf(json, api.logicalId).map((method) => method.Properties.AuthorizationType)).toEqual(['NONE', 'NONE']);
    expect(api.resource.Properties.Policy.Statement).toContainEqual({
      Sid: 'DenyOutsideVpcEndpoints',
      Effect: 'Deny',
      Action: 'execute-api:Invoke',
      Principal: { AWS: '*' },
      Resource: 'execute-api:/*',
      Condition: { StringNotEquals: { 'aws:SourceVpce': [IDS.vpce] } },
    });
    expect(full.messages(POPULATION).join('\n')).not.toMatch(/consumerAccess/);
  });

  test('explicit IAM consumer access: AWS_IAM, only the configured principals, bound to their subsystems, no warning', () => {
    const json = full.templateJson(TAX);
    const api = resourceAt(json, '/ConsumerApi/Api/Resource');
    const routes = Object.values(resourcesOfType(json, 'AWS::ApiGatewayV2::Route')).filter((route) => route.Properties.ApiId.Ref === api.logicalId);
    expect(routes.map((route) => route.Properties.AuthorizationType)).toEqual(['AWS_IAM', 'AWS_IAM']);
    const settings = JSON.parse(resourceAt(json, '/ConsumerFunction/Resource').resource.Properties.Environment.Variables.SILD_GATEWAY_SETTINGS);
    expect(settings.consumerPrincipals).toEqual([{ arn: 'arn:aws:iam::333333333333:role/tax-app', subsystems: ['tax-records'] }]);
    expect(full.messages(TAX).join('\n')).not.toMatch(/consumerAccess/);
  });

  const GATEWAY_FUNCTIONS = ['ConsumerFunction', 'ProviderFunction', 'SealerFunction', 'CanaryFunction'];
  const inVpc = (json: any) => GATEWAY_FUNCTIONS.filter((name) => resourceAt(json, `/${name}/Resource`).resource.Properties.VpcConfig !== undefined);

  test('a VPC in the config places the provider side in its subnets by default (imported, no lookups); the consumer side, sealer and canary stay outside', () => {
    const json = full.templateJson(POPULATION);
    const sg = resourceAt(json, '/GatewaySecurityGroup/Resource');
    expect(sg.resource.Properties.VpcId).toBe(IDS.vpc);
    expect(inVpc(json)).toEqual(['ProviderFunction']);
    expect(resourceAt(json, '/ProviderFunction/Resource').resource.Properties.VpcConfig).toEqual({
      SubnetIds: IDS.subnets,
      SecurityGroupIds: [{ 'Fn::GetAtt': [sg.logicalId, 'GroupId'] }],
    });
    // The network-interface actions only, not the managed VPC policy (its logs:* would reach every log group) — and
    // only for the function in the VPC.
    expect(resourceAt(json, '/ProviderFunctionRole/Resource').resource.Properties.ManagedPolicyArns).toBeUndefined();
    expect(JSON.stringify(resourceAt(json, '/ProviderFunctionRole/DefaultPolicy/Resource').resource.Properties.PolicyDocument)).toContain(
      'ec2:CreateNetworkInterface',
    );
    expect(JSON.stringify(resourceAt(json, '/ConsumerFunctionRole/DefaultPolicy/Resource').resource.Properties.PolicyDocument)).not.toContain('ec2:');
    // The registrar talks only to KMS and the central API: it stays outside the VPC.
    expect(resourceAt(json, '/Registration/Registrar/Resource').resource.Properties.VpcConfig).toBeUndefined();
  });

  test('vpc.functions "all" places every gateway function in the VPC, with the given security group', () => {
    const tax = full.templateJson(TAX);
    expect(inVpc(tax)).toEqual(GATEWAY_FUNCTIONS);
    for (const name of GATEWAY_FUNCTIONS)
      expect(resourceAt(tax, `/${name}/Resource`).resource.Properties.VpcConfig).toEqual({
        SubnetIds: [IDS.subnets[0]],
        SecurityGroupIds: [IDS.securityGroup],
      });
    expect(resourcesOfType(tax, 'AWS::EC2::SecurityGroup')).toEqual({});
    expect(resourceAt(tax, '/Registration/Registrar/Resource').resource.Properties.VpcConfig).toBeUndefined();
  });

  test('with the central configured, a custom resource registers the gateway once the provider stage exists', () => {
    const json = full.templateJson(BUSINESS);
    const id = (suffix: string) => resourceAt(json, suffix).logicalId;
    const registrations = Object.values(resourcesOfType(json, 'Custom::SildGatewayRegistration'));
    expect(registrations).toHaveLength(1);
    const [registration] = registrations;
    expect(registration.Properties).toMatchObject({
      Agency: 'business-registry',
      MemberId: 'DEV/COM/10000003',
      GatewayId: 'DEV/COM/10000003/business-registry',
      Subsystems: ['crm'],
      Services: [],
      SigningKeyId: { 'Fn::GetAtt': [id('/SigningKey/Key/Resource'), 'Arn'] },
      CentralUrl: IDS.centralUrl,
      CentralRegion: 'eu-north-1',
    });
    expect(JSON.stringify(registration.Properties.ProviderUrl)).toContain(id('/ProviderApi/Api/Resource'));
    expect(registration.DependsOn).toEqual([id('/ProviderApi/Api/DeploymentStage.prod/Resource')]);
    expect(full.messages(BUSINESS).join('\n')).not.toMatch(/central\.apiUrl/);
  });

  test('the registrar may use its own key (public key, proof of possession) and invoke only POST /join of the central API, nothing else', () => {
    const json = full.templateJson(BUSINESS);
    const id = (suffix: string) => resourceAt(json, suffix).logicalId;
    expect(resourceAt(json, '/Registration/RegistrarRole/DefaultPolicy/Resource').resource.Properties.PolicyDocument.Statement).toEqual([
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: { 'Fn::GetAtt': [id('/Registration/RegistrarLogs/Resource'), 'Arn'] },
      },
      // Sign: the join carries a proof of possession of the key it registers.
      { Effect: 'Allow', Action: ['kms:GetPublicKey', 'kms:Sign'], Resource: { 'Fn::GetAtt': [id('/SigningKey/Key/Resource'), 'Arn'] } },
      { Effect: 'Allow', Action: 'execute-api:Invoke', Resource: 'arn:aws:execute-api:eu-north-1:111111111111:abc123defg/prod/POST/join' },
    ]);
    const framework = resourceAt(json, '/Registration/Provider/framework-onEvent/Resource').resource.Properties;
    expect(framework.LoggingConfig.LogGroup).toEqual({ Ref: id('/Registration/FrameworkLogs/Resource') });
    expect(resourceAt(json, '/Registration/FrameworkRole/Resource').resource.Properties.ManagedPolicyArns).toBeUndefined();
  });

  test('a custom-domain central URL still limits the registrar to POST /join in the central account', () => {
    const custom = synth(
      configWith((raw) => {
        Object.assign(raw.central, { apiUrl: 'https://central.example.gov/sild', anchorPublicKey: IDS.anchor });
        raw.agencies = raw.agencies.slice(2);
      }),
    );
    const statements = resourceAt(custom.templateJson(BUSINESS), '/Registration/RegistrarRole/DefaultPolicy/Resource').resource.Properties
      .PolicyDocument.Statement;
    expect(statements).toContainEqual({
      Effect: 'Allow',
      Action: 'execute-api:Invoke',
      Resource: 'arn:aws:execute-api:eu-north-1:111111111111:*/*/POST/join',
    });
  });
});

describe('Lambda limits', () => {
  test("settings beyond Lambda's 4 KB environment fail the synth with a clear error; services no longer count (they are in the access policy)", () => {
    const crowded = synth(
      configWith((raw) => {
        raw.agencies = raw.agencies.slice(0, 1);
        raw.agencies[0].accessRights = [];
        raw.agencies[0].consumerAccess = {
          mode: 'iam',
          principals: Array.from({ length: 40 }, (_, index) => ({
            arn: `arn:aws:iam::222222222222:role/population-registry-client-application-${index}`,
            subsystems: ['population'],
          })),
        };
      }),
    );
    expect(crowded.messages(POPULATION, 'error')).toContainEqual(expect.stringMatching(/ConsumerFunction takes about \d+ bytes; Lambda allows 4096/));
    const manyServices = synth(
      configWith((raw) => {
        raw.agencies = raw.agencies.slice(0, 1);
        raw.agencies[0].services = Array.from({ length: 200 }, (_, index) => ({
          subsystem: 'population',
          code: `service-${index}`,
          backendUrl: `https://backend-${index}.population.example/api/v1/records`,
        }));
        raw.agencies[0].accessRights = [];
      }),
    );
    expect(manyServices.messages(POPULATION, 'error')).toEqual([]);
    expect(demo.messages(POPULATION, 'error')).toEqual([]);
  });
});

describe('least privilege across every stack', () => {
  test('no IAM policy in any stack grants a wildcard action', () => {
    for (const synthesized of [demo, full]) {
      for (const stack of synthesized.assembly.stacks) {
        for (const [logicalId, policy] of Object.entries(resourcesOfType(stack.template, 'AWS::IAM::Policy'))) {
          for (const statement of policy.Properties.PolicyDocument.Statement) {
            const actions: string[] = [statement.Action].flat();
            expect({ logicalId, wildcard: actions.filter((action) => action.includes('*')) }).toEqual({ logicalId, wildcard: [] });
          }
        }
      }
    }
  });
});

describe('API types (docs/decisions/0005-api-types-and-wire-fidelity.md)', () => {
  test('providerApi "http": the provider side is an HTTP API without IAM (signatures authenticate) and without WAF', () => {
    const cheap = synth(
      configWith((raw) => {
        raw.agencies[0].providerApi = 'http';
        raw.agencies[0].waf = { enabled: false };
      }),
    );
    const json = cheap.templateJson(POPULATION);
    const api = resourceAt(json, '/ProviderApi/Api/Resource');
    expect(api.resource.Type).toBe('AWS::ApiGatewayV2::Api');
    const routes = Object.values(resourcesOfType(json, 'AWS::ApiGatewayV2::Route')).filter((route) => route.Properties.ApiId.Ref === api.logicalId);
    expect(routes.map((route) => [route.Properties.RouteKey, route.Properties.AuthorizationType])).toEqual([
      ['ANY /{proxy+}', 'NONE'],
      ['POST /', 'NONE'],
    ]);
    expect(resourcesOfType(json, 'AWS::WAFv2::WebACL')).toEqual({});
    expect(resourcesOfType(json, 'AWS::ApiGateway::RestApi')).toEqual({});
  });

  test('an HTTP API provider with WAF enabled is a config error naming the field', () => {
    expect(() => configWith((raw) => (raw.agencies[0].providerApi = 'http'))).toThrow(
      /agencies\.0\.providerApi: an HTTP API cannot have an AWS WAF web ACL/,
    );
  });
});
