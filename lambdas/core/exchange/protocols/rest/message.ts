/**
 * The X-Road REST message protocol as a client information system speaks it to its own gateway:
 * `METHOD /r1/{INST}/{CLASS}/{CODE}/{SUB}/{SERVICECODE}[/path][?query]` with `X-Road-Client` and optional
 * `X-Road-Id`, `X-Road-UserId`, `X-Road-Issue`, `X-Road-Represented-Party`.
 */
import { randomUUID } from 'node:crypto';
import { clientError, XROAD_ERROR_HEADER, type XRoadError } from '../../../kernel/errors';
import { invalidPartReason, parseClientId, serviceIdOf, decodePart, type ClientId, type ServiceId } from '../../../kernel/identifiers';
import { headerValue, headerValues, peerKeyed, singleHeaders, type Headers, type HttpRequest } from '../../../kernel/http';
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
  error: XROAD_ERROR_HEADER,
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
  const client = lastClientIdentifier(clientHeader.trim());
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

/** Most commas looked at in a joined `X-Road-Client` value; a longer list is refused rather than searched. */
const MAX_CLIENT_HEADER_COMMAS = 64;

/**
 * The client an `X-Road-Client` value names. PR-REST: the last of repeated headers wins; an HTTP API delivers
 * repeated lines joined with commas, and identifier parts may hold commas themselves. So the value is one identifier
 * if it parses as one; otherwise it is split at commas only where every piece parses as a complete identifier, and
 * the last piece is taken when exactly one such split exists. Anything ambiguous is refused, never guessed.
 */
export function lastClientIdentifier(value: string): ClientId {
  let single: unknown;
  try {
    return parseClientId(value);
  } catch (error) {
    single = error;
  }
  const pieces = value.split(',');
  if (pieces.length < 2 || pieces.length > MAX_CLIENT_HEADER_COMMAS + 1) throw single;
  const last = lastOfOnlySplit(pieces);
  if (last === 'ambiguous') throw clientError('InvalidClientIdentifier', 'X-Road-Client lists identifiers that can be read in more than one way');
  if (last === undefined) throw single;
  return parseClientId(last);
}

/**
 * The last identifier of the one way to read consecutive pieces as two or more identifiers; `undefined` when there
 * is none, `'ambiguous'` when there are several. Counts ways from each piece to the end (capped at two): O(n²) parses.
 */
function lastOfOnlySplit(pieces: readonly string[]): string | undefined | 'ambiguous' {
  const identifierAt = (start: number, end: number) => {
    const text = pieces.slice(start, end).join(',').trim();
    try {
      parseClientId(text);
      return text;
    } catch {
      return undefined;
    }
  };
  // ways[i]: how many ways pieces[i..] read as one or more identifiers (0, 1 or 2 = several); last[i]: the last one.
  const ways = new Array<number>(pieces.length + 1).fill(0);
  const last = new Array<string | undefined>(pieces.length + 1);
  ways[pieces.length] = 1;
  for (let start = pieces.length - 1; start >= 0; start -= 1) {
    for (let end = start + 1; end <= pieces.length && ways[start] < 2; end += 1) {
      if (ways[end] === 0) continue;
      const identifier = identifierAt(start, end);
      if (identifier === undefined) continue;
      ways[start] = Math.min(2, ways[start] + ways[end]);
      last[start] = end === pieces.length ? identifier : last[end];
    }
  }
  // The whole value as one identifier was tried first; every way counted here has two or more.
  if (ways[0] === 0) return undefined;
  return ways[0] > 1 ? 'ambiguous' : last[0];
}

/** A free-text header value: trimmed, bounded and free of control characters. */
function optionalHeader(headers: Headers, name: string): string | undefined {
  const value = headerValue(headers, name)?.trim();
  if (value === undefined || value === '') return undefined;
  const problem = freeTextProblem(value);
  if (problem) throw clientError('BadRequest', `Header ${name} ${problem}`);
  return value;
}

/** Why a free-text X-Road value (`X-Road-Id`, `X-Road-UserId`, `X-Road-Issue`) may not be sent on, if it may not. */
export function freeTextProblem(value: string): string | undefined {
  if (value.length > MAX_HEADER_VALUE_LENGTH) return `is longer than ${MAX_HEADER_VALUE_LENGTH} characters`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) return 'contains control characters';
  return undefined;
}

/** `X-Road-Represented-Party: [CLASS/]CODE`, each part a valid identifier part. */
export function parseRepresentedParty(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const parts = value.split('/');
  if (parts.length > 2 || parts.some((part) => invalidPartReason(part) !== undefined)) {
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
 * them past the access check; both sides drop them, the provider again for whatever the consumer listed. The
 * client-address names are those address libraries and CDNs read (npm `request-ip`, Cloudflare, Fastly, Akamai,
 * App Engine, DigitalOcean, Azure, Fly, Netlify).
 */
const BEHAVIOUR_CHANGING = new Set([
  'x-http-method-override', 'x-http-method', 'x-method-override', 'x-original-method',
  'x-original-url', 'x-rewrite-url', 'x-original-uri', 'x-override-url',
  'forwarded', 'forwarded-for', 'x-real-ip', 'x-client-ip', 'true-client-ip', 'x-cluster-client-ip', 'client-ip', 'x-originating-ip',
  'x-remote-ip', 'x-remote-addr', 'x-proxyuser-ip', 'cf-connecting-ip', 'cf-connecting-ipv6', 'cf-pseudo-ipv4', 'cf-pseudo-ipv6',
  'fastly-client-ip', 'akamai-client-ip', 'do-connecting-ip', 'x-appengine-user-ip', 'x-azure-clientip', 'x-azure-socketip',
  'fly-client-ip', 'x-nf-client-connection-ip', 'x-host', 'x-original-host', 'x-middleware-subrequest',
]);
/** `x-forwarded` also names the bare `X-Forwarded` (request-ip reads it) and `X-Forwarded-For`'s relatives. */
const BEHAVIOUR_CHANGING_PREFIXES = ['x-forwarded', 'x-original-forwarded', 'x-envoy-'];

/**
 * A header name as the server behind a backend may read it: CGI, WSGI, Rack and PHP map `X_Road_Client` and
 * `X-Road-Client` alike to `HTTP_X_ROAD_CLIENT` (CVE-2024-45614 is this for `X-Forwarded-For`), so every check on a
 * name applies to it with `_` read as `-`.
 */
const asServerReadsIt = (name: string) => name.toLowerCase().replace(/_/g, '-');

/**
 * Parameter names frameworks read as a method override (Rails, Laravel and Symfony `_method`; the header names as
 * parameters, which some servers accept too), so a `POST` or `GET` right cannot reach a `DELETE`.
 */
const METHOD_OVERRIDE_PARAMETERS = new Set(['_method', 'x-http-method-override', 'x-http-method', 'x-method-override', 'x-original-method']);

/**
 * The raw query without method-override parameters; every other parameter stays byte for byte, in order. `;`
 * separates parameters too, as Perl's CGI, Rack 2 and Python's `parse_qs` before 3.9.2 read it.
 */
export function withoutMethodOverrides(rawQuery: string): string {
  const pieces = rawQuery.split(/([&;])/); // parameters at even indexes, each separator after it
  const kept: string[] = [];
  for (let index = 0; index < pieces.length; index += 2) {
    if (isMethodOverrideName(parameterName(pieces[index]))) continue;
    if (kept.length > 0) kept.push(pieces[index - 1]);
    kept.push(pieces[index]);
  }
  return kept.join('');
}

/** A form parameter's name as a server reads it: decoded (`+` is a space), lower-case, trimmed. */
function parameterName(parameter: string): string {
  const raw = parameter.split('=', 1)[0].replace(/\+/g, ' ');
  try {
    return decodeURIComponent(raw).trim().toLowerCase();
  } catch {
    return raw.trim().toLowerCase();
  }
}

/** Whether a parameter name is a method override, also as PHP reads it (a space, `.` or `[` in a name is `_`). */
const isMethodOverrideName = (name: string) => METHOD_OVERRIDE_PARAMETERS.has(name) || METHOD_OVERRIDE_PARAMETERS.has(name.replace(/[ .[]/g, '_'));

/** A `Content-Disposition` line of a multipart part, and its `name` (quoted, plain, or RFC 5987 `name*=utf-8''…`). */
const MULTIPART_FIELD_NAME = /^content-disposition:[^\r\n]*?;\s*name\*?\s*=\s*(?:"((?:[^"\\\r\n]|\\.)*)"|([^;\s]*))/gim;

/**
 * `Client.BadRequest` for a body that carries a method-override field — a form parameter (a URL-encoded body, also
 * one without a `Content-Type`, which Rack parses as a form, or a multipart part) or a JSON body's top-level member
 * (Laravel reads JSON input as the form) — as Rails/Rack, Laravel/Symfony and express `method-override` read
 * `_method=DELETE` in a `POST`. Every `Content-Type` line counts, as a backend may read any of them. The body is the
 * client's, signed and hashed as sent, so it is refused rather than rewritten: by the consumer before it signs, by
 * the provider for whatever a consumer signed anyway.
 */
export function methodOverrideRefusal(headers: Headers, body: Buffer): XRoadError | undefined {
  if (body.length === 0) return undefined;
  const types = (headerValues(headers, 'content-type') ?? []).map((value) => value.split(';', 1)[0].trim().toLowerCase());
  const text = body.toString('utf8');
  const names: string[] = [];
  if (types.length === 0 || types.includes('application/x-www-form-urlencoded')) names.push(...text.split(/[&;]/).map(parameterName));
  if (types.includes('multipart/form-data')) {
    for (const [, quoted, plain] of text.matchAll(MULTIPART_FIELD_NAME)) names.push((quoted ?? plain).replace(/^[\w-]*'[\w-]*'/, '').toLowerCase());
  }
  if (types.some((type) => type === 'application/json' || type.endsWith('+json'))) names.push(...jsonMemberNames(text));
  return names.some(isMethodOverrideName) ? clientError('BadRequest', 'The body carries a method-override field (such as _method): send the request with the method it means') : undefined;
}

/** The top-level member names of a JSON object body, lower-case; none for anything else. */
function jsonMemberNames(text: string): string[] {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? Object.keys(parsed).map((name) => name.trim().toLowerCase()) : [];
  } catch {
    return [];
  }
}

/** True for a header the layer never passes to a backend or a client (hop-by-hop or behaviour-changing). */
export function isUnsafeHeader(name: string): boolean {
  const read = asServerReadsIt(name);
  return STRIPPED.has(read) || BEHAVIOUR_CHANGING.has(read) || BEHAVIOUR_CHANGING_PREFIXES.some((prefix) => read.startsWith(prefix));
}

/** Drops hop-by-hop and behaviour-changing headers; what the provider sends its backend. */
export function withoutUnsafeHeaders(headers: Headers): Record<string, readonly string[]> {
  const kept = peerKeyed<readonly string[]>();
  for (const [name, values] of Object.entries(headers)) if (!isUnsafeHeader(name)) kept[name] = values;
  return kept;
}

/** The user headers (with `X-Road-*` extension headers, `Content-Type` and `Accept`) that pass through unchanged. */
export function passThroughHeaders(headers: Headers): Record<string, readonly string[]> {
  const kept = peerKeyed<readonly string[]>();
  for (const [name, values] of Object.entries(withoutUnsafeHeaders(headers))) {
    const read = asServerReadsIt(name);
    if (LAYER_OWNED.has(read) || STRIPPED_PREFIXES.some((prefix) => read.startsWith(prefix))) continue;
    // A SigV4 signature was meant for the gateway's own IAM-authorized API, not for the backend.
    if (read === 'authorization' && values.some((value) => value.startsWith('AWS4-HMAC-SHA256'))) continue;
    kept[name] = values;
  }
  return kept;
}

/** Who a message is from and what it is, as the X-Road request headers state it. */
export interface MessageIdentity {
  /** The client subsystem, formatted. */
  readonly client: string;
  readonly xRoadId: string;
  readonly userId?: string;
  readonly issue?: string;
  readonly representedParty?: string;
}

/**
 * The X-Road request headers for a message, one line each: what the consumer gateway sends on (the request hash
 * covers them), and what the provider gateway gives its backend — from the verified manifest, never the caller's
 * own lines (a servlet's `getHeader` reads the first of two, the layer the last).
 */
export function identityHeaders(identity: MessageIdentity): Record<string, string[]> {
  const headers: Record<string, string> = { [XROAD.client]: identity.client, [XROAD.id]: identity.xRoadId };
  if (identity.userId !== undefined) headers[XROAD.userId] = identity.userId;
  if (identity.issue !== undefined) headers[XROAD.issue] = identity.issue;
  if (identity.representedParty !== undefined) headers[XROAD.representedParty] = identity.representedParty;
  return singleHeaders(headers);
}

/** The X-Road headers the consumer gateway sends on, in the form the request hash covers them. */
export function xRoadRequestHeaders(request: ServiceRequest, formatClient: (id: ClientId) => string): Record<string, string[]> {
  return identityHeaders({ ...request, client: formatClient(request.client) });
}
