/**
 * The X-Road REST message protocol as a client information system speaks it to its own gateway:
 * `METHOD /r1/{INST}/{CLASS}/{CODE}/{SUB}/{SERVICECODE}[/path][?query]` with `X-Road-Client` and optional
 * `X-Road-Id`, `X-Road-UserId`, `X-Road-Issue`, `X-Road-Represented-Party`.
 */
import { randomUUID } from 'node:crypto';
import { clientError, type XRoadError } from '../../../kernel/errors';
import { parseClientId, serviceIdOf, decodePart, type ClientId, type ServiceId } from '../../../kernel/identifiers';
import { headerValue, headerValues, type Headers, type HttpRequest } from '../../../kernel/http';
import { canonicalServicePath, type ServicePath } from './service-path';
import { freeTextProblem, identityHeaders, parseRepresentedParty, XROAD } from '../../xroad-headers';

export const PROTOCOL_PREFIX = 'r1';

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
  return names.some(isMethodOverrideName)
    ? clientError('BadRequest', 'The body carries a method-override field (such as _method): send the request with the method it means')
    : undefined;
}

/** The top-level member names of a JSON object body, lower-case; none for anything else. */
function jsonMemberNames(text: string): string[] {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? Object.keys(parsed).map((name) => name.trim().toLowerCase())
      : [];
  } catch {
    return [];
  }
}

/** The X-Road headers the consumer gateway sends on, in the form the request hash covers them. */
export function xRoadRequestHeaders(request: ServiceRequest, formatClient: (id: ClientId) => string): Record<string, string[]> {
  return identityHeaders({ ...request, client: formatClient(request.client) });
}
