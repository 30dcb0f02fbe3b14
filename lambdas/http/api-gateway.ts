/**
 * Converts API Gateway REST (v1) proxy events to the core's `HttpRequest` and back. REST APIs deliver `path`
 * still percent-encoded, which X-Road's per-segment decoding needs; the query arrives decoded, so it is
 * re-encoded in arrival order (both gateways do the same, so both hash the same target).
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { normalizeHeaders, type HttpRequest, type HttpResponse } from '../core/http';

export function toHttpRequest(event: APIGatewayProxyEvent): HttpRequest {
  const identity = event.requestContext?.identity;
  return {
    method: event.httpMethod,
    rawPath: event.path,
    rawQuery: encodeQuery(event.multiValueQueryStringParameters ?? event.queryStringParameters),
    headers: normalizeHeaders(Object.entries(event.headers ?? {})),
    body: event.body == null ? Buffer.alloc(0) : Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8'),
    identity: identity ? { accountId: identity.accountId ?? undefined, userArn: identity.userArn ?? undefined, sourceIp: identity.sourceIp } : undefined,
  };
}

function encodeQuery(parameters: Record<string, string | string[] | undefined> | null): string {
  if (!parameters) return '';
  const pairs: string[] = [];
  for (const [name, values] of Object.entries(parameters)) {
    for (const value of Array.isArray(values) ? values : [values ?? '']) {
      pairs.push(`${encodeURIComponent(name)}=${encodeURIComponent(value)}`);
    }
  }
  return pairs.join('&');
}

/** Bodies always travel base64-encoded: the APIs declare every media type binary, so nothing is re-encoded. */
export function toProxyResult(response: HttpResponse): APIGatewayProxyResult {
  return { statusCode: response.status, headers: { ...response.headers }, body: response.body.toString('base64'), isBase64Encoded: true };
}

/** Wraps a core request handler as a Lambda handler for API Gateway. */
export function apiGatewayHandler(handle: (request: HttpRequest) => Promise<HttpResponse>): (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult> {
  return async (event) => toProxyResult(await handle(toHttpRequest(event)));
}
