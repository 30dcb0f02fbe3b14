/**
 * apiGatewayHandler promises that the handler sees the invocation's remaining time (Lambda's context), which bounds
 * the side's outbound calls, and nothing of it when there is no context (a direct call).
 */
import type { APIGatewayProxyEventV2WithIAMAuthorizer } from 'aws-lambda';
import { apiGatewayHandler } from '../../../lambdas/adapters/api-gateway-events';
import type { HttpRequest } from '../../../lambdas/core/kernel/http';

const event = {
  version: '2.0',
  rawPath: '/r1/DEV/GOV/70000001/population/persons/1',
  rawQueryString: '',
  headers: { 'x-road-client': 'DEV/GOV/70000002/tax-records' },
  requestContext: { http: { method: 'GET', sourceIp: '192.0.2.1' } },
  isBase64Encoded: false,
} as unknown as APIGatewayProxyEventV2WithIAMAuthorizer;

describe('apiGatewayHandler', () => {
  test('the request carries the invocation’s remaining time, read when asked (it shrinks as the invocation runs)', async () => {
    let seen: HttpRequest | undefined;
    const handler = apiGatewayHandler(async (request) => {
      seen = request;
      return { status: 200, headers: {}, body: Buffer.alloc(0) };
    });
    let remaining = 29_000;
    await handler(event, { getRemainingTimeInMillis: () => remaining });
    expect(seen!.remainingMs!()).toBe(29_000);
    remaining = 4_000;
    expect(seen!.remainingMs!()).toBe(4_000);
    await handler(event);
    expect(seen!.remainingMs).toBeUndefined();
  });
});
