/**
 * One of Sild's HTTP APIs (payload format 2.0), built from the shared route table: the consumer side with IAM
 * consumer access, and the provider side when `providerApi` is `http`. An HTTP API passes `rawQueryString` byte
 * for byte and costs $1.00 instead of $3.50 per million requests; it has no resource policy, WAF or private
 * endpoint, and its own refusals (IAM, throttling, size) keep API Gateway's `{"message"}` form
 * (`docs/decisions/0005-api-types-and-wire-fidelity.md`). Every route invokes the one function; the default stage
 * writes payload-free JSON access logs and is throttled.
 */
import { Validations } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { ApiMetrics } from './alarm-topic';
import { routesOf, type ApiName } from '../routes';
import type { ApiThrottle } from './sild-rest-api';

export interface SildHttpApiProps {
  /** Which routes of the route table this API serves. */
  readonly api: ApiName;
  /** The function behind every route (Lambda proxy integration, payload 2.0). */
  readonly handler: lambda.IFunction;
  readonly apiName: string;
  readonly description: string;
  /**
   * Requires AWS_IAM (SigV4) on every route. The caller's identity policy must allow `execute-api:Invoke`; an HTTP API
   * has no resource policy, so the handler binds principals to what they may do.
   * @default false - each route's own authorization
   */
  readonly iamOnly?: boolean;
  /** Why routes without IAM authorization are acceptable; recorded as the cdk-nag acknowledgement. @default - required when a route has no authorization */
  readonly unauthenticatedReason?: string;
  /** @default { rateLimit: 100, burstLimit: 200 } */
  readonly throttle?: ApiThrottle;
  /** Retention of the access log group. @default logs.RetentionDays.ONE_YEAR */
  readonly accessLogRetention?: logs.RetentionDays;
}

/** Access-log fields: who called what and how it ended — no bodies, headers, query strings or paths. */
const ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: '$context.requestId',
  requestTime: '$context.requestTimeEpoch',
  httpMethod: '$context.httpMethod',
  routeKey: '$context.routeKey',
  status: '$context.status',
  responseLength: '$context.responseLength',
  sourceIp: '$context.identity.sourceIp',
  callerAccount: '$context.identity.accountId',
  caller: '$context.identity.caller',
  error: '$context.error.message',
  integrationError: '$context.integrationErrorMessage',
  integrationStatus: '$context.integrationStatus',
  integrationLatency: '$context.integrationLatency',
  responseLatency: '$context.responseLatency',
});

export class SildHttpApi extends Construct {
  public readonly httpApi: apigwv2.HttpApi;
  /** Its request and 5xx metrics (alarms, dashboards). */
  public readonly metrics: ApiMetrics;
  /** The default stage (a registration waits for it). */
  public readonly stage: apigwv2.HttpStage;
  /** The stage URL, ending with `/`. */
  public readonly url: string;

  constructor(scope: Construct, id: string, props: SildHttpApiProps) {
    super(scope, id);
    const throttle = props.throttle ?? { rateLimit: 100, burstLimit: 200 };
    const accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: props.accessLogRetention ?? logs.RetentionDays.ONE_YEAR });
    this.metrics = this.httpApi = new apigwv2.HttpApi(this, 'Api', {
      apiName: props.apiName,
      description: props.description,
      createDefaultStage: false,
    });
    const stage = (this.stage = this.httpApi.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle,
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(accessLogs),
        format: apigateway.AccessLogFormat.custom(ACCESS_LOG_FORMAT),
      },
    }));
    const integration = new HttpLambdaIntegration('Integration', props.handler, { payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0 });
    const iam = new HttpIamAuthorizer();
    for (const route of routesOf(props.api)) {
      const authorized = props.iamOnly || route.authorization === 'IAM';
      const routes = this.httpApi.addRoutes({
        path: route.path,
        methods: [route.method === 'ANY' ? apigwv2.HttpMethod.ANY : apigwv2.HttpMethod[route.method]],
        integration,
        authorizer: authorized ? iam : undefined,
      });
      if (!authorized) {
        if (!props.unauthenticatedReason)
          throw new Error(`${props.api} route ${route.method} ${route.path} has no authorization; say why in unauthenticatedReason`);
        for (const created of routes) Validations.of(created).acknowledge({ id: 'AwsSolutions-APIG4', reason: props.unauthenticatedReason });
      }
    }
    this.url = `${stage.url.replace(/\/$/, '')}/`;
  }
}
