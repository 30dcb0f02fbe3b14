/**
 * Wire conformance: messages cross the layer unaltered, checked against a backend that reports exactly what it
 * received (and answers like common web servers do). Each case names the PR-REST 1.0.4 section or RFC 9110
 * clause it checks. The consumer side is an HTTP API and the provider side a REST API, as deployed by default;
 * where an API type changes a message (noted per case), the README's "Headers" section says so.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { startEchoBackend, type EchoBackend } from '../support/echo-backend';
import { expectXRoadError, startTestEcosystem, TAX_CLIENT, testConfig, type TestEcosystem } from './fixture';
import { rawCall } from '../support/raw-call';

const ECHO = '/r1/DEV/GOV/70000001/population/echo';

let eco: TestEcosystem;
let echo: EchoBackend;

beforeAll(async () => {
  echo = await startEchoBackend();
  eco = await startTestEcosystem({
    config: testConfig((raw) => {
      const population = raw.agencies.find((agency) => agency.name === 'population-registry')!;
      population.services.push({ subsystem: 'population', code: 'echo', backendUrl: `${echo.url}/echo` });
      population.accessRights.push({ service: 'population/echo', subject: TAX_CLIENT, methods: ['*'], paths: ['**'] });
    }),
  });
});
afterAll(async () => {
  await eco?.stop();
  await echo?.stop();
});
afterEach(() => echo.script(undefined));

const client = { 'x-road-client': TAX_CLIENT };
const last = () => echo.received.at(-1)!;
/** Sends raw header lines (a name may repeat), exactly as given. */
const callWithLines = (path: string, lines: [string, string][], options: { method?: string; body?: Buffer } = {}) =>
  rawCall(`${eco.agencies['tax-board'].consumerUrl}${path}`, lines, options);

describe('request target (PR-REST §4.1, §4.5)', () => {
  test('§4.5 the query string reaches the backend byte for byte: order, repeated keys, +, bare keys, empty pairs, hex case, reserved characters', async () => {
    const query = "b=2&a=1&b=3&flag&&empty=&plus=a+b&pct=%2b%2B&hex=%c3%a9&res=%3A%2F%3F%23%5B%5D%40&sub=!$'()*,;:@/?";
    expect((await eco.call(`${ECHO}/q?${query}`, { headers: client })).status).toBe(200);
    expect(last().target).toBe(`/echo/q?${query}`);
  });

  test('§4.1 the service path after the service id is appended to the backend URL as sent (canonical escapes)', async () => {
    expect((await eco.call(`${ECHO}/a%20b/caf%C3%A9/~x/(1)/a:b@c`, { headers: client })).status).toBe(200);
    expect(last().target).toBe('/echo/a%20b/caf%C3%A9/~x/(1)/a:b@c');
  });

  test('§4.1 an HTTP API decodes the path: a needless or lower-case escape reaches the backend in canonical form (documented)', async () => {
    expect((await eco.call(`${ECHO}/c%2Cd/caf%c3%a9`, { headers: client })).status).toBe(200);
    expect(last().target).toBe('/echo/c,d/caf%C3%A9');
  });
});

describe('headers (PR-REST §4.3, RFC 9110 §5.3)', () => {
  test('§4.3 the backend receives the client’s headers unmodified and nothing the client did not send', async () => {
    const sent = {
      ...client,
      'x-road-id': 'headers-1',
      accept: 'application/vnd.api+json',
      'content-type': 'application/json; charset=utf-8',
      'x-custom': 'inner  spaces, commas; and "quotes"',
      'x-road-custom': 'extension',
      authorization: 'Bearer abc',
      'if-none-match': '"e1"',
      'cache-control': 'no-cache',
    };
    expect((await eco.call(`${ECHO}/h`, { method: 'POST', headers: sent, body: '{"a":1}' })).status).toBe(200);
    const received = echo.lastHeaders();
    for (const [name, value] of Object.entries(sent)) expect({ name, value: received[name] }).toEqual({ name, value: [value] });
    // Framing and the connection are the HTTP client's own; nothing else was added (no Accept-Encoding, Accept-Language, Sec-Fetch-Mode, User-Agent).
    const layer = new Set(['host', 'connection', 'content-length']);
    expect(Object.keys(received).filter((name) => !(name in sent) && !layer.has(name))).toEqual([]);
  });

  test('§4.3 X-Road-* headers the protocol does not define pass both ways; the layer’s own response headers are set by the layer', async () => {
    echo.script(() => ({
      status: 200,
      headers: [
        ['content-type', 'text/plain'],
        ['x-road-extra', 'from-backend'],
        ['x-road-error', 'fake'],
        ['x-road-id', 'fake-id'],
      ],
      body: 'ok',
    }));
    const response = await eco.call(`${ECHO}/x`, { headers: { ...client, 'x-road-id': 'real-id', 'x-road-hint': 'to-backend' } });
    expect(echo.lastHeaders()['x-road-hint']).toEqual(['to-backend']);
    expect(response.headers['x-road-extra']).toBe('from-backend');
    expect(response.headers['x-road-error']).toBeUndefined();
    expect(response.headers['x-road-id']).toBe('real-id');
  });

  test('RFC 9110 §5.3 a repeated response header keeps every value in order; every Set-Cookie line reaches the client', async () => {
    echo.script(() => ({
      status: 200,
      headers: [
        ['set-cookie', 'a=1; Path=/'],
        ['x-multi', 'one'],
        ['set-cookie', 'b=2; HttpOnly'],
        ['x-multi', 'two'],
      ],
      body: 'ok',
    }));
    const response = await rawCall(`${eco.agencies['tax-board'].consumerUrl}${ECHO}/c`, Object.entries(client));
    expect(response.lines.filter(([name]) => name === 'set-cookie').map(([, value]) => value)).toEqual(['a=1; Path=/', 'b=2; HttpOnly']);
    // An HTTP API returns other repeated headers as one comma-joined line, which RFC 9110 §5.3 makes equivalent.
    expect(
      response.lines
        .filter(([name]) => name === 'x-multi')
        .map(([, value]) => value)
        .join(', '),
    ).toBe('one, two');
  });

  test('RFC 9110 §5.3 a repeated request header reaches the backend with every value in order', async () => {
    await callWithLines(`${ECHO}/r`, [
      ['x-road-client', TAX_CLIENT],
      ['x-multi', 'one'],
      ['x-multi', 'two'],
      ['cookie', 'a=1'],
      ['cookie', 'b=2'],
    ]);
    // The HTTP API joins repeated request headers with commas and cookies with "; " (its documented behaviour).
    expect(echo.lastHeaders()['x-multi'].join(',')).toBe('one,two');
    expect(echo.lastHeaders().cookie.join('; ')).toBe('a=1; b=2');
  });
});

describe('bodies and content encoding (RFC 9110 §8.4, PR-REST §3.1)', () => {
  test('§8.4 a backend that gzips its answer (as nginx does when asked): the client gets the gzip bytes with Content-Encoding', async () => {
    const payload = JSON.stringify({ big: 'x'.repeat(2000) });
    echo.script((request) => {
      const gzip = request.headers.some(([name, value]) => name.toLowerCase() === 'accept-encoding' && value.includes('gzip'));
      return gzip
        ? {
            status: 200,
            headers: [
              ['content-type', 'application/json'],
              ['content-encoding', 'gzip'],
              ['vary', 'Accept-Encoding'],
            ],
            body: gzipSync(payload),
          }
        : { status: 200, headers: [['content-type', 'application/json']], body: payload };
    });
    const response = await eco.call(`${ECHO}/z`, { headers: { ...client, 'accept-encoding': 'gzip' } });
    expect(response.status).toBe(200);
    expect(response.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(response.body).toString()).toBe(payload);
    // Without Accept-Encoding from the client, the backend is not asked for gzip: the layer adds no Accept-Encoding.
    const plain = await eco.call(`${ECHO}/z`, { headers: client });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.toString()).toBe(payload);
  });

  test('§8.4 a gzip request body passes with its Content-Encoding, byte for byte', async () => {
    const body = gzipSync('{"compressed":true}');
    await eco.call(`${ECHO}/g`, { method: 'POST', headers: { ...client, 'content-type': 'application/json', 'content-encoding': 'gzip' }, body });
    expect(last().body.equals(body)).toBe(true);
    expect(echo.lastHeaders()['content-encoding']).toEqual(['gzip']);
  });

  test('§3.1 binary bodies cross both ways unchanged', async () => {
    const body = randomBytes(64 * 1024);
    echo.script((request) => ({
      status: 200,
      headers: [['content-type', 'application/octet-stream']],
      body: Buffer.from([...request.body].reverse()),
    }));
    const response = await eco.call(`${ECHO}/bin`, { method: 'PUT', headers: { ...client, 'content-type': 'application/octet-stream' }, body });
    expect(last().body.equals(body)).toBe(true);
    expect(response.body.equals(Buffer.from([...body].reverse()))).toBe(true);
  });

  test('RFC 9110 §15 the backend’s status and body pass as they are (204, 418, 500 without X-Road-Error)', async () => {
    for (const status of [204, 418, 500]) {
      echo.script(() => ({
        status,
        headers: status === 204 ? [] : [['content-type', 'text/plain']],
        body: status === 204 ? undefined : `status ${status}`,
      }));
      const response = await eco.call(`${ECHO}/s`, { headers: client });
      expect({ status: response.status, body: response.body.toString(), error: response.headers['x-road-error'] }).toEqual({
        status,
        body: status === 204 ? '' : `status ${status}`,
        error: undefined,
      });
    }
  });
});

describe('methods and redirects (PR-REST §4.1, §4.4)', () => {
  test.each(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'])('§4.1 %s reaches the backend as such', async (method) => {
    const response = await eco.call(`${ECHO}/m`, { method, headers: client, body: ['POST', 'PUT', 'PATCH'].includes(method) ? 'x' : undefined });
    expect(response.status).toBe(200);
    expect(last().method).toBe(method);
    if (method === 'HEAD') expect(response.body.length).toBe(0);
  });

  test('§4.1 TRACE never passes API Gateway (it is not among the methods an ANY route takes): a client error, never NetworkError', async () => {
    const before = echo.received.length;
    const response = await eco.call(`${ECHO}/t`, { method: 'TRACE', headers: client });
    expect(response.status).toBe(404);
    expect(echo.received.length).toBe(before);
  });

  test('§4.4 redirects are not followed: the client gets the 302 and its Location', async () => {
    echo.script(() => ({ status: 302, headers: [['location', 'https://elsewhere.example/next']], body: '' }));
    const response = await eco.call(`${ECHO}/redirect`, { headers: client });
    expect(response.status).toBe(302);
    expect(response.headers.location).toBe('https://elsewhere.example/next');
    expect(echo.received.filter((request) => request.target.includes('next'))).toEqual([]);
  });
});

describe('errors (PR-REST §4.6)', () => {
  test('§4.6 an X-Road error is XML when Accept prefers XML, JSON otherwise, with X-Road-Error and Content-Type', async () => {
    const xml = await eco.call(`${ECHO}/e`, {
      agency: 'business-registry',
      headers: { 'x-road-client': 'DEV/COM/10000003/crm', accept: 'application/xml' },
    });
    expect(xml.status).toBe(403);
    expect(xml.headers['x-road-error']).toBe('Server.ServerProxy.AccessDenied');
    expect(xml.headers['content-type']).toBe('application/xml;charset=utf-8');
    expect(xml.body.toString()).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8" standalone="no"\?><error><type>Server\.ServerProxy\.AccessDenied<\/type><message>[^<]+<\/message><detail>[0-9a-f-]{36}<\/detail><\/error>$/,
    );
    expectXRoadError(
      await eco.call(`${ECHO}/e`, {
        agency: 'business-registry',
        headers: { 'x-road-client': 'DEV/COM/10000003/crm', accept: 'application/json, application/xml;q=0.1' },
      }),
      403,
      'Server.ServerProxy.AccessDenied',
    );
  });
});

describe('large bodies (PR-REST §3.1: any message size; the limit is Lambda’s 6 MB payload)', () => {
  const records = (agency: string, xRoadId: string) => eco.agencies[agency].deps.log.find(TAX_CLIENT, xRoadId);

  test('a 300 KB body (above the inline log limit) is exchanged and logged in the gateways’ body stores on both sides', async () => {
    const body = randomBytes(300 * 1024);
    const response = await eco.call(`${ECHO}/mid`, {
      method: 'PUT',
      headers: { ...client, 'x-road-id': 'mid-1', 'content-type': 'application/octet-stream' },
      body,
    });
    expect(response.status).toBe(200);
    expect(last().body.equals(body)).toBe(true);
    for (const agency of ['tax-board', 'population-registry']) {
      const request = (await records(agency, 'mid-1')).find((record) => record.direction === 'request')!;
      expect(request).toMatchObject({ bodyLogged: 'stored', bodyBytes: body.length });
      expect((await eco.agencies[agency].deps.bodyStore!.get(request.bodyLocation!)).equals(body)).toBe(true);
    }
  });

  test('a 5 MB JSON body both ways: sent between the gateways by reference, delivered byte for byte, fully logged', async () => {
    const body = Buffer.from(JSON.stringify({ data: 'x'.repeat(5 * 1024 * 1024) }));
    const answer = Buffer.from(JSON.stringify({ data: 'y'.repeat(5 * 1024 * 1024) }));
    echo.script(() => ({ status: 200, headers: [['content-type', 'application/json']], body: answer }));
    const response = await eco.call(`${ECHO}/big`, {
      method: 'POST',
      headers: { ...client, 'x-road-id': 'big-1', 'content-type': 'application/json' },
      body,
    });
    expect(response.status).toBe(200);
    expect(last().body.equals(body)).toBe(true);
    expect(response.body.equals(answer)).toBe(true);
    // The reference header is the gateways' own: neither the backend nor the client sees it.
    expect(echo.lastHeaders()['x-sild-body-url']).toBeUndefined();
    expect(response.headers['x-sild-body-url']).toBeUndefined();
    for (const agency of ['tax-board', 'population-registry']) {
      const logged = await records(agency, 'big-1');
      expect(logged.map((record) => [record.direction, record.bodyLogged, record.bodyBytes]).sort()).toEqual([
        ['request', 'stored', body.length],
        ['response', 'stored', answer.length],
      ]);
    }
  });

  test('a binary body above what Lambda can carry base64-encoded is refused by the API front, never half-delivered', async () => {
    const before = echo.received.length;
    const response = await eco.call(`${ECHO}/huge`, {
      method: 'POST',
      headers: { ...client, 'content-type': 'application/octet-stream' },
      body: randomBytes(5 * 1024 * 1024),
    });
    expect(response.status).toBe(413);
    expect(echo.received.length).toBe(before);
  });
});
