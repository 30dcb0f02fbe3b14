/**
 * `HttpClient` on `node:http`/`node:https` with keep-alive agents (connections reused across invocations of a
 * warm Lambda). It sends exactly what it is given — the request target byte for byte (no URL normalisation), every
 * header line in order, the body as is — and returns exactly what came back: no `Accept-Encoding` or other header
 * of its own, no transparent decompression (a gzip answer stays gzip, with its `Content-Encoding`), no redirect
 * following (X-Road's rule), every method (TRACE included). Node adds only `Host` and the framing it needs
 * (`Content-Length`, `Connection`).
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { headerLines, headersOf, type HttpResponse } from '../core/kernel/http';
import { HttpClientError, type HttpClient, type OutboundRequest } from '../core/kernel/ports';

/** Methods that carry no body unless one is given. */
const BODYLESS = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS', 'TRACE']);

export class NodeHttpClient implements HttpClient {
  private readonly agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };

  async send(request: OutboundRequest): Promise<HttpResponse> {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch (error) {
      throw new HttpClientError('unreachable', 'The target is not a URL', { cause: error });
    }
    // The target exactly as given: URL parsing would resolve dot segments and re-encode characters.
    const authorityEnd = request.url.indexOf('/', request.url.indexOf('//') + 2);
    const path = authorityEnd < 0 ? '/' : request.url.slice(authorityEnd);
    // With headers given as lines (which keeps repeated ones), Node adds no Host of its own.
    const lines: string[] = ['host', url.host];
    for (const [name, value] of headerLines(request.headers)) if (name !== 'host') lines.push(name, value);
    if (request.body.length > 0 || !BODYLESS.has(request.method)) lines.push('content-length', String(request.body.length));
    return new Promise<HttpResponse>((resolve, reject) => {
      // Node refuses some requests synchronously (a header value it will not send): that is this call's failure too.
      try {
        this.call(request, url, path, lines, resolve, reject);
      } catch (error) {
        reject(new HttpClientError('unreachable', `${url.origin} could not be called`, { cause: error }));
      }
    });
  }

  /** One request on the wire; settles through `resolve`/`reject` exactly as `send` promises. */
  private call(
    request: OutboundRequest,
    url: URL,
    path: string,
    lines: string[],
    resolve: (response: HttpResponse) => void,
    reject: (error: Error) => void,
  ): void {
    const why = {
      timeout: `No answer from ${url.origin} within ${request.timeoutMs} ms`,
      unreachable: `${url.origin} could not be reached`,
      'too-large': `The answer of ${url.origin} exceeds ${request.maxResponseBytes} bytes`,
    };
    const fail = (reason: keyof typeof why, cause?: unknown) => reject(new HttpClientError(reason, why[reason], { cause }));
    const secure = url.protocol === 'https:';
    const call = (secure ? httpsRequest : httpRequest)(
      {
        protocol: url.protocol,
        hostname: url.hostname,
        port: url.port || undefined,
        path,
        method: request.method,
        headers: lines,
        agent: secure ? this.agents.https : this.agents.http,
      },
      (response: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (request.maxResponseBytes !== undefined && size > request.maxResponseBytes) {
            clearTimeout(timer);
            fail('too-large');
            call.destroy();
            return;
          }
          chunks.push(chunk);
        });
        response.on('end', () => {
          clearTimeout(timer);
          // A listener that threw would end the process (it runs outside any promise): whatever a peer answered,
          // a failure here is this call's failure.
          try {
            const pairs: [string, string][] = [];
            for (let index = 0; index < response.rawHeaders.length; index += 2)
              pairs.push([response.rawHeaders[index], response.rawHeaders[index + 1]]);
            resolve({ status: response.statusCode ?? 0, headers: headersOf(pairs), body: Buffer.concat(chunks) });
          } catch (error) {
            fail('unreachable', error);
          }
        });
        response.on('error', (error) => fail('unreachable', error));
      },
    );
    const timer = setTimeout(() => {
      call.destroy();
      fail('timeout');
    }, request.timeoutMs);
    call.on('error', (error) => {
      clearTimeout(timer);
      fail('unreachable', error);
    });
    call.end(request.body.length > 0 ? request.body : undefined);
  }
}
