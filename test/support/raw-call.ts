/**
 * An HTTP/1.1 call with raw header lines — a name may repeat, in the order given — as a client or a hostile peer
 * puts them on the wire (Node's `headers` object cannot send two lines of one name). Returns every response header
 * line too.
 */
import { request } from 'node:http';
import type { CallResult } from '../../lib/local/http-call';

export interface RawCallResult extends CallResult {
  /** Response header lines in order, names lower-case. */
  readonly lines: [string, string][];
}

export function rawCall(
  url: string,
  lines: readonly (readonly [string, string])[],
  options: { method?: string; body?: Buffer } = {},
): Promise<RawCallResult> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const flat = lines.flatMap(([name, value]) => [name, value]);
    if (options.body) flat.push('content-length', String(options.body.length));
    // The path goes on the wire exactly as given: URL parsing would resolve `..` and `%2e%2e` segments.
    const path = url.slice(url.indexOf('/', url.indexOf('//') + 2)) || '/';
    const call = request(
      { host: target.hostname, port: target.port, path, method: options.method ?? 'GET', headers: ['host', target.host, ...flat], agent: false },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const pairs: [string, string][] = [];
          for (let index = 0; index < response.rawHeaders.length; index += 2)
            pairs.push([response.rawHeaders[index].toLowerCase(), response.rawHeaders[index + 1]]);
          const headers: Record<string, string> = Object.create(null);
          for (const [name, value] of pairs) headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
          const body = Buffer.concat(chunks);
          resolve({ status: response.statusCode ?? 0, lines: pairs, headers, body, json: <T>() => JSON.parse(body.toString('utf8')) as T });
        });
        response.on('error', reject);
      },
    );
    call.on('error', reject);
    call.end(options.body);
  });
}
