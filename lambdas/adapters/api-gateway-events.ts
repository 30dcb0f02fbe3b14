/**
 * Converts API Gateway proxy events to the core's `HttpRequest` and back, for both API types Sild deploys:
 *
 * - REST APIs (payload 1.0): `path` arrives still percent-encoded, every header line in `multiValueHeaders`, but
 *   the query only parsed (`multiValueQueryStringParameters`, decoded, `+` as space, the order between parameters
 *   lost), so it is re-encoded here and marked `query-reencoded`; responses return every line of a repeated header
 *   through `multiValueHeaders`.
 *   https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html
 * - HTTP APIs (payload 2.0): `rawQueryString` is exact, but `rawPath` arrives percent-decoded (re-encoded here in
 *   canonical form, marked `path-decoded`); repeated headers arrive comma-joined, cookies in `cookies`; responses
 *   return each `Set-Cookie` through `cookies` and other repeated headers comma-joined (RFC 9110 §5.3).
 *   https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
 */
import type {
  APIGatewayProxyEvent,
  APIGatewayProxyEventV2WithIAMAuthorizer,
  APIGatewayProxyResult,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import { encodePathSegment, headersOf, headerLines, peerKeyed, type HttpRequest, type HttpResponse } from '../core/kernel/http';

export type ApiGatewayEvent = APIGatewayProxyEvent | APIGatewayProxyEventV2WithIAMAuthorizer;
export type ApiGatewayResult = APIGatewayProxyResult | APIGatewayProxyStructuredResultV2;

const isV2 = (event: ApiGatewayEvent): event is APIGatewayProxyEventV2WithIAMAuthorizer => (event as { version?: string }).version === '2.0';

export function toHttpRequest(event: ApiGatewayEvent): HttpRequest {
  const body = event.body == null ? Buffer.alloc(0) : Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
  if (isV2(event)) {
    const iam = event.requestContext.authorizer?.iam;
    return {
      method: event.requestContext.http.method,
      rawPath: event.rawPath.split('/').map(encodePathSegment).join('/'),
      rawQuery: event.rawQueryString ?? '',
      targetFidelity: 'path-decoded',
      headers: headersOf([...Object.entries(event.headers ?? {}), ...(event.cookies?.length ? [['cookie', event.cookies.join('; ')] as const] : [])]),
      body,
      identity: { accountId: iam?.accountId ?? undefined, userArn: iam?.userArn ?? undefined, sourceIp: event.requestContext.http.sourceIp },
    };
  }
  const identity = event.requestContext?.identity;
  const parameters = event.multiValueQueryStringParameters ?? event.queryStringParameters;
  return {
    method: event.httpMethod,
    rawPath: event.path,
    rawQuery: encodeQuery(parameters),
    targetFidelity: parameters ? 'query-reencoded' : 'exact',
    headers: headersOf(Object.entries(event.multiValueHeaders ?? event.headers ?? {})),
    body,
    identity: identity
      ? { accountId: identity.accountId ?? undefined, userArn: identity.userArn ?? undefined, sourceIp: identity.sourceIp }
      : undefined,
  };
}

function encodeQuery(parameters: Record<string, string | string[] | undefined> | null): string {
  if (!parameters) return '';
  const pairs: string[] = [];
  for (const [name, values] of Object.entries(parameters)) {
    for (const value of Array.isArray(values) ? values : [values ?? '']) pairs.push(`${encodeURIComponent(name)}=${encodeURIComponent(value)}`);
  }
  return pairs.join('&');
}

/** REST: bodies always travel base64-encoded (the APIs declare every media type binary, so nothing is re-encoded). */
export function toProxyResult(response: HttpResponse): APIGatewayProxyResult {
  return {
    statusCode: response.status,
    headers: {},
    multiValueHeaders: { ...response.headers } as Record<string, string[]>,
    body: response.body.toString('base64'),
    isBase64Encoded: true,
  };
}

/**
 * HTTP API: a body that is valid UTF-8 travels as text (no base64 inflation against Lambda's 6 MB response limit),
 * anything else base64-encoded.
 */
export function toResultV2(response: HttpResponse): APIGatewayProxyStructuredResultV2 {
  const headers = peerKeyed<string>();
  const cookies: string[] = [];
  for (const [name, value] of headerLines(response.headers)) {
    if (name === 'set-cookie') cookies.push(value);
    else headers[name] = Object.hasOwn(headers, name) ? `${headers[name]}, ${value}` : value;
  }
  const text = response.body.toString('utf8');
  const asText = Buffer.byteLength(text) === response.body.length && Buffer.from(text, 'utf8').equals(response.body);
  return {
    statusCode: response.status,
    headers,
    ...(cookies.length ? { cookies } : {}),
    body: asText ? text : response.body.toString('base64'),
    isBase64Encoded: !asText,
  };
}

/**
 * Wraps a core request handler as a Lambda handler for API Gateway (either payload format). The invocation's
 * remaining time (Lambda's context) travels with the request, to bound its outbound calls.
 */
export function apiGatewayHandler(
  handle: (request: HttpRequest) => Promise<HttpResponse>,
): (event: ApiGatewayEvent, context?: Pick<Context, 'getRemainingTimeInMillis'>) => Promise<ApiGatewayResult> {
  return async (event, context) => {
    const request = toHttpRequest(event);
    const response = await handle(context ? { ...request, remainingMs: () => context.getRemainingTimeInMillis() } : request);
    return isV2(event) ? toResultV2(response) : toProxyResult(response);
  };
}
