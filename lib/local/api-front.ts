/**
 * The local stand-in for API Gateway: an HTTP server that serves one API's routes from the shared route table,
 * builds the proxy event the deployed API type would send — a REST API's payload 1.0 or an HTTP API's payload 2.0
 * (`apiTypeOf` decides, for the stacks and for this front alike) — and invokes the same Lambda handler. IAM routes
 * verify the caller's SigV4 signature. Refusals come as the deployed API gives them: a REST API in X-Road's error
 * form (its gateway responses), an HTTP API with its own `{"message"}` bodies (they cannot be customized).
 *
 * What each type passes, from AWS's documentation (and, where AWS is silent, live captures, marked):
 * - REST: `path` percent-encoded as sent; the query parsed and decoded into (`multiValue`)`queryStringParameters`;
 *   every header line in `multiValueHeaders`, the last in `headers`; bodies base64 when the content type matches the
 *   API's binary media types (Sild declares `*\/*`); only DELETE, GET, HEAD, OPTIONS, PATCH, POST and PUT reach an
 *   `ANY` method. https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html
 * - HTTP API: `rawQueryString` as sent; `rawPath` percent-decoded (captured live: hotsock/voker testdata, 2026-07);
 *   header names lower-case and repeated headers joined with commas; `Cookie` moved into `cookies`; bodies base64
 *   unless text (`text/*`, JSON, XML, JavaScript); responses set one `Set-Cookie` per `cookies` entry.
 *   https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type {
  APIGatewayProxyEvent,
  APIGatewayProxyEventV2WithIAMAuthorizer,
  APIGatewayProxyResult,
  APIGatewayProxyStructuredResultV2,
} from 'aws-lambda';
import type { ApiGatewayEvent, ApiGatewayResult } from '../../lambdas/adapters/api-gateway-events';
import { MAX_REQUEST_HEAD_BYTES, requestHeadBytes } from '../../lambdas/core/kernel/http';
import { API_GATEWAY_METHODS, GATEWAY_RESPONSES, matchRoute, routesOf, tokenBucket, type ApiName, type ApiType } from '../routes';
import { readBody } from './read-body';
import { guardedListener } from './request-input';
import type { IamResource, LocalIam } from './iam/local-iam';
import { verifySigV4, type LocalCredential } from './sigv4-verifier';

/** `SildFunction`'s default timeout, what the deployed gateway and central functions run with. */
const DEFAULT_FUNCTION_TIMEOUT_MS = 29_000;

export type ProxyHandler = (event: ApiGatewayEvent, context?: { getRemainingTimeInMillis(): number }) => Promise<ApiGatewayResult>;

export interface ApiFrontOptions {
  readonly api: ApiName;
  readonly handler: ProxyHandler;
  /** The deployed API type to imitate. @default 'rest' */
  readonly type?: ApiType;
  /** @default 0 (ephemeral) */
  readonly port?: number;
  /**
   * IAM authorization of IAM routes: who may call (the local principals) and each method as IAM sees it (its ARN and
   * the API's resource policy). @default none — every IAM route is refused
   */
  readonly iam?: ApiFrontIam;
  /** Requires IAM (SigV4) on every route, as `SildRestApi`'s `iamOnly` does. @default false - each route's own authorization */
  readonly iamOnly?: boolean;
  /** API Gateway's payload limit. @default 10 MiB */
  readonly maxBodyBytes?: number;
  /** @default Date.now */
  readonly now?: () => number;
  /**
   * The function's timeout: its invocation is given the time left of it, as Lambda's context gives it (real time,
   * whatever `now` says). @default 29,000 ms (`SildFunction`'s default)
   */
  readonly functionTimeoutMs?: number;
}

export interface ApiFrontIam {
  readonly local: LocalIam;
  /** A method of this API as IAM sees it (`execute-api:Invoke` on it). */
  resource(method: string, path: string): IamResource;
}

export interface ApiFront {
  readonly url: string;
  /** Closes the listener (clients then get connection refused), as an outage would. */
  pause(): Promise<void>;
  /** Listens again on the same port. */
  resume(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Lambda's synchronous invocation payload, each way (the event and the result as JSON, so a base64 body counts a
 * third more): https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
 */
export const LAMBDA_PAYLOAD_BYTES = 6 * 1024 * 1024;

/** The request line and headers as API Gateway measures them against its limit (`MAX_REQUEST_HEAD_BYTES`). */
function headerBytes(request: IncomingMessage): number {
  const lines: [string, string][] = [];
  for (let index = 0; index < request.rawHeaders.length; index += 2) lines.push([request.rawHeaders[index], request.rawHeaders[index + 1]]);
  return requestHeadBytes(request.method ?? '', request.url ?? '', lines);
}

type Refusal =
  | 'MISSING_AUTHENTICATION_TOKEN'
  | 'UNAUTHORIZED'
  | 'ACCESS_DENIED'
  | 'INVALID_SIGNATURE'
  | 'THROTTLED'
  | 'REQUEST_TOO_LARGE'
  | 'DEFAULT_4XX'
  | 'DEFAULT_5XX';

/**
 * An HTTP API's own answers (not customizable). AWS documents `{"message":"Not Found"}` for an unmatched route;
 * the other bodies follow the same form (UNCONFIRMED wording).
 */
const HTTP_API_REFUSALS: Record<Refusal, { status: number; message: string }> = {
  MISSING_AUTHENTICATION_TOKEN: { status: 404, message: 'Not Found' },
  UNAUTHORIZED: { status: 403, message: 'Forbidden' },
  ACCESS_DENIED: { status: 403, message: 'Forbidden' },
  INVALID_SIGNATURE: { status: 403, message: 'Forbidden' },
  THROTTLED: { status: 429, message: 'Too Many Requests' },
  REQUEST_TOO_LARGE: { status: 413, message: 'Request Entity Too Large' },
  DEFAULT_4XX: { status: 400, message: 'Bad Request' },
  DEFAULT_5XX: { status: 500, message: 'Internal Server Error' },
};

/**
 * HTTP APIs pass these content types as text, everything else base64 (captured live, not stated by AWS); a body
 * with a `Content-Encoding` is taken as binary whatever its type (UNCONFIRMED: verify on a deployment).
 */
const TEXT_TYPES = /^(text\/|application\/(json|xml|javascript)\b)/i;

export async function startApiFront(options: ApiFrontOptions): Promise<ApiFront> {
  const routes = routesOf(options.api);
  const type = options.type ?? 'rest';
  const now = options.now ?? Date.now;
  const maxBodyBytes = options.maxBodyBytes ?? 10 * 1024 * 1024;
  // Routes with their own budget in the route table are throttled as API Gateway's method settings throttle them.
  const buckets = new Map(routes.flatMap((route) => (route.throttle ? [[route, tokenBucket(route.throttle, now)] as const] : [])));

  function refuse(response: ServerResponse, kind: Refusal, requestId: string, status?: number): void {
    if (type === 'http') {
      const answer = HTTP_API_REFUSALS[kind];
      response.writeHead(status ?? answer.status, { 'content-type': 'application/json', 'apigw-requestid': requestId });
      response.end(JSON.stringify({ message: answer.message }));
      return;
    }
    const spec = GATEWAY_RESPONSES[kind];
    response.writeHead(spec.status ?? status ?? 500, {
      'content-type': 'application/json',
      'x-road-error': spec.type,
      'x-amzn-requestid': requestId,
    });
    response.end(JSON.stringify({ type: spec.type, message: spec.message, detail: requestId }));
  }

  async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const target = request.url ?? '/';
    const queryIndex = target.indexOf('?');
    const path = queryIndex < 0 ? target : target.slice(0, queryIndex);
    const search = queryIndex < 0 ? '' : target.slice(queryIndex + 1);
    const method = request.method ?? 'GET';
    const body = await readBody(request, maxBodyBytes);
    if (body === undefined || headerBytes(request) > MAX_REQUEST_HEAD_BYTES) return refuse(response, 'REQUEST_TOO_LARGE', requestId);
    if (!API_GATEWAY_METHODS.has(method)) return refuse(response, 'MISSING_AUTHENTICATION_TOKEN', requestId);

    let matched: { route: (typeof routes)[number]; pathParameters: Record<string, string> } | undefined;
    for (const route of routes) {
      const pathParameters = matchRoute(route, method, path);
      if (pathParameters) {
        matched = { route, pathParameters };
        break;
      }
    }
    if (!matched) return refuse(response, 'MISSING_AUTHENTICATION_TOKEN', requestId);

    // Who calls is settled before the route's budget is spent, so requests IAM refuses cannot use up a signed route's
    // budget (~15 unsigned requests a second kept every join at 429). AWS documents the access-control order — AWS
    // WAF first, "before other access control features, such as resource policies, IAM policies, Lambda authorizers"
    // (https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-control-access-aws-waf.html), then the
    // resource policy with IAM authentication
    // (https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-authorization-flow.html) — and the
    // order of the throttle settings among themselves
    // (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html), but not
    // whether a request IAM refuses takes a token from the method's bucket (UNCONFIRMED: verify on a deployment).
    // The deployed API does not rely on it: its web ACL blocks unsigned requests to IAM routes (`RateLimitWebAcl`).
    const lowerHeaders = keyedByName<string>();
    for (let index = 0; index < request.rawHeaders.length; index += 2)
      lowerHeaders[request.rawHeaders[index].toLowerCase()] = request.rawHeaders[index + 1];
    let caller: LocalCredential | undefined;
    if (matched.route.authorization === 'IAM' || options.iamOnly) {
      if (!lowerHeaders.authorization) return refuse(response, 'UNAUTHORIZED', requestId);
      const credentials = options.iam?.local.authorizer.credentials() ?? [];
      caller = await verifySigV4(
        { method, path, query: parsedQuery(search).multi ?? {}, headers: lowerHeaders, body },
        credentials,
        now(),
        'execute-api',
      );
      if (!caller) return refuse(response, 'INVALID_SIGNATURE', requestId);
      // IAM authentication, then the caller's policies and the API's resource policy
      // (https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-authorization-flow.html). An HTTP API
      // has no resource policy: only its own account's principals can be allowed.
      const resource = options.iam!.resource(method, path);
      const principal = options.iam!.local.authorizer.principal(caller.accessKeyId)!;
      const decision = await options.iam!.local.authorize({
        principal,
        action: 'execute-api:Invoke',
        resource: resource.arn,
        resourceAccount: resource.account,
        resourcePolicy: resource.policy,
      });
      if (!decision.allowed) return refuse(response, 'ACCESS_DENIED', requestId);
    }
    if (buckets.get(matched.route)?.() === false) return refuse(response, 'THROTTLED', requestId);

    const context = {
      request,
      method,
      path,
      search,
      body,
      requestId,
      route: matched.route.path,
      routeMethod: matched.route.method,
      pathParameters: matched.pathParameters,
      caller,
      now: now(),
    };
    let event: ApiGatewayEvent;
    try {
      event = type === 'http' ? httpApiEvent(context, options.api) : restApiEvent(context, options.api);
    } catch {
      return refuse(response, 'DEFAULT_4XX', requestId);
    }
    // The function is never invoked with an event above Lambda's payload limit (UNCONFIRMED: AWS's exact answer).
    if (Buffer.byteLength(JSON.stringify(event)) > LAMBDA_PAYLOAD_BYTES) return refuse(response, 'REQUEST_TOO_LARGE', requestId);
    let result: ApiGatewayResult;
    try {
      const deadline = performance.now() + (options.functionTimeoutMs ?? DEFAULT_FUNCTION_TIMEOUT_MS);
      result = await options.handler(event, { getRemainingTimeInMillis: () => Math.max(0, Math.round(deadline - performance.now())) });
    } catch {
      // A function that throws: a REST API answers 502 with its default 5XX response, an HTTP API 500.
      return refuse(response, 'DEFAULT_5XX', requestId, type === 'http' ? 500 : 502);
    }
    // A result above the payload limit is an invocation error: the API's 5XX answer.
    if (Buffer.byteLength(JSON.stringify(result)) > LAMBDA_PAYLOAD_BYTES)
      return refuse(response, 'DEFAULT_5XX', requestId, type === 'http' ? 500 : 502);
    writeResult(response, result, requestId);
  }

  function writeResult(response: ServerResponse, result: ApiGatewayResult, requestId: string): void {
    const lines: string[] = [];
    const v1 = result as APIGatewayProxyResult;
    const multi = type === 'rest' ? (v1.multiValueHeaders ?? {}) : {};
    for (const [name, value] of Object.entries(result.headers ?? {})) if (!Object.hasOwn(multi, name)) lines.push(name, String(value));
    for (const [name, values] of Object.entries(multi)) for (const value of values) lines.push(name, String(value));
    if (type === 'http') for (const cookie of (result as APIGatewayProxyStructuredResultV2).cookies ?? []) lines.push('set-cookie', cookie);
    lines.push(type === 'http' ? 'apigw-requestid' : 'x-amzn-requestid', requestId);
    response.writeHead(result.statusCode ?? 200, lines);
    response.end(Buffer.from(result.body ?? '', result.isBase64Encoded ? 'base64' : 'utf8'));
  }

  // Node's own header limit (16 KB) would answer with a bare 431; raise it so oversize headers get API Gateway's answer.
  const server: Server = createServer(
    { maxHeaderSize: 64 * 1024 },
    guardedListener(serve, (response) => refuse(response, 'DEFAULT_5XX', randomUUID(), 500)),
  );
  server.keepAliveTimeout = 5000;

  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve((server.address() as AddressInfo).port);
      });
    });
  const close = () =>
    new Promise<void>((resolve) => {
      if (!server.listening) return resolve();
      server.close(() => resolve());
      server.closeAllConnections();
    });

  const port = await listen(options.port ?? 0);
  return { url: `http://127.0.0.1:${port}`, pause: close, resume: async () => void (await listen(port)), stop: close };
}

interface EventContext {
  readonly request: IncomingMessage;
  readonly method: string;
  readonly path: string;
  readonly search: string;
  readonly body: Buffer;
  readonly requestId: string;
  readonly route: string;
  /** The route's method as declared (`ANY`, `POST`): an HTTP API's `routeKey` names it. */
  readonly routeMethod: string;
  readonly pathParameters: Record<string, string>;
  readonly caller?: LocalCredential;
  readonly now: number;
}

/**
 * A map keyed by names a caller chose (headers, query parameters): no prototype, so `constructor`, `toString` or
 * `__proto__` are names like any other — as API Gateway passes them — not inherited members.
 */
function keyedByName<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/** A REST API parses the query: decoded values (`+` as space), grouped by name. */
function parsedQuery(search: string) {
  if (!search) return { single: null, multi: null };
  const single = keyedByName<string>();
  const multi = keyedByName<string[]>();
  for (const [name, value] of new URLSearchParams(search)) {
    single[name] = value;
    (multi[name] ??= []).push(value);
  }
  return { single, multi };
}

function restApiEvent(context: EventContext, api: ApiName): APIGatewayProxyEvent {
  const headers = keyedByName<string>();
  const multiValueHeaders = keyedByName<string[]>();
  const raw = context.request.rawHeaders;
  for (let index = 0; index < raw.length; index += 2) {
    headers[raw[index]] = raw[index + 1];
    (multiValueHeaders[raw[index]] ??= []).push(raw[index + 1]);
  }
  const query = parsedQuery(context.search);
  const { caller } = context;
  return {
    resource: context.route,
    path: context.path,
    httpMethod: context.method,
    headers,
    multiValueHeaders,
    queryStringParameters: query.single,
    multiValueQueryStringParameters: query.multi,
    pathParameters: Object.keys(context.pathParameters).length ? context.pathParameters : null,
    stageVariables: null,
    body: context.body.length ? context.body.toString('base64') : null,
    isBase64Encoded: context.body.length > 0,
    requestContext: {
      accountId: '000000000000',
      apiId: `local-${api}`,
      authorizer: undefined,
      protocol: 'HTTP/1.1',
      httpMethod: context.method,
      path: `/local${context.path}`,
      stage: 'local',
      requestId: context.requestId,
      requestTimeEpoch: context.now,
      resourceId: context.route,
      resourcePath: context.route,
      identity: {
        accessKey: caller?.accessKeyId ?? null,
        accountId: caller?.account ?? null,
        apiKey: null,
        apiKeyId: null,
        caller: caller?.arn ?? null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: context.request.socket.remoteAddress ?? '127.0.0.1',
        user: caller?.arn ?? null,
        userAgent: headers['User-Agent'] ?? headers['user-agent'] ?? null,
        userArn: caller?.arn ?? null,
      },
    },
  };
}

function httpApiEvent(context: EventContext, api: ApiName): APIGatewayProxyEventV2WithIAMAuthorizer {
  const headers = keyedByName<string>();
  const raw = context.request.rawHeaders;
  for (let index = 0; index < raw.length; index += 2) {
    const name = raw[index].toLowerCase();
    headers[name] = Object.hasOwn(headers, name) ? `${headers[name]},${raw[index + 1]}` : raw[index + 1];
  }
  // Cookie lines become `cookies`, one entry per cookie pair (captured live; AWS: "combined with commas").
  const cookies = raw
    .flatMap((value, index) => (index % 2 === 0 && value.toLowerCase() === 'cookie' ? raw[index + 1].split(/;\s*/) : []))
    .filter(Boolean);
  delete headers.cookie;
  const rawPath = decodeLeniently(context.path);
  const text = TEXT_TYPES.test(headers['content-type'] ?? '') && headers['content-encoding'] === undefined;
  const { caller } = context;
  const query = parsedQuery(context.search).multi;
  return {
    version: '2.0',
    routeKey: `${context.routeMethod} ${context.route}`,
    rawPath,
    rawQueryString: context.search,
    ...(cookies.length ? { cookies } : {}),
    headers,
    queryStringParameters: query ? Object.fromEntries(Object.entries(query).map(([name, values]) => [name, values.join(',')])) : undefined,
    pathParameters: Object.keys(context.pathParameters).length
      ? Object.fromEntries(Object.entries(context.pathParameters).map(([name, value]) => [name, decodeLeniently(value)]))
      : undefined,
    stageVariables: undefined,
    body: context.body.length ? context.body.toString(text ? 'utf8' : 'base64') : undefined,
    isBase64Encoded: context.body.length > 0 && !text,
    requestContext: {
      accountId: '000000000000',
      apiId: `local-${api}`,
      authorizer: {
        iam: {
          accessKey: caller?.accessKeyId ?? '',
          accountId: caller?.account ?? '',
          callerId: caller?.arn ?? '',
          cognitoIdentity: null,
          principalOrgId: '',
          userArn: caller?.arn ?? '',
          userId: caller?.accessKeyId ?? '',
        },
      },
      domainName: `${context.request.headers.host ?? 'localhost'}`,
      domainPrefix: 'local',
      http: {
        method: context.method,
        path: rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: context.request.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: context.requestId,
      routeKey: `${context.routeMethod} ${context.route}`,
      stage: '$default',
      time: new Date(context.now).toISOString(),
      timeEpoch: context.now,
    },
  };
}

/**
 * Percent-decodes what decodes as UTF-8 and leaves any other `%` sequence as it is (AWS does not say what an HTTP
 * API does with a malformed escape; keeping it lets the handler refuse it in X-Road's form).
 */
function decodeLeniently(path: string): string {
  return path.replace(/(%[0-9A-Fa-f]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      return run;
    }
  });
}
