/**
 * A plain HTTP/1.1 call with exactly the headers given (plus `Host`), as an X-Road client information system
 * sends it — unlike fetch, which adds headers of its own. The demo and the end-to-end tests use it, so the request
 * hash a client recomputes covers exactly what it sent.
 */
import { request as httpRequest } from 'node:http';

export interface CallResult {
  readonly status: number;
  /** Lower-case names; repeated headers joined as Node does. */
  readonly headers: Record<string, string>;
  readonly body: Buffer;
  /** Parses the body as JSON. */
  json<T = unknown>(): T;
}

export function httpCall(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string | Buffer; timeoutMs?: number } = {},
): Promise<CallResult> {
  return new Promise((resolve, reject) => {
    const body = options.body === undefined ? undefined : Buffer.from(options.body);
    const headers = { ...options.headers, ...(body ? { 'content-length': String(body.length) } : {}) };
    // The path goes on the wire exactly as given: URL parsing would resolve `..` and `%2e%2e` segments.
    const origin = new URL(url);
    const path = url.slice(url.indexOf('/', url.indexOf('//') + 2)) || '/';
    const call = httpRequest(
      {
        host: origin.hostname,
        port: origin.port,
        path,
        method: options.method ?? 'GET',
        headers,
        agent: false,
        timeout: options.timeoutMs ?? 30_000,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const received = Buffer.concat(chunks);
          // Keyed by a peer's header names: no prototype, so `constructor` is a header like any other.
          const flat: Record<string, string> = Object.create(null);
          for (const [name, value] of Object.entries(response.headers))
            if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
          resolve({ status: response.statusCode ?? 0, headers: flat, body: received, json: <T>() => JSON.parse(received.toString('utf8')) as T });
        });
        response.on('error', reject);
      },
    );
    call.on('timeout', () => call.destroy(new Error(`timeout calling ${url}`)));
    call.on('error', reject);
    call.end(body);
  });
}
