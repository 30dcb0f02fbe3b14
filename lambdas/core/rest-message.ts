/**
 * The X-Road REST message protocol as a client information system speaks it to its own gateway:
 * `METHOD /r1/{INST}/{CLASS}/{CODE}/{SUB}/{SERVICECODE}[/path][?query]` with `X-Road-Client` and optional
 * `X-Road-Id`, `X-Road-UserId`, `X-Road-Issue`, `X-Road-Represented-Party`.
 */
import { randomUUID } from 'node:crypto';
import { clientError } from './errors';
import { parseClientId, serviceIdOf, decodePart, type ClientId, type ServiceId } from './identifiers';
import { headerValue, singleHeaders, type Headers, type HttpRequest } from './http';
import { canonicalServicePath, type ServicePath } from './service-path';

export const PROTOCOL_PREFIX = 'r1';

/** The X-Road headers, lower-case as `Headers` keeps them. */
export const XROAD = {
  client: 'x-road-client',
  service: 'x-road-service',
  id: 'x-road-id',
  userId: 'x-road-userid',
  issue: 'x-road-issue',
  representedParty: 'x-road-represented-party',
  securityServer: 'x-road-security-server',
  requestId: 'x-road-request-id',
  requestHash: 'x-road-request-hash',
  error: 'x-road-error',
} as const;

/** Longest accepted value of a free-text X-Road header (`X-Road-Id`, `X-Road-UserId`, `X-Road-Issue`). */
export const MAX_HEADER_VALUE_LENGTH = 255;

/** A client's request to call a service, after parsing and validation. */
export interface ServiceRequest {
  readonly client: ClientId;
  readonly service: ServiceId;
  /** The path after the service id, validated (see `service-path.ts`). */
  readonly servicePath: ServicePath;
  readonly rawQuery: string;
  readonly xRoadId: string;
  readonly userId?: string;
  readonly issue?: string;
  readonly representedParty?: string;
  readonly method: string;
}

/**
 * Splits `/r1/INST/CLASS/CODE/SUB/SERVICE[/rest]` into the service id (each segment decoded on its own, so `%2F`
 * stays inside its part) and the canonical service path (passed on to the backend as received).
 */
export function parseServicePath(rawPath: string): { service: ServiceId; servicePath: ServicePath } {
  const segments = rawPath.split('/');
  // segments[0] is the empty string before the leading slash.
  if (segments[0] !== '' || segments.length < 2) throw clientError('BadRequest', 'The request path must start with /r1/');
  if (segments[1] !== PROTOCOL_PREFIX) {
    if (/^r\d+$/.test(segments[1])) {
      throw clientError('InvalidProtocolVersion', `Unsupported protocol version "${segments[1].slice(0, 16)}", this gateway speaks r1`);
    }
    throw clientError('BadRequest', 'The request path must start with /r1/');
  }
  const idSegments = segments.slice(2, 7);
  if (idSegments.length < 5) {
    throw clientError('BadRequest', 'The request path must name a service: /r1/INSTANCE/CLASS/CODE/SUBSYSTEM/SERVICE[/path]');
  }
  const service = serviceIdOf(idSegments.map((segment) => decodePart(segment)));
  return { service, servicePath: canonicalServicePath(segments.slice(7)) };
}

/** Parses a client's `/r1/` request and its X-Road headers. */
export function parseServiceRequest(request: HttpRequest, newId: () => string = randomUUID): ServiceRequest {
  const { service, servicePath } = parseServicePath(request.rawPath);
  const clientHeader = headerValue(request.headers, XROAD.client);
  if (clientHeader === undefined || clientHeader.trim() === '') {
    throw clientError('MissingHeader', 'The X-Road-Client header is required');
  }
  const client = parseClientId(clientHeader.trim());
  return {
    client,
    service,
    servicePath,
    rawQuery: request.rawQuery,
    method: request.method.toUpperCase(),
    xRoadId: optionalHeader(request.headers, XROAD.id) ?? newId(),
    userId: optionalHeader(request.headers, XROAD.userId),
    issue: optionalHeader(request.headers, XROAD.issue),
    representedParty: parseRepresentedParty(optionalHeader(request.headers, XROAD.representedParty)),
  };
}

/** A free-text header value: trimmed, bounded and free of control characters. */
function optionalHeader(headers: Headers, name: string): string | undefined {
  const value = headerValue(headers, name)?.trim();
  if (value === undefined || value === '') return undefined;
  if (value.length > MAX_HEADER_VALUE_LENGTH) {
    throw clientError('BadRequest', `Header ${name} is longer than ${MAX_HEADER_VALUE_LENGTH} characters`);
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) throw clientError('BadRequest', `Header ${name} contains control characters`);
  return value;
}

/** `X-Road-Represented-Party: [CLASS/]CODE`. */
function parseRepresentedParty(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const parts = value.split('/');
  if (parts.length > 2 || parts.some((part) => part === '')) {
    throw clientError('BadRequest', 'X-Road-Represented-Party must be [CLASS/]CODE');
  }
  return value;
}

/**
 * Headers that never cross the layer: hop-by-hop headers (RFC 9110 §7.6.1 and PR-REST §4.3's list), the ones X-Road
 * strips because they name the origin host (`Host`, `User-Agent`, `Server`), framing the HTTP client sets itself
 * (`Content-Length`, `Expect`), and the AWS front's own.
 */
const STRIPPED = new Set([
  'connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer',
  'transfer-encoding', 'upgrade', 'host', 'user-agent', 'server', 'content-length', 'via', 'expect', 'date',
]);
const STRIPPED_PREFIXES = ['x-sild-', 'x-amz-', 'x-amzn-', 'cloudfront-'];

/**
 * The X-Road headers the layer itself sets (PR-REST §4.3): the gateways re-derive the request ones from what they
 * verified and set the response ones; a client's or backend's own values never pass. Every other `X-Road-*`
 * header is an extension header and passes like any user header.
 */
const LAYER_OWNED = new Set<string>([
  'x-road-client', 'x-road-id', 'x-road-userid', 'x-road-issue', 'x-road-represented-party',
  'x-road-service', 'x-road-request-id', 'x-road-request-hash', 'x-road-error',
]);

/**
 * Headers that make a backend (or a proxy or framework in front of it) act on something other than the signed
 * request: another method, another path, another client address or host. A client must not be able to smuggle
 * them past the access check; both sides drop them, the provider again for whatever the consumer listed.
 */
const BEHAVIOUR_CHANGING = new Set([
  'x-http-method-override', 'x-http-method', 'x-method-override', 'x-original-method',
  'x-original-url', 'x-rewrite-url', 'x-original-uri', 'x-override-url',
  'forwarded', 'x-real-ip', 'x-client-ip', 'true-client-ip', 'x-cluster-client-ip', 'client-ip', 'x-originating-ip',
  'x-remote-ip', 'x-remote-addr', 'x-proxyuser-ip', 'x-host', 'x-original-host', 'x-middleware-subrequest',
]);
const BEHAVIOUR_CHANGING_PREFIXES = ['x-forwarded-', 'x-envoy-'];

/** True for a header the layer never passes to a backend or a client (hop-by-hop or behaviour-changing). */
export function isUnsafeHeader(name: string): boolean {
  return STRIPPED.has(name) || BEHAVIOUR_CHANGING.has(name) || BEHAVIOUR_CHANGING_PREFIXES.some((prefix) => name.startsWith(prefix));
}

/** Drops hop-by-hop and behaviour-changing headers; what the provider sends its backend. */
export function withoutUnsafeHeaders(headers: Headers): Record<string, readonly string[]> {
  const kept: Record<string, readonly string[]> = {};
  for (const [name, values] of Object.entries(headers)) if (!isUnsafeHeader(name)) kept[name] = values;
  return kept;
}

/** The user headers (with `X-Road-*` extension headers, `Content-Type` and `Accept`) that pass through unchanged. */
export function passThroughHeaders(headers: Headers): Record<string, readonly string[]> {
  const kept: Record<string, readonly string[]> = {};
  for (const [name, values] of Object.entries(withoutUnsafeHeaders(headers))) {
    if (LAYER_OWNED.has(name) || STRIPPED_PREFIXES.some((prefix) => name.startsWith(prefix))) continue;
    // A SigV4 signature was meant for the gateway's own IAM-authorized API, not for the backend.
    if (name === 'authorization' && values.some((value) => value.startsWith('AWS4-HMAC-SHA256'))) continue;
    kept[name] = values;
  }
  return kept;
}

/** The X-Road headers the consumer gateway sends on, in the form the request hash covers them. */
export function xRoadRequestHeaders(request: ServiceRequest, formatClient: (id: ClientId) => string): Record<string, string[]> {
  const headers: Record<string, string> = { [XROAD.client]: formatClient(request.client), [XROAD.id]: request.xRoadId };
  if (request.userId !== undefined) headers[XROAD.userId] = request.userId;
  if (request.issue !== undefined) headers[XROAD.issue] = request.issue;
  if (request.representedParty !== undefined) headers[XROAD.representedParty] = request.representedParty;
  return singleHeaders(headers);
}
