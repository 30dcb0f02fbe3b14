/**
 * The sample population registry the demo ecosystem's services point at: REST `persons` —
 * `GET /persons/{id}` → 200 person (404 for an unknown id), `POST /persons` → 201 echoing the created person — and
 * SOAP `getPerson` at `POST /soap/population` (`sample-soap-service.ts`). The REST service is an ordinary HTTP
 * service, unaware of X-Road; it reports the X-Road headers it received so a demo can show what reached the backend.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from './read-body';
import { guardedListener, percentDecoded, requestUrl } from './request-input';
import { personById } from './sample-persons';
import { answerSoapRequest } from './sample-soap-service';

/** Where the SOAP service `getPerson` is served (its `backendUrl` path in `config/ecosystem.json`). */
export const SOAP_SERVICE_PATH = '/soap/population';

export interface SampleBackend {
  readonly url: string;
  /** Requests received, for demos and tests (method, path, X-Road-Client). */
  readonly received: { method: string; path: string; client?: string }[];
  stop(): Promise<void>;
}

export async function startSampleBackend(port = 0, host = '127.0.0.1'): Promise<SampleBackend> {
  const received: SampleBackend['received'] = [];
  const send = (response: ServerResponse, status: number, value: unknown) => {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(value));
  };
  const badRequest = (response: ServerResponse) => send(response, 400, { error: 'bad_request', message: 'The request target is not a valid URL' });

  async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = (await readBody(request))!;
    const url = requestUrl(request);
    if (!url) return badRequest(response);
    received.push({ method: request.method ?? '', path: url.pathname, client: request.headers['x-road-client'] as string | undefined });
    const person = /^\/persons\/([^/]+)$/.exec(url.pathname);
    if (request.method === 'GET' && person) {
      const id = percentDecoded(person[1]);
      if (id === undefined) return badRequest(response);
      const found = personById(id);
      return found ? send(response, 200, found) : send(response, 404, { error: 'not_found', message: `No person with id ${id}` });
    }
    if (request.method === 'POST' && url.pathname === SOAP_SERVICE_PATH) {
      const answer = answerSoapRequest(request.headers['content-type'], body);
      response.writeHead(answer.status, { 'content-type': answer.contentType });
      response.end(answer.body);
      return;
    }
    if (request.method === 'POST' && url.pathname === '/persons') {
      try {
        return send(response, 201, { ...JSON.parse(body.toString('utf8')), created: true });
      } catch {
        return send(response, 400, { error: 'invalid_json', message: 'The body must be a JSON person' });
      }
    }
    return send(response, 404, { error: 'not_found', message: `No route ${request.method} ${url.pathname}` });
  }

  // A malformed target or an abandoned body must not end the process that runs the whole ecosystem.
  const server: Server = createServer(
    guardedListener(serve, (response) => send(response, 500, { error: 'internal', message: 'The sample backend failed' })),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const { port: actual } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${actual}`,
    received,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
