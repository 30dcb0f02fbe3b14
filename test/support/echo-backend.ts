/**
 * A backend that reports exactly what it received — method, request target, every header line in order, body
 * bytes — so tests see what the layer really delivered, not what it meant to. By default it answers 200 with that
 * report as JSON; a test can script another answer per request.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { headersOf } from '../../lambdas/core/kernel/http';

export interface ReceivedRequest {
  readonly method: string;
  /** The request target as it came on the wire: path and query, undecoded. */
  readonly target: string;
  /** Header lines in arrival order, names as sent. */
  readonly headers: readonly (readonly [string, string])[];
  readonly body: Buffer;
}

export interface ScriptedAnswer {
  readonly status: number;
  /** Header lines in order; a name may repeat. */
  readonly headers?: readonly (readonly [string, string])[];
  readonly body?: Buffer | string;
}

export interface EchoBackend {
  readonly url: string;
  readonly received: ReceivedRequest[];
  /** Answers requests instead of the echo report while set. */
  script(answer: ((request: ReceivedRequest) => ScriptedAnswer) | undefined): void;
  /** The headers of the last request, names lower-cased, repeated values in order. */
  lastHeaders(): Record<string, string[]>;
  stop(): Promise<void>;
}

async function readAll(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startEchoBackend(): Promise<EchoBackend> {
  const received: ReceivedRequest[] = [];
  let scripted: ((request: ReceivedRequest) => ScriptedAnswer) | undefined;
  const server: Server = createServer(async (request, response) => {
    const headers: [string, string][] = [];
    for (let index = 0; index < request.rawHeaders.length; index += 2) headers.push([request.rawHeaders[index], request.rawHeaders[index + 1]]);
    const entry: ReceivedRequest = { method: request.method ?? '', target: request.url ?? '', headers, body: await readAll(request) };
    received.push(entry);
    const answer = scripted?.(entry) ?? {
      status: 200,
      headers: [['content-type', 'application/json']],
      body: JSON.stringify({ method: entry.method, target: entry.target, headers: entry.headers, body: entry.body.toString('base64') }),
    };
    const lines: string[] = [];
    for (const [name, value] of answer.headers ?? []) lines.push(name, value);
    response.writeHead(answer.status, lines);
    response.end(answer.body === undefined || entry.method === 'HEAD' ? undefined : Buffer.from(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    script: (answer) => {
      scripted = answer;
    },
    lastHeaders: () => {
      const last = received[received.length - 1];
      return headersOf(last?.headers ?? []);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
