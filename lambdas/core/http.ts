/**
 * The transport-neutral HTTP shapes the protocol core works with. Handlers convert API Gateway events to these
 * (`lambdas/http/api-gateway.ts`), so the core never sees an AWS type.
 */

/** Header names are lower-case; a repeated header keeps its last value (X-Road's rule for `X-Road-Client`). */
export type Headers = Readonly<Record<string, string>>;

export interface HttpRequest {
  readonly method: string;
  /** The path exactly as received, still percent-encoded, without the query. */
  readonly rawPath: string;
  /** The query string without `?`, still encoded; empty when there is none. */
  readonly rawQuery: string;
  readonly headers: Headers;
  readonly body: Buffer;
  /** Who called, as the front authenticated it (API Gateway IAM auth, or the local runtime's equivalent). */
  readonly identity?: CallerIdentity;
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

/** Lower-cases header names; for a repeated header the last value wins. */
export function normalizeHeaders(entries: Iterable<readonly [string, string | undefined]>): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of entries) {
    if (value !== undefined) headers[name.toLowerCase()] = value;
  }
  return headers;
}

/** A JSON response with the given status. */
export function jsonResponse(status: number, value: unknown, headers: Headers = {}): HttpResponse {
  return { status, headers: { ...headers, 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(value)) };
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
