/**
 * The local stand-in for API Gateway: an HTTP server that serves one API's routes from the shared route table,
 * builds the REST (v1) proxy event the deployed API would send, and invokes the same Lambda handler. IAM routes
 * verify the caller's SigV4 signature; API Gateway's own refusals come in X-Road's error form, as deployed.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { GATEWAY_RESPONSES, matchRoute, routesOf, type ApiName } from '../routes';
import { readBody } from './read-body';
import { verifySigV4, type LocalCredential } from './sigv4-verifier';

export type ProxyHandler = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

export interface ApiFrontOptions {
  readonly api: ApiName;
  readonly handler: ProxyHandler;
  /** @default 0 (ephemeral) */
  readonly port?: number;
  /** Credentials IAM routes accept. @default none — every IAM route is refused */
  readonly credentials?: readonly LocalCredential[];
  /** Requires IAM (SigV4) on every route, as `SildRestApi`'s `iamOnly` does. @default false - each route's own authorization */
  readonly iamOnly?: boolean;
  /** API Gateway's payload limit. @default 10 MiB */
  readonly maxBodyBytes?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

export interface ApiFront {
  readonly url: string;
  /** Closes the listener (clients then get connection refused), as an outage would. */
  pause(): Promise<void>;
  /** Listens again on the same port. */
  resume(): Promise<void>;
  stop(): Promise<void>;
}

/** API Gateway's limit on the request line and headers together. */
const MAX_HEADER_BYTES = 10_240;

function headerBytes(request: IncomingMessage): number {
  let size = (request.url ?? '').length + (request.method ?? '').length;
  for (const part of request.rawHeaders) size += part.length;
  return size;
}

type GatewayResponseKind = keyof typeof GATEWAY_RESPONSES;

function sendGatewayResponse(response: ServerResponse, kind: GatewayResponseKind, requestId: string, status?: number): void {
  const spec = GATEWAY_RESPONSES[kind];
  response.writeHead(spec.status ?? status ?? 500, { 'content-type': 'application/json', 'x-road-error': spec.type, 'x-amzn-requestid': requestId });
  response.end(JSON.stringify({ type: spec.type, message: spec.message, detail: requestId }));
}

/** Headers as API Gateway REST passes them: last value wins in `headers`, all values in `multiValueHeaders`. */
function eventHeaders(request: IncomingMessage) {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  const raw = request.rawHeaders;
  for (let index = 0; index < raw.length; index += 2) {
    const name = raw[index];
    headers[name] = raw[index + 1];
    (multiValueHeaders[name] ??= []).push(raw[index + 1]);
  }
  return { headers, multiValueHeaders };
}

function eventQuery(search: string) {
  if (!search) return { queryStringParameters: null, multiValueQueryStringParameters: null };
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (const [name, value] of new URLSearchParams(search)) {
    single[name] = value;
    (multi[name] ??= []).push(value);
  }
  return { queryStringParameters: single, multiValueQueryStringParameters: multi };
}

export async function startApiFront(options: ApiFrontOptions): Promise<ApiFront> {
  const routes = routesOf(options.api);
  const now = options.now ?? Date.now;
  const maxBodyBytes = options.maxBodyBytes ?? 10 * 1024 * 1024;

  async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const target = request.url ?? '/';
    const queryIndex = target.indexOf('?');
    const path = queryIndex < 0 ? target : target.slice(0, queryIndex);
    const search = queryIndex < 0 ? '' : target.slice(queryIndex + 1);
    const method = request.method ?? 'GET';
    const body = await readBody(request, maxBodyBytes);
    if (body === undefined || headerBytes(request) > MAX_HEADER_BYTES) return sendGatewayResponse(response, 'REQUEST_TOO_LARGE', requestId);

    let matched: { route: (typeof routes)[number]; pathParameters: Record<string, string> } | undefined;
    for (const route of routes) {
      const pathParameters = matchRoute(route, method, path);
      if (pathParameters) {
        matched = { route, pathParameters };
        break;
      }
    }
    if (!matched) return sendGatewayResponse(response, 'MISSING_AUTHENTICATION_TOKEN', requestId);

    const { headers, multiValueHeaders } = eventHeaders(request);
    const lowerHeaders = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
    const query = eventQuery(search);
    let caller: LocalCredential | undefined;
    if (matched.route.authorization === 'IAM' || options.iamOnly) {
      if (!lowerHeaders.authorization) return sendGatewayResponse(response, 'UNAUTHORIZED', requestId);
      caller = await verifySigV4({ method, path, query: query.multiValueQueryStringParameters ?? {}, headers: lowerHeaders, body }, options.credentials ?? [], now());
      if (!caller) return sendGatewayResponse(response, 'INVALID_SIGNATURE', requestId);
    }

    const event: APIGatewayProxyEvent = {
      resource: matched.route.path,
      path,
      httpMethod: method,
      headers,
      multiValueHeaders,
      ...query,
      pathParameters: Object.keys(matched.pathParameters).length ? matched.pathParameters : null,
      stageVariables: null,
      body: body.length ? body.toString('base64') : null,
      isBase64Encoded: body.length > 0,
      requestContext: {
        accountId: '000000000000',
        apiId: `local-${options.api}`,
        authorizer: undefined,
        protocol: 'HTTP/1.1',
        httpMethod: method,
        path: `/local${path}`,
        stage: 'local',
        requestId,
        requestTimeEpoch: now(),
        resourceId: matched.route.path,
        resourcePath: matched.route.path,
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
          sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
          user: caller?.arn ?? null,
          userAgent: lowerHeaders['user-agent'] ?? null,
          userArn: caller?.arn ?? null,
        },
      },
    };

    let result: APIGatewayProxyResult;
    try {
      result = await options.handler(event);
    } catch {
      // A handler that throws is a Lambda error; API Gateway answers 502 with its default 5XX response.
      return sendGatewayResponse(response, 'DEFAULT_5XX', requestId, 502);
    }
    const responseHeaders: Record<string, string | string[]> = { ...(result.headers as Record<string, string>) };
    for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) responseHeaders[name] = values.map(String);
    responseHeaders['x-amzn-requestid'] = requestId;
    response.writeHead(result.statusCode, responseHeaders);
    response.end(Buffer.from(result.body ?? '', result.isBase64Encoded ? 'base64' : 'utf8'));
  }

  // Node's own header limit (16 KB) would answer with a bare 431; raise it so oversize headers get the X-Road form.
  const server: Server = createServer({ maxHeaderSize: 64 * 1024 }, (request, response) => {
    serve(request, response).catch(() => {
      if (!response.headersSent) sendGatewayResponse(response, 'DEFAULT_5XX', randomUUID(), 500);
      else response.destroy();
    });
  });
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
