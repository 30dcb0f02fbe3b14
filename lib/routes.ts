/**
 * The route table, defined once: the CDK stacks create these API Gateway resources and methods, and the local
 * runtime's API front serves exactly these routes with the same handlers.
 */
import type { MessageProtocol } from '../lambdas/core/exchange/protocols/protocol';
import { PROTOCOLS } from '../lambdas/core/exchange/protocols/registry';

/** The three APIs Sild deploys: the central API, and per agency a consumer-side and a provider-side API. */
export type ApiName = 'central' | 'consumer' | 'provider';

export interface Route {
  readonly api: ApiName;
  /** HTTP method, or `ANY`. */
  readonly method: 'GET' | 'POST' | 'ANY';
  /** API Gateway resource path; `{proxy+}` matches the rest of the path. */
  readonly path: string;
  /** `IAM`: the caller signs with SigV4 and the handler sees its account. */
  readonly authorization: 'NONE' | 'IAM';
  /** The route's own throttling budget, apart from the stage's. @default - the stage's */
  readonly throttle?: ApiThrottle;
}

/**
 * API Gateway's token bucket (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html):
 * the bucket holds `burstLimit` tokens and refills at `rateLimit` per second; a request without a token gets 429.
 */
export interface ApiThrottle {
  /** Steady-state requests per second. */
  readonly rateLimit: number;
  /** Burst bucket size. */
  readonly burstLimit: number;
}

/**
 * The gateway APIs' routes for the message protocols they speak: every path goes to the gateway handler, so that
 * `/r2/…` or a malformed path gets X-Road's own answer; a protocol that needs more (SOAP: `POST /`, which `{proxy+}`
 * does not match) adds its routes to both APIs.
 */
export function gatewayRoutes(protocols: readonly Pick<MessageProtocol, 'routes'>[]): Route[] {
  const routes = protocols.flatMap((protocol) => protocol.routes ?? []);
  // Two protocols may need the same route (both claim `POST /` by content type): API Gateway takes a route once.
  const extra = routes.filter((route, index) => routes.findIndex((other) => other.method === route.method && other.path === route.path) === index);
  return (['consumer', 'provider'] as const).flatMap((api) => [
    { api, method: 'ANY' as const, path: '/{proxy+}', authorization: 'NONE' as const },
    ...extra.map((route) => ({ api, method: route.method, path: route.path, authorization: 'NONE' as const })),
  ]);
}

export const ROUTES: readonly Route[] = [
  // Each central route its own budget: reads of the configuration (a fallback — gateways read it from the CDN)
  // can never use up the joins', nor joins the reads'.
  { api: 'central', method: 'GET', path: '/globalconf', authorization: 'NONE', throttle: { rateLimit: 40, burstLimit: 80 } },
  { api: 'central', method: 'POST', path: '/join', authorization: 'IAM', throttle: { rateLimit: 5, burstLimit: 10 } },
  ...gatewayRoutes(PROTOCOLS),
];

export const routesOf = (api: ApiName) => ROUTES.filter((route) => route.api === api);

/** A route's key in API Gateway's method settings (`<path>/<METHOD>`, `*` for ANY). */
export const methodSettingKeyOf = (route: Route) => `${route.path}/${route.method === 'ANY' ? '*' : route.method}`;

/** Takes a token from an API Gateway style bucket; false: throttled. Time in milliseconds. */
export function tokenBucket(limits: ApiThrottle, now: () => number): () => boolean {
  let tokens = limits.burstLimit;
  let at = now();
  return () => {
    const time = now();
    tokens = Math.min(limits.burstLimit, tokens + ((time - at) / 1000) * limits.rateLimit);
    at = time;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };
}

/**
 * The API Gateway type that serves an API, decided once for the stacks and the local front
 * (`docs/decisions/0005-api-types-and-wire-fidelity.md`): an HTTP API (payload 2.0: `rawQueryString` byte for
 * byte, $1.00 per million) where it fits; a REST API (payload 1.0, $3.50 per million) where only it serves —
 * the central join (a resource policy admits other accounts), a private consumer side (VPC endpoints) and a
 * provider side behind AWS WAF.
 */
export type ApiType = 'rest' | 'http';

export function apiTypeOf(api: ApiName, options: { readonly consumerAccess?: 'private' | 'iam'; readonly providerApi?: ApiType } = {}): ApiType {
  if (api === 'central') return 'rest';
  if (api === 'consumer') return options.consumerAccess === 'private' ? 'rest' : 'http';
  return options.providerApi ?? 'rest';
}

/**
 * The methods an `ANY` route passes to the function; TRACE and CONNECT never reach it
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-method-settings-method-request.html).
 */
export const API_GATEWAY_METHODS: ReadonlySet<string> = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT']);

/** Matches a request path against a resource path; returns the path parameters, or undefined. */
export function matchRoute(route: Route, method: string, path: string): Record<string, string> | undefined {
  if (route.method !== 'ANY' && route.method !== method) return undefined;
  const greedy = route.path.match(/^(.*)\/\{(\w+)\+\}$/);
  if (greedy) {
    const prefix = `${greedy[1]}/`;
    return path.startsWith(prefix) && path.length > prefix.length ? { [greedy[2]]: path.slice(prefix.length) } : undefined;
  }
  return route.path === path ? {} : undefined;
}

/**
 * Answers API Gateway gives by itself (no route, denied by IAM or resource policy, throttled), in X-Road's error
 * form so that every refusal a client sees has `type`, `message` and `X-Road-Error`.
 */
export const GATEWAY_RESPONSES = {
  MISSING_AUTHENTICATION_TOKEN: { status: 404, type: 'Client.NotFound', message: 'No such route' },
  ACCESS_DENIED: { status: 403, type: 'Client.Unauthorized', message: 'Access denied by the API policy' },
  UNAUTHORIZED: { status: 403, type: 'Client.Unauthorized', message: 'The request is not authenticated' },
  INVALID_SIGNATURE: { status: 403, type: 'Client.Unauthorized', message: 'The request signature is invalid' },
  THROTTLED: { status: 429, type: 'Server.ClientProxy.Throttled', message: 'Too many requests' },
  REQUEST_TOO_LARGE: { status: 413, type: 'Client.RequestTooLarge', message: 'The request is too large' },
  DEFAULT_4XX: { status: undefined, type: 'Client.BadRequest', message: 'The request was refused by the API front' },
  DEFAULT_5XX: { status: undefined, type: 'Server.ClientProxy.InternalError', message: 'The API front failed' },
} as const;
