/**
 * SildHttpApi promises an HTTP API built from the shared route table: every route invokes the one function through
 * a payload 2.0 Lambda proxy integration; each route keeps its own authorization unless `iamOnly` requires AWS_IAM
 * everywhere; a route without authorization needs a stated reason; the `$default` stage auto-deploys, is throttled
 * (100/200 by default) and writes payload-free JSON access logs to its own log group (one year by default).
 */
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { SildHttpApi, type SildHttpApiProps } from '../../../lib/constructs/sild-http-api';
import { constructStack, resourceAt, resourcesOfType } from '../../support/synth';

const REASON = 'GET /globalconf publishes the signed global configuration; it is public by design.';

function httpApi(props: Partial<SildHttpApiProps> = {}) {
  const { stack } = constructStack();
  const handler = new lambda.Function(stack, 'Handler', {
    runtime: lambda.Runtime.NODEJS_22_X,
    handler: 'index.handler',
    code: lambda.Code.fromInline('exports.handler = async () => ({})'),
  });
  const api = new SildHttpApi(stack, 'Central', {
    api: 'central',
    handler,
    apiName: 'sild-DEV-central',
    description: 'Sild DEV: central API',
    unauthenticatedReason: REASON,
    ...props,
  });
  const json = Template.fromStack(stack).toJSON();
  const routes = () =>
    Object.values(resourcesOfType(json, 'AWS::ApiGatewayV2::Route')).map((route) => [route.Properties.RouteKey, route.Properties.AuthorizationType]);
  return {
    stack,
    api,
    json,
    handler: resourceAt(json, '/Handler/Resource').logicalId,
    apiId: resourceAt(json, '/Central/Api/Resource').logicalId,
    routes,
  };
}

describe('SildHttpApi', () => {
  const central = httpApi();

  test('serves the routes of the table, each with its own authorization by default (POST /join AWS_IAM, GET /globalconf none)', () => {
    expect(central.routes().sort()).toEqual([
      ['GET /globalconf', 'NONE'],
      ['POST /join', 'AWS_IAM'],
    ]);
  });

  test('every route invokes the one function through a single payload 2.0 Lambda proxy integration', () => {
    const integrations = Object.entries(resourcesOfType(central.json, 'AWS::ApiGatewayV2::Integration'));
    expect(integrations.map(([, integration]) => integration.Properties)).toEqual([
      {
        ApiId: { Ref: central.apiId },
        IntegrationType: 'AWS_PROXY',
        IntegrationUri: { 'Fn::GetAtt': [central.handler, 'Arn'] },
        PayloadFormatVersion: '2.0',
      },
    ]);
    for (const route of Object.values(resourcesOfType(central.json, 'AWS::ApiGatewayV2::Route'))) {
      expect(route.Properties.Target).toEqual({ 'Fn::Join': ['', ['integrations/', { Ref: integrations[0][0] }]] });
    }
  });

  test('only this API may invoke the function', () => {
    const permissions = Object.values(resourcesOfType(central.json, 'AWS::Lambda::Permission')).map((permission) => permission.Properties);
    expect(permissions).toHaveLength(2);
    for (const permission of permissions) {
      expect(permission).toMatchObject({
        Action: 'lambda:InvokeFunction',
        Principal: 'apigateway.amazonaws.com',
        FunctionName: { 'Fn::GetAtt': [central.handler, 'Arn'] },
      });
      expect(permission.SourceArn['Fn::Join'][1]).toEqual([
        'arn:aws:execute-api:eu-north-1:555555555555:',
        { Ref: central.apiId },
        expect.stringMatching(/^\/\*\/\*\/(globalconf|join)$/),
      ]);
    }
  });

  test('iamOnly requires AWS_IAM on every route, and then no reason for unauthenticated routes is needed', () => {
    expect(httpApi({ api: 'consumer', iamOnly: true, unauthenticatedReason: undefined }).routes()).toEqual([
      ['ANY /{proxy+}', 'AWS_IAM'],
      ['POST /', 'AWS_IAM'],
    ]);
  });

  test('a route without authorization and without unauthenticatedReason is an error naming the route', () => {
    expect(() => httpApi({ api: 'provider', unauthenticatedReason: undefined })).toThrow(
      'provider route ANY /{proxy+} has no authorization; say why in unauthenticatedReason',
    );
  });

  test('the $default stage auto-deploys and is throttled at 100 requests/s with bursts of 200 by default', () => {
    const [stage] = Object.values(resourcesOfType(central.json, 'AWS::ApiGatewayV2::Stage'));
    expect(stage.Properties).toMatchObject({
      ApiId: { Ref: central.apiId },
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 },
    });
  });

  test('the throttle prop sets the stage limits', () => {
    const [stage] = Object.values(resourcesOfType(httpApi({ throttle: { rateLimit: 5, burstLimit: 10 } }).json, 'AWS::ApiGatewayV2::Stage'));
    expect(stage.Properties.DefaultRouteSettings).toEqual({ ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 });
  });

  test('access logs go to its own log group, kept one year by default, as JSON without bodies, headers, query strings or paths', () => {
    const [stage] = Object.values(resourcesOfType(central.json, 'AWS::ApiGatewayV2::Stage'));
    const logGroup = resourceAt(central.json, '/Central/AccessLogs/Resource');
    expect(stage.Properties.AccessLogSettings.DestinationArn).toEqual({ 'Fn::GetAtt': [logGroup.logicalId, 'Arn'] });
    expect(logGroup.resource.Properties.RetentionInDays).toBe(365);
    const format = JSON.parse(stage.Properties.AccessLogSettings.Format);
    expect(format).toMatchObject({ requestId: '$context.requestId', status: '$context.status', callerAccount: '$context.identity.accountId' });
    expect(Object.values(format).filter((value) => /body|header|querystring|\$context\.path|\$input|requestOverride/i.test(String(value)))).toEqual(
      [],
    );
  });

  test('accessLogRetention sets the access log retention', () => {
    expect(
      resourceAt(httpApi({ accessLogRetention: logs.RetentionDays.ONE_MONTH }).json, '/Central/AccessLogs/Resource').resource.Properties
        .RetentionInDays,
    ).toBe(30);
  });

  test('url is the stage URL with exactly one trailing slash', () => {
    const url = Stack.of(central.api).resolve(central.api.url);
    expect(url).toEqual({ 'Fn::Join': ['', ['https://', { Ref: central.apiId }, '.execute-api.eu-north-1.', { Ref: 'AWS::URLSuffix' }, '/']] });
  });
});
