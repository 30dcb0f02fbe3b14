/**
 * SildRestApi promises a REST API built from the shared route table with a resource policy derived from the routes:
 * public routes open to anyone, IAM routes open only to the given principals (denied to everyone when there are
 * none), and a private endpoint closed to any source but its VPC endpoints. A policy change deploys anew. The stage
 * (`prod` by default) is throttled (100/200 by default), writes JSON access logs (one year by default) and ERROR
 * execution logs unless `stageLogging` is off (an account without API Gateway's logging role), waits for the account's
 * logging role when given one, and can sit behind a WAF rate limit.
 */
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { ApiGatewayCloudWatchRole } from '../../../lib/constructs/api-gateway-cloudwatch-role';
import { SildRestApi, type SildRestApiProps } from '../../../lib/constructs/sild-rest-api';
import { constructStack, IDS, resourceAt, resourcesOfType } from '../../support/synth';

const REASON = 'GET /globalconf publishes the signed global configuration; it is public by design.';
const AGENCY = '222222222222';

function restApi(props: Partial<SildRestApiProps> = {}, options: { cloudWatchRole?: boolean } = {}) {
  const { stack } = constructStack();
  const handler = new lambda.Function(stack, 'Handler', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({})'),
  });
  const cloudWatchRole = options.cloudWatchRole ? new ApiGatewayCloudWatchRole(stack, 'Logging') : undefined;
  const api = new SildRestApi(stack, 'Central', {
    api: 'central',
    handler,
    restApiName: 'sild-DEV-central',
    description: 'Sild DEV: central API',
    unauthenticatedReason: REASON,
    cloudWatchRole,
    ...props,
  });
  const json = Template.fromStack(stack).toJSON();
  const apiResource = resourceAt(json, '/Central/Api/Resource');
  const methods = () =>
    Object.values(resourcesOfType(json, 'AWS::ApiGateway::Method'))
      .map((method) => [method.Properties.HttpMethod, method.Properties.AuthorizationType])
      .sort();
  const [stage] = Object.entries(resourcesOfType(json, 'AWS::ApiGateway::Stage'));
  return {
    api,
    json,
    methods,
    apiId: apiResource.logicalId,
    properties: apiResource.resource.Properties,
    stageId: stage[0],
    stage: stage[1],
    handler: resourceAt(json, '/Handler/Resource').logicalId,
  };
}

const publicGlobalconf = {
  Sid: 'InvokeGETglobalconf',
  Effect: 'Allow',
  Action: 'execute-api:Invoke',
  Principal: { AWS: '*' },
  Resource: 'execute-api:/*/GET/globalconf',
};

describe('SildRestApi', () => {
  const central = restApi({ iamPrincipals: [new iam.AccountPrincipal(AGENCY)] });

  test('a regional endpoint taking any body as binary, serving the route table with each route’s own authorization', () => {
    expect(central.properties).toMatchObject({
      Name: 'sild-DEV-central',
      Description: 'Sild DEV: central API',
      EndpointConfiguration: { Types: ['REGIONAL'] },
      BinaryMediaTypes: ['*/*'],
    });
    expect(central.methods()).toEqual([
      ['GET', 'NONE'],
      ['POST', 'AWS_IAM'],
    ]);
  });

  test('the resource policy opens public routes to anyone and IAM routes only to the given principals', () => {
    expect(central.properties.Policy.Statement).toEqual([
      publicGlobalconf,
      {
        Sid: 'InvokePOSTjoin',
        Effect: 'Allow',
        Action: 'execute-api:Invoke',
        Principal: { AWS: `arn:aws:iam::${AGENCY}:root` },
        Resource: 'execute-api:/*/POST/join',
      },
    ]);
  });

  test('deny by default: without principals, an IAM route is denied to everyone', () => {
    expect(restApi().properties.Policy.Statement).toEqual([
      publicGlobalconf,
      { Sid: 'DenyPOSTjoin', Effect: 'Deny', Action: 'execute-api:Invoke', Principal: { AWS: '*' }, Resource: 'execute-api:/*/POST/join' },
    ]);
  });

  test('iamOnly requires AWS_IAM on every route and opens them to the principals only', () => {
    const provider = restApi({ api: 'provider', iamOnly: true, unauthenticatedReason: undefined, iamPrincipals: [new iam.AccountPrincipal(AGENCY)] });
    // `ANY /{proxy+}` and SOAP's `POST /` (which {proxy+} does not match).
    expect(provider.methods()).toEqual([
      ['ANY', 'AWS_IAM'],
      ['POST', 'AWS_IAM'],
    ]);
    expect(provider.properties.Policy.Statement).toEqual([
      {
        Sid: 'InvokeAny',
        Effect: 'Allow',
        Action: 'execute-api:Invoke',
        Principal: { AWS: `arn:aws:iam::${AGENCY}:root` },
        Resource: 'execute-api:/*/*/*',
      },
      {
        Sid: 'InvokePOST',
        Effect: 'Allow',
        Action: 'execute-api:Invoke',
        Principal: { AWS: `arn:aws:iam::${AGENCY}:root` },
        Resource: 'execute-api:/*/POST/',
      },
    ]);
  });

  test('a route without authorization and without unauthenticatedReason is an error naming the route', () => {
    expect(() => restApi({ unauthenticatedReason: undefined })).toThrow(
      'central route GET /globalconf has no authorization; say why in unauthenticatedReason',
    );
  });

  test('a private endpoint is reachable through the given VPC endpoints only: any other source is denied', () => {
    const endpoints = ['vpce-0f0f0f0f0f0f0f0f0', IDS.vpce];
    const consumer = restApi({ api: 'consumer', vpcEndpointIds: endpoints });
    expect(consumer.properties.EndpointConfiguration).toEqual({ Types: ['PRIVATE'], VpcEndpointIds: endpoints });
    expect(consumer.properties.Policy.Statement).toEqual([
      { Sid: 'InvokeAny', Effect: 'Allow', Action: 'execute-api:Invoke', Principal: { AWS: '*' }, Resource: 'execute-api:/*/*/*' },
      { Sid: 'InvokePOST', Effect: 'Allow', Action: 'execute-api:Invoke', Principal: { AWS: '*' }, Resource: 'execute-api:/*/POST/' },
      {
        Sid: 'DenyOutsideVpcEndpoints',
        Effect: 'Deny',
        Action: 'execute-api:Invoke',
        Principal: { AWS: '*' },
        Resource: 'execute-api:/*',
        Condition: { StringNotEquals: { 'aws:SourceVpce': [...endpoints].sort() } },
      },
    ]);
  });

  test('a change of the resource policy creates a new deployment, which the stage then serves', () => {
    const deploymentOf = (api: ReturnType<typeof restApi>) => Object.keys(resourcesOfType(api.json, 'AWS::ApiGateway::Deployment'));
    const [deployment] = deploymentOf(central);
    expect(central.stage.Properties.DeploymentId).toEqual({ Ref: deployment });
    expect(deploymentOf(restApi({ iamPrincipals: [new iam.AccountPrincipal(AGENCY)] }))).toEqual([deployment]);
    expect(deploymentOf(restApi({ iamPrincipals: [new iam.AccountPrincipal('333333333333')] }))).not.toContain(deployment);
  });

  test('the stage is prod, throttled at 100 requests/s with bursts of 200 (routes with a budget in the route table get theirs), logs ERRORs without data trace, and writes JSON access logs without payloads', () => {
    expect(central.stage.Properties).toMatchObject({
      StageName: 'prod',
      MethodSettings: [
        {
          HttpMethod: '*',
          ResourcePath: '/*',
          LoggingLevel: 'ERROR',
          DataTraceEnabled: false,
          MetricsEnabled: false,
          ThrottlingRateLimit: 100,
          ThrottlingBurstLimit: 200,
        },
        { HttpMethod: 'GET', ResourcePath: '/~1globalconf', ThrottlingRateLimit: 40, ThrottlingBurstLimit: 80 },
        { HttpMethod: 'POST', ResourcePath: '/~1join', ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 },
      ],
    });
    const format = JSON.parse(central.stage.Properties.AccessLogSetting.Format);
    expect(format).toMatchObject({
      requestId: '$context.requestId',
      status: '$context.status',
      callerAccount: '$context.identity.accountId',
      vpceId: '$context.identity.vpceId',
    });
    expect(Object.values(format).filter((value) => /body|header|querystring|\$context\.path|\$input|requestOverride/i.test(String(value)))).toEqual(
      [],
    );
  });

  test('the access log group is its own, kept one year by default', () => {
    const logGroup = resourceAt(central.json, '/Central/AccessLogs/Resource');
    expect(JSON.stringify(central.stage.Properties.AccessLogSetting.DestinationArn)).toContain(logGroup.logicalId);
    expect(logGroup.resource.Properties.RetentionInDays).toBe(365);
  });

  // A fresh account has no API Gateway CloudWatch Logs role, and a REST stage that logs cannot deploy without one.
  test('stageLogging false: no access log, execution logging OFF, no execution-log group — the stage deploys in an account without the logging role', () => {
    const quiet = restApi({ stageLogging: false });
    expect(quiet.stage.Properties.AccessLogSetting).toBeUndefined();
    expect(quiet.stage.Properties.MethodSettings[0]).toMatchObject({
      HttpMethod: '*',
      ResourcePath: '/*',
      LoggingLevel: 'OFF',
      DataTraceEnabled: false,
      ThrottlingRateLimit: 100,
    });
    expect(() => resourceAt(quiet.json, '/Central/AccessLogs/Resource')).toThrow(/found 0/);
    expect(() => resourceAt(quiet.json, '/Central/ExecutionLogs/Resource')).toThrow(/found 0/);
    expect(quiet.stage.DependsOn).toBeUndefined();
  });

  test("routeThrottles overrides a route's budget from the route table", () => {
    const tuned = restApi({ routeThrottles: { '/join/POST': { rateLimit: 1, burstLimit: 2 } } });
    expect(tuned.stage.Properties.MethodSettings).toContainEqual(
      expect.objectContaining({ HttpMethod: 'POST', ResourcePath: '/~1join', ThrottlingRateLimit: 1, ThrottlingBurstLimit: 2 }),
    );
  });

  test('stageName, throttle and accessLogRetention props are applied', () => {
    const tuned = restApi({ stageName: 'v1', throttle: { rateLimit: 5, burstLimit: 10 }, accessLogRetention: logs.RetentionDays.ONE_MONTH });
    expect(tuned.stage.Properties).toMatchObject({
      StageName: 'v1',
      MethodSettings: [{ ResourcePath: '/*', ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 }, {}, {}],
    });
    expect(resourceAt(tuned.json, '/Central/AccessLogs/Resource').resource.Properties.RetentionInDays).toBe(30);
  });

  test("given the account's logging role, the stage waits for it; without one, the API sets no account role of its own", () => {
    const withRole = restApi({}, { cloudWatchRole: true });
    expect(withRole.stage.DependsOn).toContain(resourceAt(withRole.json, '/Logging/Account').logicalId);
    expect(resourcesOfType(central.json, 'AWS::ApiGateway::Account')).toEqual({});
    expect(Object.keys(resourcesOfType(central.json, 'AWS::IAM::Role'))).toEqual([
      resourceAt(central.json, '/Handler/ServiceRole/Resource').logicalId,
    ]);
  });

  test('rateLimitPer5Minutes puts a WAF rate rule on the stage; without it there is no web ACL', () => {
    const limited = restApi({ rateLimitPer5Minutes: 1200 });
    const [acl] = Object.values(resourcesOfType(limited.json, 'AWS::WAFv2::WebACL'));
    expect(acl.Properties.Rules[0].Statement.RateBasedStatement).toEqual({ Limit: 1200, AggregateKeyType: 'IP', EvaluationWindowSec: 300 });
    const [association] = Object.values(resourcesOfType(limited.json, 'AWS::WAFv2::WebACLAssociation'));
    expect(association.Properties.ResourceArn['Fn::Join'][1]).toEqual(expect.arrayContaining([{ Ref: limited.apiId }, { Ref: limited.stageId }]));
    expect(resourcesOfType(central.json, 'AWS::WAFv2::WebACL')).toEqual({});
  });

  test('the web ACL guards the IAM routes of fixed paths from the route table: unsigned requests to /join are blocked', () => {
    const [acl] = Object.values(resourcesOfType(restApi({ rateLimitPer5Minutes: 1200 }).json, 'AWS::WAFv2::WebACL'));
    expect(acl.Properties.Rules.map((rule: { Name: string }) => rule.Name)).toEqual([
      'RateLimitPerIp',
      'BlockUnsignedOnSignedPaths',
      'RateLimitPerIpOnSignedPaths',
    ]);
    expect(acl.Properties.Rules[1].Statement.AndStatement.Statements[0].ByteMatchStatement).toMatchObject({
      SearchString: '/join',
      PositionalConstraint: 'ENDS_WITH',
    });
    const provider = restApi({ api: 'provider', rateLimitPer5Minutes: 1200 });
    expect(Object.values(resourcesOfType(provider.json, 'AWS::WAFv2::WebACL'))[0].Properties.Rules).toHaveLength(1);
  });

  test('the function may be invoked by this API’s stage only, per route, and not from the console test-invoke stage', () => {
    const permissions = Object.values(resourcesOfType(central.json, 'AWS::Lambda::Permission')).map((permission) => permission.Properties);
    expect(permissions.map((permission) => permission.SourceArn['Fn::Join'][1])).toEqual([
      ['arn:aws:execute-api:eu-north-1:555555555555:', { Ref: central.apiId }, '/', { Ref: central.stageId }, '/GET/globalconf'],
      ['arn:aws:execute-api:eu-north-1:555555555555:', { Ref: central.apiId }, '/', { Ref: central.stageId }, '/POST/join'],
    ]);
    for (const permission of permissions)
      expect(permission).toMatchObject({
        Action: 'lambda:InvokeFunction',
        Principal: 'apigateway.amazonaws.com',
        FunctionName: { 'Fn::GetAtt': [central.handler, 'Arn'] },
      });
  });

  test('adds no stack output of its own; url is the stage URL ending with a slash', () => {
    expect(central.json.Outputs).toBeUndefined();
    expect(Stack.of(central.api).resolve(central.api.url)).toEqual({
      'Fn::Join': [
        '',
        ['https://', { Ref: central.apiId }, '.execute-api.eu-north-1.', { Ref: 'AWS::URLSuffix' }, '/', { Ref: central.stageId }, '/'],
      ],
    });
  });
});
