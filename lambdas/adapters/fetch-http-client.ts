/**
 * `HttpClient` on Node's built-in fetch (undici): keep-alive connections are pooled and reused across invocations
 * of a warm Lambda; redirects are returned, not followed (X-Road's rule).
 */
import { normalizeHeaders, type HttpResponse } from '../core/http';
import { HttpClientError, type HttpClient, type OutboundRequest } from '../core/ports';

const BODYLESS = new Set(['GET', 'HEAD']);

export class FetchHttpClient implements HttpClient {
  async send(request: OutboundRequest): Promise<HttpResponse> {
    let response: Response;
    try {
      response = await fetch(request.url, {
        method: request.method,
        headers: request.headers,
        body: BODYLESS.has(request.method) || request.body.length === 0 ? undefined : request.body,
        redirect: 'manual',
        signal: AbortSignal.timeout(request.timeoutMs),
      });
      const body = Buffer.from(await response.arrayBuffer());
      return { status: response.status, headers: normalizeHeaders(response.headers.entries()), body };
    } catch (error) {
      const name = (error as Error).name;
      if (name === 'TimeoutError' || name === 'AbortError') {
        throw new HttpClientError('timeout', `No answer from ${new URL(request.url).origin} within ${request.timeoutMs} ms`, { cause: error });
      }
      throw new HttpClientError('unreachable', `${new URL(request.url).origin} could not be reached`, { cause: error });
    }
  }
}
