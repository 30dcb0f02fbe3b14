/**
 * A pass-through HTTP proxy in front of a local AWS endpoint (dynalite), through which tests inject faults at the
 * wire: the adapter under test talks to what it believes is DynamoDB and receives DynamoDB's own error answers.
 * Nothing in the code under test is mocked. Signatures and permissions are checked behind it, by the local DynamoDB
 * itself (`dynamodb.ts`), so a fault rule sees every call its client makes.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from './read-body';
import { guardedListener } from './request-input';

/** A request as a fault rule sees it: the AWS operation (`X-Amz-Target`) and the parsed JSON body. */
export interface ProxiedCall {
  readonly target: string;
  readonly body: Record<string, unknown>;
}

export interface FaultAnswer {
  readonly status: number;
  readonly type: string;
  readonly message: string;
  /**
   * Pass the call on first and answer the fault instead of DynamoDB's answer: the write happened, its answer was
   * lost (a connection reset after DynamoDB acted). @default false
   */
  readonly afterForwarding?: boolean;
  /** Hold the answer this long first (a stalled connection). @default 0 */
  readonly stallMs?: number;
}

/** Decides per call: undefined passes it on, an answer replaces it. */
export type FaultRule = (call: ProxiedCall) => FaultAnswer | undefined;

export interface FaultProxy {
  readonly url: string;
  setRule(rule: FaultRule | undefined): void;
  stop(): Promise<void>;
}

/** DynamoDB's throttling answer (the SDK retries it with back-off). */
export const THROTTLED: FaultAnswer = {
  status: 400,
  type: 'com.amazonaws.dynamodb.v20120810#ThrottlingException',
  message: 'Rate of requests exceeds the allowed throughput.',
};
/** DynamoDB's internal failure. */
export const UNAVAILABLE: FaultAnswer = {
  status: 500,
  type: 'com.amazonaws.dynamodb.v20120810#InternalServerError',
  message: 'Internal server error',
};

function answer(response: ServerResponse, fault: FaultAnswer): void {
  response.writeHead(fault.status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-errortype': fault.type.split('#').pop()! });
  response.end(JSON.stringify({ __type: fault.type, message: fault.message }));
}

/** A proxy in front of `targetUrl` (which authenticates and authorizes every call, as DynamoDB does). */
export async function startFaultProxy(targetUrl: string, listenPort = 0): Promise<FaultProxy> {
  const target = new URL(targetUrl);
  let rule: FaultRule | undefined;
  async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = (await readBody(request))!;
    let lostAnswer: FaultAnswer | undefined;
    if (rule) {
      let parsed: Record<string, unknown> = {};
      try {
        parsed = JSON.parse(body.toString('utf8') || '{}');
      } catch {
        // Not JSON: rules see an empty body.
      }
      const fault = rule({ target: String(request.headers['x-amz-target'] ?? ''), body: parsed });
      if (fault?.stallMs) await new Promise((resolve) => setTimeout(resolve, fault.stallMs));
      if (fault && !fault.afterForwarding) {
        answer(response, fault);
        return;
      }
      lostAnswer = fault;
    }
    const upstream = httpRequest(
      { host: target.hostname, port: target.port, method: request.method, path: request.url, headers: request.headers },
      (reply) => {
        if (lostAnswer) {
          reply.resume();
          reply.on('end', () => answer(response, lostAnswer!));
          return;
        }
        response.writeHead(reply.statusCode ?? 502, reply.headers);
        reply.pipe(response);
      },
    );
    upstream.on('error', () => {
      if (response.headersSent) return void response.destroy();
      response.writeHead(500, { 'content-type': 'application/x-amz-json-1.0' });
      response.end(JSON.stringify({ __type: UNAVAILABLE.type, message: 'upstream unreachable' }));
    });
    upstream.end(body);
  }
  // A client that abandons its body (or anything else that throws here) must not end the process.
  const server: Server = createServer(guardedListener(serve, (response) => answer(response, UNAVAILABLE)));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listenPort, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    setRule: (next) => (rule = next),
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
