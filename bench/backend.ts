/**
 * The benchmark's backend: a plain HTTP service that knows nothing of X-Road, standing in for an agency's
 * information system behind the provider gateway.
 *
 * - `GET /persons/{id}` → 200, a JSON person of about `SMALL_BODY_BYTES` bytes;
 * - `POST /persons` → 201, a JSON document of the same size as the request body (echo-ish: the body is read in
 *   full and answered in kind).
 *
 * Profiles: `instant` answers at once; `realistic` answers after a fixed service time (`serviceMs`, 20 ms by
 * default), like a backend that does a database lookup. The profile can be switched while running.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export const SMALL_BODY_BYTES = 200;
export const LARGE_BODY_BYTES = 64 * 1024;

export interface BackendProfile {
  readonly name: 'instant' | 'realistic';
  /** Service time added before each answer, ms (0 for instant). */
  readonly serviceMs: number;
}

export interface BenchBackend {
  readonly url: string;
  setProfile(profile: BackendProfile): void;
  /** Requests answered so far. */
  answered(): number;
  stop(): Promise<void>;
}

/** A JSON document of exactly `bytes` bytes (≥ 64): an id and a padding string. */
export function jsonDocument(bytes: number, id = '123'): Buffer {
  const head = `{"id":"${id}","givenName":"Mari","familyName":"Maasikas","dateOfBirth":"1990-04-12","padding":"`;
  const tail = '"}';
  const padding = Math.max(0, bytes - head.length - tail.length);
  return Buffer.from(head + 'x'.repeat(padding) + tail);
}

function drain(request: IncomingMessage): Promise<number> {
  return new Promise((resolve, reject) => {
    let size = 0;
    request.on('data', (chunk: Buffer) => (size += chunk.length));
    request.on('end', () => resolve(size));
    request.on('error', reject);
  });
}

export async function startBenchBackend(initial: BackendProfile, port = 0): Promise<BenchBackend> {
  let profile = initial;
  let answered = 0;
  const small = jsonDocument(SMALL_BODY_BYTES);
  const echoes = new Map<number, Buffer>();
  const server: Server = createServer(async (request, response) => {
    const received = await drain(request);
    const send = (status: number, body: Buffer) => {
      const write = () => {
        answered += 1;
        response.writeHead(status, { 'content-type': 'application/json', 'content-length': body.length });
        response.end(body);
      };
      if (profile.serviceMs > 0) setTimeout(write, profile.serviceMs);
      else write();
    };
    const path = (request.url ?? '/').split('?')[0];
    if (request.method === 'GET' && /^\/persons\/[^/]+$/.test(path)) return send(200, small);
    if (request.method === 'POST' && path === '/persons') {
      let echo = echoes.get(received);
      if (!echo) echoes.set(received, (echo = jsonDocument(received, 'created')));
      return send(201, echo);
    }
    return send(404, Buffer.from('{"error":"not_found"}'));
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const { port: actual } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${actual}`,
    setProfile: (next) => (profile = next),
    answered: () => answered,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
