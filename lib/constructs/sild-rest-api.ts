/**
 * One of Sild's REST APIs (central, consumer side, provider side), built from the shared route table so the
 * deployed API serves exactly what the local front serves. Every API gets: a resource policy derived from the
 * routes (public routes allow anyone, IAM routes allow only the named accounts, a private endpoint denies
 * everything not arriving through the named VPC endpoints), binary bodies (`*\/*`), X-Road-style answers for API
 * Gateway's own refusals, payload-free JSON access logs and ERROR-level execution logs (where the account has API
 * Gateway's logging role: `stageLogging`), and stage throttling.
 * A change of the resource policy creates a new deployment, so it takes effect on deploy.
 */
import { Validations } from 'aws-cdk-lib';
import * as apigateway from 'aws-cdk-lib/aws-apigateway';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { ApiMetrics } from './alarm-topic';
import { GATEWAY_RESPONSES, methodSettingKeyOf, routesOf, type ApiName, type ApiThrottle, type Route } from '../routes';

export type { ApiThrottle } from '../routes';
import type { ApiGatewayCloudWatchRole } from './api-gateway-cloudwatch-role';
import { RateLimitWebAcl } from './rate-limit-web-acl';

export interface SildRestApiProps {
  /** Which routes of the route table this API serves. */
  readonly api: ApiName;
  /** The function behind every route (Lambda proxy integration). */
  readonly handler: lambda.IFunction;
  readonly restApiName: string;
  readonly description: string;
  /**
   * Makes the API a PRIVATE endpoint reachable only through these interface VPC endpoints (resource policy deny
   * for any other source, plus endpoint association).
   * @default - a REGIONAL endpoint
   */
  readonly vpcEndpointIds?: string[];
  /** Requires AWS_IAM on every route, whatever the route table says. @default false - each route's own authorization */
  readonly iamOnly?: boolean;
  /**
   * Principals the resource policy allows on IAM-authorized routes (accounts, roles, users). Empty: IAM routes are
   * denied to everyone.
   * @default - none
   */
  readonly iamPrincipals?: iam.IPrincipal[];
  /**
   * Blocks a source IP above this many requests per 5 minutes with an AWS WAF web ACL, which also blocks unsigned
   * requests to the IAM routes and bounds each IP's requests to them (`RateLimitWebAcl`).
   * @default - no web ACL
   */
  readonly rateLimitPer5Minutes?: number;
  /**
   * With `rateLimitPer5Minutes`: the per-IP limit of requests that carry a signed Sild message (a peer gateway's),
   * which then no longer count under `rateLimitPer5Minutes` (`RateLimitWebAcl`).
   * @default - signed messages count under `rateLimitPer5Minutes` like any request
   */
  readonly signedMessageRateLimitPer5Minutes?: number;
  /** Why routes without IAM authorization are acceptable; recorded as the cdk-nag acknowledgement. @default - required when a route uses NONE */
  readonly unauthenticatedReason?: string;
  /** @default { rateLimit: 100, burstLimit: 200 } */
  readonly throttle?: ApiThrottle;
  /**
   * Throttling of single routes, by `<path>/<METHOD>` (e.g. `/join/POST`), each apart from the stage's; added to
   * (and overriding) the route table's own.
   * @default - the route table's
   */
  readonly routeThrottles?: Readonly<Record<string, ApiThrottle>>;
  /**
   * Access logs and ERROR-level execution logs on the stage. API Gateway writes them through the account's CloudWatch
   * Logs role, so a stage that logs fails to deploy in an account without one (a fresh account): turn it off there
   * (`restApiLogging` decides from the config).
   * @default true
   */
  readonly stageLogging?: boolean;
  /** Retention of the access and execution log groups. @default logs.RetentionDays.ONE_YEAR */
  readonly accessLogRetention?: logs.RetentionDays;
  /** The account's API Gateway logging role setting; the stage waits for it. @default - assumed to be configured already */
  readonly cloudWatchRole?: ApiGatewayCloudWatchRole;
  /** @default 'prod' */
  readonly stageName?: string;
}

/** Access-log fields: who called what and how it ended. No bodies, headers, query strings or request paths (a path may carry personal ids). */
const ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: '$context.requestId',
  extendedRequestId: '$context.extendedRequestId',
  requestTime: '$context.requestTimeEpoch',
  httpMethod: '$context.httpMethod',
  resourcePath: '$context.resourcePath',
  status: '$context.status',
  responseLength: '$context.responseLength',
  sourceIp: '$context.identity.sourceIp',
  callerAccount: '$context.identity.accountId',
  caller: '$context.identity.caller',
  vpceId: '$context.identity.vpceId',
  error: '$context.error.message',
  integrationError: '$context.integration.error',
  integrationStatus: '$context.integration.status',
  integrationLatency: '$context.integrationLatency',
  responseLatency: '$context.responseLatency',
});

export class SildRestApi extends Construct {
  public readonly restApi: apigateway.RestApi;
  /** Its request and 5xx metrics (alarms, dashboards). */
  public readonly metrics: ApiMetrics;
  /** The deployed stage (a registration waits for it). */
  public readonly stage: apigateway.Stage;
  /** The stage URL, ending with `/`. */
  public readonly url: string;

  constructor(scope: Construct, id: string, props: SildRestApiProps) {
    super(scope, id);
    const routes = routesOf(props.api);
    const authorizationOf = (route: Route) => (props.iamOnly ? 'IAM' : route.authorization);
    const throttle = props.throttle ?? { rateLimit: 100, burstLimit: 200 };
    const policy = resourcePolicy(routes, authorizationOf, props);

    const logging = props.stageLogging ?? true;
    const accessLogs = logging
      ? new logs.LogGroup(this, 'AccessLogs', { retention: props.accessLogRetention ?? logs.RetentionDays.ONE_YEAR })
      : undefined;
    this.metrics = this.restApi = new apigateway.RestApi(this, 'Api', {
      restApiName: props.restApiName,
      description: props.description,
      endpointConfiguration: props.vpcEndpointIds
        ? {
            types: [apigateway.EndpointType.PRIVATE],
            vpcEndpoints: props.vpcEndpointIds.map((vpcEndpointId) =>
              ec2.InterfaceVpcEndpoint.fromInterfaceVpcEndpointAttributes(this, `Endpoint-${vpcEndpointId}`, { vpcEndpointId, port: 443 }),
            ),
          }
        : { types: [apigateway.EndpointType.REGIONAL] },
      policy,
      binaryMediaTypes: ['*/*'],
      cloudWatchRole: false,
      deployOptions: {
        stageName: props.stageName ?? 'prod',
        ...(accessLogs
          ? {
              accessLogDestination: new apigateway.LogGroupLogDestination(accessLogs),
              accessLogFormat: apigateway.AccessLogFormat.custom(ACCESS_LOG_FORMAT),
            }
          : {}),
        loggingLevel: logging ? apigateway.MethodLoggingLevel.ERROR : apigateway.MethodLoggingLevel.OFF,
        dataTraceEnabled: false,
        metricsEnabled: false,
        throttlingRateLimit: throttle.rateLimit,
        throttlingBurstLimit: throttle.burstLimit,
        methodOptions: Object.fromEntries(
          Object.entries({ ...routeThrottlesOf(props.api), ...props.routeThrottles }).map(([route, limits]) => [
            route,
            { throttlingRateLimit: limits.rateLimit, throttlingBurstLimit: limits.burstLimit },
          ]),
        ),
      },
    });
    this.restApi.latestDeployment?.addToLogicalId({ resourcePolicy: policy });
    if (logging) {
      // API Gateway creates a stage's execution-log group itself, kept forever; created first here, it has a retention.
      const executionLogs = new logs.LogGroup(this, 'ExecutionLogs', {
        logGroupName: `API-Gateway-Execution-Logs_${this.restApi.restApiId}/${props.stageName ?? 'prod'}`,
        retention: props.accessLogRetention ?? logs.RetentionDays.ONE_YEAR,
      });
      this.restApi.deploymentStage.node.addDependency(executionLogs);
    } else {
      const reason =
        "The account has no API Gateway CloudWatch Logs role the config knows of (a fresh account has none), and a REST stage that logs cannot deploy without it; the functions log every message they handle, and the config's apiGatewayAccountRole / apiGatewayAccountRoleExists turn stage logging on.";
      Validations.of(this.restApi.deploymentStage).acknowledge({ id: 'AwsSolutions-APIG1', reason }, { id: 'AwsSolutions-APIG6', reason });
    }
    if (props.cloudWatchRole) this.restApi.deploymentStage.node.addDependency(props.cloudWatchRole.account);

    const integration = new apigateway.LambdaIntegration(props.handler, { allowTestInvoke: false });
    for (const route of routes) {
      const authorization = authorizationOf(route);
      const method = this.restApi.root.resourceForPath(route.path).addMethod(route.method, integration, {
        authorizationType: authorization === 'IAM' ? apigateway.AuthorizationType.IAM : apigateway.AuthorizationType.NONE,
      });
      if (authorization === 'IAM') {
        Validations.of(method).acknowledge({
          id: 'AwsSolutions-COG4',
          reason:
            'Authorized with AWS IAM (SigV4): the callers are AWS principals of the accounts the resource policy names, not end users, so a Cognito user pool does not apply.',
        });
      } else {
        const reason = props.unauthenticatedReason ?? '';
        Validations.of(method).acknowledge({ id: 'AwsSolutions-APIG4', reason }, { id: 'AwsSolutions-COG4', reason });
      }
    }

    for (const [type, response] of Object.entries(GATEWAY_RESPONSES)) {
      this.restApi.addGatewayResponse(`Response-${type}`, {
        type: apigateway.ResponseType.of(type),
        statusCode: response.status === undefined ? undefined : String(response.status),
        responseHeaders: { 'X-Road-Error': `'${response.type}'` },
        templates: { 'application/json': JSON.stringify({ type: response.type, message: response.message, detail: '$context.requestId' }) },
      });
    }

    Validations.of(this.restApi).acknowledge({
      id: 'AwsSolutions-APIG2',
      reason:
        'Bodies are opaque binary X-Road payloads and every request is validated by the handler (identifiers, X-Road headers, signatures), which answers in the X-Road error format; an API Gateway request validator would answer in another format.',
    });
    if (props.rateLimitPer5Minutes !== undefined) {
      // IAM routes of fixed paths get their own guard: unsigned requests never reach their small budgets.
      const signedPaths = routes.filter((route) => authorizationOf(route) === 'IAM' && !route.path.includes('{')).map((route) => route.path);
      new RateLimitWebAcl(this, 'RateLimit', {
        stage: this.restApi.deploymentStage,
        limitPer5Minutes: props.rateLimitPer5Minutes,
        signedMessageLimitPer5Minutes: props.signedMessageRateLimitPer5Minutes,
        metricName: props.restApiName,
        signedPaths,
      });
    } else {
      Validations.of(this.restApi).acknowledge({
        id: 'AwsSolutions-APIG3',
        reason: props.vpcEndpointIds
          ? "A private API: reachable only through the agency's own VPC endpoints (resource policy), so there is no internet traffic for a web ACL to filter; the stage is throttled."
          : 'The web ACL is turned off in the config (waf.enabled: false) for this API: every route is authenticated (IAM or message signatures) and the stage is throttled.',
      });
    }
    // The stacks name their own URL outputs; drop RestApi's automatic `Endpoint` output (a hashed, unstable name).
    this.restApi.node.tryRemoveChild('Endpoint');
    this.url = this.restApi.url;
    this.stage = this.restApi.deploymentStage;
  }
}

function resourcePolicy(routes: readonly Route[], authorizationOf: (route: Route) => string, props: SildRestApiProps): iam.PolicyDocument {
  const principals = props.iamPrincipals ?? [];
  const statements = routes.map((route) => {
    const method = route.method === 'ANY' ? '*' : route.method;
    const path = route.path.replace(/\{[^}]+\}/g, '*');
    const sid = `Invoke${method === '*' ? 'Any' : method}${path.replace(/[^A-Za-z0-9]/g, '')}`;
    const resources = [`execute-api:/*/${method}${path}`];
    if (authorizationOf(route) === 'IAM') {
      // Deny by default: with no principal configured, nobody may call the route.
      if (principals.length === 0)
        return new iam.PolicyStatement({
          sid: `Deny${sid.slice('Invoke'.length)}`,
          effect: iam.Effect.DENY,
          actions: ['execute-api:Invoke'],
          principals: [new iam.AnyPrincipal()],
          resources,
        });
      return new iam.PolicyStatement({ sid, actions: ['execute-api:Invoke'], principals, resources });
    }
    if (!props.unauthenticatedReason)
      throw new Error(`${props.api} route ${route.method} ${route.path} has no authorization; say why in unauthenticatedReason`);
    return new iam.PolicyStatement({ sid, actions: ['execute-api:Invoke'], principals: [new iam.AnyPrincipal()], resources });
  });
  if (props.vpcEndpointIds) {
    statements.push(
      new iam.PolicyStatement({
        sid: 'DenyOutsideVpcEndpoints',
        effect: iam.Effect.DENY,
        actions: ['execute-api:Invoke'],
        principals: [new iam.AnyPrincipal()],
        resources: ['execute-api:/*'],
        conditions: { StringNotEquals: { 'aws:SourceVpce': [...props.vpcEndpointIds].sort() } },
      }),
    );
  }
  return new iam.PolicyDocument({ statements });
}

/** The route table's throttles of an API, keyed as API Gateway's method settings. */
function routeThrottlesOf(api: ApiName): Record<string, ApiThrottle> {
  return Object.fromEntries(routesOf(api).flatMap((route) => (route.throttle ? [[methodSettingKeyOf(route), route.throttle]] : [])));
}
