/**
 * The transport-neutral HTTP shapes the protocol core works with. Handlers convert API Gateway events to these
 * (`lambdas/adapters/api-gateway-events.ts`), so the core never sees an AWS type.
 */

/**
 * Header name (lower-case) → every value in arrival order. A repeated header keeps each of its values (RFC 9110
 * §5.3: the order of one field's lines matters, the order between different fields does not), so a second
 * `Set-Cookie` or a repeated `X-Custom` crosses the layer intact.
 */
export type Headers = Readonly<Record<string, readonly string[]>>;

/** Headers where single values will do (a client's own headers, a test's): read with `headerValue`. */
export type HeaderInput = Headers | Readonly<Record<string, string>>;

/** How faithfully the front delivered the request target (API Gateway does not always deliver it as sent). */
export type TargetFidelity =
  /** Path and query as sent (the local runtime's raw fronts, Lambda function URLs). */
  | 'exact'
  /** HTTP API (payload 2.0): `rawQueryString` is exact, but `rawPath` arrives percent-decoded (re-encoded here). */
  | 'path-decoded'
  /** REST API (payload 1.0): the path is exact, the query arrives parsed (re-encoded here). */
  | 'query-reencoded';

export interface HttpRequest {
  readonly method: string;
  /** The path as received, still percent-encoded, without the query. */
  readonly rawPath: string;
  /** The query string without `?`, still encoded; empty when there is none. */
  readonly rawQuery: string;
  /** @default 'exact' */
  readonly targetFidelity?: TargetFidelity;
  readonly headers: Headers;
  readonly body: Buffer;
  /** Who called, as the front authenticated it (API Gateway IAM auth, or the local runtime's equivalent). */
  readonly identity?: CallerIdentity;
  /**
   * Milliseconds left before the invocation handling this request is stopped (Lambda's
   * `context.getRemainingTimeInMillis()`): outbound calls are bounded by it (`callTimeoutMs`). @default - no bound
   * beyond the configured timeouts
   */
  readonly remainingMs?: () => number;
}

export interface CallerIdentity {
  readonly accountId?: string;
  readonly userArn?: string;
  readonly sourceIp?: string;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: Buffer;
}

/**
 * An empty map for names a peer chooses (header names, query parameters): without a prototype, so a name such as
 * `constructor` or `__proto__` is an ordinary key, never an inherited member.
 */
export function peerKeyed<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/** Groups header lines by lower-case name, keeping every value in order; `undefined` values are skipped. */
export function headersOf(entries: Iterable<readonly [string, string | readonly string[] | undefined]>): Record<string, string[]> {
  const headers = peerKeyed<string[]>();
  for (const [name, value] of entries) {
    if (value === undefined) continue;
    const key = name.toLowerCase();
    (headers[key] ??= []).push(...(typeof value === 'string' ? [value] : value));
  }
  return headers;
}

/** The values of a header, own entries only (a plain object's inherited members are no header). */
export function headerValues(headers: HeaderInput, name: string): readonly string[] | undefined {
  if (!Object.hasOwn(headers, name)) return undefined;
  const values = headers[name];
  return typeof values === 'string' ? [values] : values;
}

/** Headers from single values (a name → value map). */
export const singleHeaders = (values: Readonly<Record<string, string>>): Record<string, string[]> => headersOf(Object.entries(values));

/** The last value of a header (X-Road's rule for a repeated `X-Road-Client`), or undefined. */
export function headerValue(headers: HeaderInput, name: string): string | undefined {
  const values = headerValues(headers, name);
  return values && values.length > 0 ? values[values.length - 1] : undefined;
}

/** Header lines as `[name, value]` pairs, names as stored (lower-case), each value on its own line. */
export function headerLines(headers: Headers): [string, string][] {
  return Object.entries(headers).flatMap(([name, values]) => values.map((value): [string, string] => [name, value]));
}

/**
 * API Gateway's limit on the request line and headers together, both API types: "Total combined size of request
 * line and header values" 10,240 bytes (https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html).
 */
export const MAX_REQUEST_HEAD_BYTES = 10_240;

/** The size API Gateway measures against `MAX_REQUEST_HEAD_BYTES`: method, target, and every header line's name and value. */
export function requestHeadBytes(method: string, target: string, lines: Iterable<readonly [string, string]>): number {
  let size = Buffer.byteLength(method) + Buffer.byteLength(target);
  for (const [name, value] of lines) size += Buffer.byteLength(name) + Buffer.byteLength(value);
  return size;
}

/** A JSON response with the given status. */
export function jsonResponse(status: number, value: unknown, headers: Readonly<Record<string, string>> = {}): HttpResponse {
  return { status, headers: singleHeaders({ ...headers, 'content-type': 'application/json' }), body: Buffer.from(JSON.stringify(value)) };
}

/** The request target as X-Road hashes it: the path plus `?query` when there is one. */
export function requestTarget(rawPath: string, rawQuery: string): string {
  return rawQuery ? `${rawPath}?${rawQuery}` : rawPath;
}

/** Splits a request target into its path and its query (without `?`). */
export function splitTarget(target: string): { path: string; query: string } {
  const index = target.indexOf('?');
  return index < 0 ? { path: target, query: '' } : { path: target.slice(0, index), query: target.slice(index + 1) };
}

/** RFC 3986 `pchar` characters that never need percent-encoding in a path segment. */
const PATH_SAFE = /[A-Za-z0-9\-._~!$&'()*+,;=:@]/;

/** Percent-encodes one decoded path segment: only what RFC 3986 requires, hex upper-case (canonical form). */
export function encodePathSegment(segment: string): string {
  let encoded = '';
  for (const character of segment) {
    encoded += PATH_SAFE.test(character)
      ? character
      : [...Buffer.from(character, 'utf8')].map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join('');
  }
  return encoded;
}

/**
 * True when `received` (as the front delivered it) is the request target `signed`: byte for byte where the front
 * is exact, otherwise in the meaning the front preserved — each path segment decoded (HTTP APIs decode the path),
 * or each query parameter's values in order (REST APIs parse the query and do not keep the order between
 * parameters: https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html).
 */
export function sameTarget(signed: string, received: HttpRequest): boolean {
  const fidelity = received.targetFidelity ?? 'exact';
  const target = splitTarget(signed);
  if (fidelity === 'exact') return signed === requestTarget(received.rawPath, received.rawQuery);
  if (fidelity === 'query-reencoded') return target.path === received.rawPath && sameQueryMeaning(target.query, received.rawQuery);
  return target.query === received.rawQuery && sameDecodedPath(target.path, received.rawPath);
}

function sameDecodedPath(a: string, b: string): boolean {
  try {
    return a.split('/').map(decodeURIComponent).join('\u0000') === b.split('/').map(decodeURIComponent).join('\u0000');
  } catch {
    return false;
  }
}

function sameQueryMeaning(a: string, b: string): boolean {
  const grouped = (query: string) => {
    const groups = new Map<string, string[]>();
    for (const [name, value] of new URLSearchParams(query)) groups.set(name, [...(groups.get(name) ?? []), value]);
    return JSON.stringify([...groups.entries()].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
  };
  return grouped(a) === grouped(b);
}

/** Whether an `If-None-Match` list names this entity tag (RFC 9110 §13.1.2: weak comparison, `*` matches any). */
export function entityTagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  return ifNoneMatch.split(',').some((tag) => tag.trim() === '*' || opaque(tag) === opaque(etag));
}
