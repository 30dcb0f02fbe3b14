/**
 * The `HttpClient` contract (`lambdas/core/ports.ts`): a call is sent exactly as given — the request target byte for
 * byte, every header line in order, the body as is, any method — with nothing added but what HTTP framing needs
 * (`Host`, `Content-Length`, `Connection`); any HTTP answer resolves, exactly as it came: no redirect followed, no
 * content decoded. No answer rejects with `HttpClientError`: `unreachable`, `timeout`, or `too-large` above
 * `maxResponseBytes`.
 */
import { gzipSync } from 'node:zlib';
import { headersOf } from '../../lambdas/core/kernel/http';
import { HttpClientError, type HttpClient, type OutboundRequest } from '../../lambdas/core/kernel/ports';
import { rejectionOf } from '../support/assertions';
import type { Answer, FarEnd } from './far-end';

export interface HttpClientSubject {
  /** The client, a far end it reaches, and a URL where nothing answers. */
  make(): Promise<{ client: HttpClient; farEnd: FarEnd; nowhere: string }>;
  /** Whether the client gives up after `timeoutMs` on a far end that never answers (a wall clock). */
  readonly timesOut: boolean;
}

/** Header lines HTTP framing adds on the wire, which the far end may see beside those sent. */
const FRAMING = new Set(['host', 'content-length', 'connection', 'transfer-encoding']);
const withoutFraming = (lines: readonly (readonly [string, string])[]) => lines.filter(([name]) => !FRAMING.has(name));

const request = (url: string, overrides: Partial<OutboundRequest> = {}): OutboundRequest => ({
  method: 'GET',
  url,
  headers: {},
  body: Buffer.alloc(0),
  timeoutMs: 5000,
  ...overrides,
});

async function reasonOf(promise: Promise<unknown>): Promise<string> {
  const error = await rejectionOf(promise);
  expect(error).toBeInstanceOf(HttpClientError);
  return (error as HttpClientError).reason;
}

export function describeHttpClientContract(name: string, subject: HttpClientSubject): void {
  describe(`HttpClient contract: ${name}`, () => {
    let made: Awaited<ReturnType<HttpClientSubject['make']>>;
    beforeAll(async () => {
      made = await subject.make();
    });
    afterAll(() => made?.farEnd.stop());
    beforeEach(() => {
      made.farEnd.received.length = 0;
      made.farEnd.answer(() => ({ status: 200 }));
    });

    test('the answer comes back as it was: status, every header line (repeated ones in order), body bytes', async () => {
      const body = Buffer.from([0, 255, 1, 254, 10, 13]);
      const headers = [
        ['Content-Type', 'application/octet-stream'],
        ['Set-Cookie', 'a=1'],
        ['X-Multi', 'one'],
        ['Set-Cookie', 'b=2'],
        ['X-Multi', 'two'],
      ] as const;
      made.farEnd.answer(() => ({ status: 201, headers, body }));
      const response = await made.client.send(request(`${made.farEnd.url}/answer`));
      expect(response.status).toBe(201);
      expect(response.headers['set-cookie']).toEqual(['a=1', 'b=2']);
      expect(response.headers['x-multi']).toEqual(['one', 'two']);
      expect(response.headers['content-type']).toEqual(['application/octet-stream']);
      expect(response.body.equals(body)).toBe(true);
    });

    test('error statuses resolve like any answer (404, 500, 503)', async () => {
      for (const status of [404, 500, 503]) {
        made.farEnd.answer(() => ({ status, body: `status ${status}` }));
        const response = await made.client.send(request(`${made.farEnd.url}/error`));
        expect({ status: response.status, body: response.body.toString() }).toEqual({ status, body: `status ${status}` });
      }
    });

    test('a redirect is not followed: the 302 is the answer, and one request was made', async () => {
      const moved: Answer = { status: 302, headers: [['Location', `${made.farEnd.url}/elsewhere`]] };
      made.farEnd.answer((received) => (received.target === '/moved' ? moved : { status: 200, body: 'followed' }));
      const response = await made.client.send(request(`${made.farEnd.url}/moved`));
      expect(response.status).toBe(302);
      expect(response.headers.location).toEqual([`${made.farEnd.url}/elsewhere`]);
      expect(made.farEnd.received.map((received) => received.target)).toEqual(['/moved']);
    });

    test('a compressed answer stays compressed: the gzip bytes and their Content-Encoding', async () => {
      const gzipped = gzipSync(Buffer.from('{"persons":[]}'));
      made.farEnd.answer(() => ({ status: 200, headers: [['Content-Encoding', 'gzip']], body: gzipped }));
      const response = await made.client.send(request(`${made.farEnd.url}/gzip`, { headers: { 'accept-encoding': ['gzip'] } }));
      expect(response.headers['content-encoding']).toEqual(['gzip']);
      expect(response.body.equals(gzipped)).toBe(true);
    });

    test('the request target arrives byte for byte: dot segments, encoded slashes, doubled slashes, the query as written', async () => {
      const target = '/r1/DEV/GOV/1/a/./b/../c%2Fd%20e//f?x=1&x=2&y=%2B+z&empty=&%C3%BC=%E2%82%AC';
      await made.client.send(request(`${made.farEnd.url}${target}`));
      expect(made.farEnd.received.map((received) => received.target)).toEqual([target]);
    });

    test('the headers arrive as given — repeated ones as lines in order — with nothing added but framing', async () => {
      const headers = headersOf([
        ['x-road-client', 'DEV/GOV/1/a'],
        ['accept', 'application/json'],
        ['x-custom', 'b'],
        ['accept', 'text/plain'],
        ['x-empty', ''],
      ]);
      await made.client.send(request(`${made.farEnd.url}/headers`, { headers }));
      const [received] = made.farEnd.received;
      expect(headersOf(withoutFraming(received.headers))).toEqual(headers);
    });

    test('the body arrives byte for byte (1 MB of every byte value), with any method', async () => {
      const body = Buffer.alloc(1024 * 1024, Buffer.from(Array.from({ length: 256 }, (_, index) => index)));
      for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) await made.client.send(request(`${made.farEnd.url}/body`, { method, body }));
      expect(made.farEnd.received.map((received) => received.method)).toEqual(['POST', 'PUT', 'PATCH', 'DELETE']);
      expect(made.farEnd.received.every((received) => received.body.equals(body))).toBe(true);
    });

    test('methods without a body arrive without one (GET, HEAD, OPTIONS, TRACE); HEAD’s answer has no body', async () => {
      made.farEnd.answer(() => ({ status: 200, headers: [['X-Answer', 'yes']], body: 'content' }));
      for (const method of ['GET', 'HEAD', 'OPTIONS', 'TRACE']) {
        const response = await made.client.send(request(`${made.farEnd.url}/bodyless`, { method }));
        const seen = { status: response.status, answer: response.headers['x-answer'], body: response.body.toString() };
        expect(seen).toEqual({ status: 200, answer: ['yes'], body: method === 'HEAD' ? '' : 'content' });
      }
      expect(made.farEnd.received.map((received) => [received.method, received.body.length])).toEqual([
        ['GET', 0],
        ['HEAD', 0],
        ['OPTIONS', 0],
        ['TRACE', 0],
      ]);
    });

    test('nothing answering at the URL: HttpClientError unreachable', async () => {
      expect(await reasonOf(made.client.send(request(`${made.nowhere}/x`)))).toBe('unreachable');
    });

    test('a target that is not a URL: HttpClientError unreachable', async () => {
      expect(await reasonOf(made.client.send(request('not a url')))).toBe('unreachable');
    });

    test('an answer above maxResponseBytes: HttpClientError too-large; one of exactly that size is read', async () => {
      made.farEnd.answer(() => ({ status: 200, body: Buffer.alloc(64 * 1024, 'a') }));
      expect(await reasonOf(made.client.send(request(`${made.farEnd.url}/large`, { maxResponseBytes: 64 * 1024 - 1 })))).toBe('too-large');
      expect((await made.client.send(request(`${made.farEnd.url}/large`, { maxResponseBytes: 64 * 1024 }))).body.length).toBe(64 * 1024);
    });

    if (subject.timesOut) {
      test('a far end that never answers: HttpClientError timeout after timeoutMs', async () => {
        made.farEnd.answer(() => 'stall');
        expect(await reasonOf(made.client.send(request(`${made.farEnd.url}/stall`, { timeoutMs: 50 })))).toBe('timeout');
      });
    }
  });
}
