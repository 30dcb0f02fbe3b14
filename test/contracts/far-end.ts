/**
 * The far end of an outbound call, for the `HttpClient` and `GlobalConfigurationFetcher` contracts: it records what
 * arrived — method, request target, header lines, body — and answers as the test says. One is a real HTTP server on
 * 127.0.0.1 (for `NodeHttpClient`); the other a handler routed to in process (for `InProcessHttpClient`), seeing what
 * a front (API Gateway) would pass on.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { headerLines, headersOf } from '../../lambdas/core/kernel/http';
import type { InProcessHttpClient } from '../support/memory-adapters';

export interface Received {
  readonly method: string;
  /** Path and query as they arrived, undecoded. */
  readonly target: string;
  /** Header lines in order, names lower-cased. */
  readonly headers: readonly (readonly [string, string])[];
  readonly body: Buffer;
}

/** An answer (header lines in order, a name may repeat), or none ever (`stall`). */
export type Answer =
  { readonly status: number; readonly headers?: readonly (readonly [string, string])[]; readonly body?: Buffer | string } | 'stall';

export interface FarEnd {
  /** Its base URL (no trailing slash). */
  readonly url: string;
  readonly received: Received[];
  /** How it answers from now on. @default 200, empty */
  answer(answer: (request: Received) => Answer): void;
  stop(): Promise<void>;
}

const EMPTY_OK: Answer = { status: 200 };

async function readAll(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** A real HTTP server on 127.0.0.1. */
export async function startServerFarEnd(): Promise<FarEnd> {
  const received: Received[] = [];
  let answering: (request: Received) => Answer = () => EMPTY_OK;
  const server = createServer((request, response) => {
    void (async () => {
      const headers: [string, string][] = [];
      for (let index = 0; index < request.rawHeaders.length; index += 2)
        headers.push([request.rawHeaders[index].toLowerCase(), request.rawHeaders[index + 1]]);
      const entry: Received = { method: request.method ?? '', target: request.url ?? '', headers, body: await readAll(request) };
      received.push(entry);
      const answer = answering(entry);
      if (answer === 'stall') return void request.socket.once('close', () => response.destroy());
      response.writeHead(answer.status, (answer.headers ?? []).flat());
      response.end(answer.body === undefined || entry.method === 'HEAD' ? undefined : Buffer.from(answer.body));
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    answer: (next) => void (answering = next),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A handler `client` routes calls under `url` to. */
export function inProcessFarEnd(client: InProcessHttpClient, url: string): FarEnd {
  const received: Received[] = [];
  let answering: (request: Received) => Answer = () => EMPTY_OK;
  client.route(url, async (request) => {
    const target = `${request.rawPath}${request.rawQuery ? `?${request.rawQuery}` : ''}`;
    const entry: Received = { method: request.method, target, headers: headerLines(request.headers), body: request.body };
    received.push(entry);
    const answer = answering(entry);
    if (answer === 'stall') return new Promise(() => undefined);
    const body = answer.body === undefined || entry.method === 'HEAD' ? Buffer.alloc(0) : Buffer.from(answer.body);
    return { status: answer.status, headers: headersOf(answer.headers ?? []), body };
  });
  return { url, received, answer: (next) => void (answering = next), stop: async () => undefined };
}
