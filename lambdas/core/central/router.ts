/** The central API's routes: `GET /globalconf` and `POST /join`. It only routes; the use cases live beside it. */
import { clientError, errorResponse } from '../kernel/errors';
import { createHash } from 'node:crypto';
import { entityTagMatches, singleHeaders, type HttpRequest, type HttpResponse } from '../kernel/http';
import type { CentralDeps } from './ports';
import type { GlobalConfigurationPublisher } from './publisher';
import { join } from './join';

/** Routes a central API request; never throws. */
export async function handleCentralRequest(request: HttpRequest, deps: CentralDeps, publisher: GlobalConfigurationPublisher): Promise<HttpResponse> {
  try {
    if (request.rawPath === '/globalconf' && request.method === 'GET') {
      // Conditional: a gateway naming the document it holds (its entity tag: the body's SHA-256) gets 304, no body.
      const body = Buffer.from(JSON.stringify(await publisher.signed()));
      const etag = `"${createHash('sha256').update(body).digest('base64url')}"`;
      if (entityTagMatches(request.headers['if-none-match']?.join(','), etag))
        return { status: 304, headers: singleHeaders({ etag, 'cache-control': 'no-store' }), body: Buffer.alloc(0) };
      return { status: 200, headers: singleHeaders({ etag, 'cache-control': 'no-store', 'content-type': 'application/json' }), body };
    }
    if (request.rawPath === '/join' && request.method === 'POST') {
      const response = await join(request, deps);
      // The new gateway (or its new keys) is published at once; should that fail, the next scheduled one has it.
      await publisher.publish().catch(() => undefined);
      return response;
    }
    throw clientError('NotFound', `No route ${request.method} ${request.rawPath.slice(0, 128)}`);
  } catch (error) {
    return errorResponse(error, 'Server.ClientProxy');
  }
}
