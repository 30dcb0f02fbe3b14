/**
 * The sample population registry the demo ecosystem's `persons` service points at:
 * `GET /persons/{id}` → 200 person (404 for an unknown id), `POST /persons` → 201 echoing the created person.
 * It is an ordinary HTTP service, unaware of X-Road; it reports the X-Road headers it received so a demo can show
 * what reached the backend.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from './read-body';

const PERSONS: Record<string, { id: string; givenName: string; familyName: string; dateOfBirth: string }> = {
  '123': { id: '123', givenName: 'Mari', familyName: 'Maasikas', dateOfBirth: '1990-04-12' },
  '456': { id: '456', givenName: 'Jaan', familyName: 'Tamm', dateOfBirth: '1985-11-02' },
};

export interface SampleBackend {
  readonly url: string;
  /** Requests received, for demos and tests (method, path, X-Road-Client). */
  readonly received: { method: string; path: string; client?: string }[];
  stop(): Promise<void>;
}

export async function startSampleBackend(port = 0, host = '127.0.0.1'): Promise<SampleBackend> {
  const received: SampleBackend['received'] = [];
  const server: Server = createServer(async (request, response) => {
    const body = (await readBody(request))!;
    const url = new URL(request.url ?? '/', 'http://backend');
    received.push({ method: request.method ?? '', path: url.pathname, client: request.headers['x-road-client'] as string | undefined });
    const send = (status: number, value: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(value));
    };
    const person = /^\/persons\/([^/]+)$/.exec(url.pathname);
    if (request.method === 'GET' && person) {
      const found = PERSONS[decodeURIComponent(person[1])];
      return found ? send(200, found) : send(404, { error: 'not_found', message: `No person with id ${decodeURIComponent(person[1])}` });
    }
    if (request.method === 'POST' && url.pathname === '/persons') {
      try {
        return send(201, { ...JSON.parse(body.toString('utf8')), created: true });
      } catch {
        return send(400, { error: 'invalid_json', message: 'The body must be a JSON person' });
      }
    }
    return send(404, { error: 'not_found', message: `No route ${request.method} ${url.pathname}` });
  });
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
