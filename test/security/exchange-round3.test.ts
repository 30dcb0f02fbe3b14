/**
 * Security round 3, the exchange path: each `describe` is a finding of the second hostile review (issue 20, its
 * number and title), each test an attack that broke the old code, run against the local ecosystem over HTTP. An echo
 * backend reports exactly what reached it; `servletView` shows what a Tomcat or Jetty backend would route by.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errorResponse, XRoadError } from '../../lambdas/core/kernel/errors';
import { signAnswer } from '../../lambdas/core/exchange/gateway';
import { expectXRoadError, startTestEcosystem, TAX_CLIENT, testConfig, type TestEcosystem } from '../e2e/fixture';
import { startEchoBackend, type EchoBackend } from '../support/echo-backend';
import { rawCall } from '../support/raw-call';
import { claimedBinding, hostileMember, impersonateProvider, type HostileMember } from './hostile-member';

const SERVICE = '/r1/DEV/GOV/70000001/population';
const PUBLIC = `${SERVICE}/site`;
const FILES = `${SERVICE}/files`;
const ECHO = `${SERVICE}/echo`;
const READONLY = `${SERVICE}/readonly`;
const FLOOD = `${SERVICE}/flood`;
const PERSONS = `${SERVICE}/persons`;
const CRM_CLIENT = 'DEV/COM/10000003/crm';

let eco: TestEcosystem;
let echo: EchoBackend;
let flood: { url: string; stop(): Promise<void>; written(): number };
let taxBoard: HostileMember;
let businessRegistry: HostileMember;

beforeAll(async () => {
  echo = await startEchoBackend();
  flood = await startFloodServer();
  eco = await startTestEcosystem({
    config: testConfig((raw) => {
      const population = raw.agencies.find((agency) => agency.name === 'population-registry')!;
      population.services.push(
        // A site served from the backend's root: /admin is one `..` away from /public.
        { subsystem: 'population', code: 'site', backendUrl: echo.url },
        { subsystem: 'population', code: 'files', backendUrl: `${echo.url}/files` },
        { subsystem: 'population', code: 'echo', backendUrl: `${echo.url}/echo` },
        { subsystem: 'population', code: 'readonly', backendUrl: `${echo.url}/ro` },
        { subsystem: 'population', code: 'flood', backendUrl: flood.url },
      );
      population.accessRights.push(
        { service: 'population/site', subject: TAX_CLIENT, methods: ['GET'], paths: ['/public/**'] },
        { service: 'population/files', subject: TAX_CLIENT, methods: ['GET'], paths: ['/*.pdf'] },
        { service: 'population/echo', subject: TAX_CLIENT, methods: ['*'], paths: ['**'] },
        { service: 'population/echo', subject: CRM_CLIENT, methods: ['*'], paths: ['**'] },
        { service: 'population/readonly', subject: TAX_CLIENT, methods: ['GET'], paths: ['**'] },
        { service: 'population/flood', subject: TAX_CLIENT, methods: ['GET'], paths: ['**'] },
      );
    }),
  });
  taxBoard = hostileMember(eco);
  businessRegistry = hostileMember(eco, 'business-registry');
});

afterAll(async () => {
  await eco?.stop();
  await echo?.stop();
  await flood?.stop();
});

const client = { 'x-road-client': TAX_CLIENT };
const backendCalls = () => echo.received.length;
const lastTarget = () => echo.received.at(-1)!.target;

/** What a servlet container routes by: each segment without its `;` parameters, decoded, dot segments resolved. */
function servletView(target: string): string {
  const resolved: string[] = [];
  for (const segment of target.split('?')[0].split('/').slice(1)) {
    const routed = decodeURIComponent(segment.split(';')[0]);
    if (routed === '..') resolved.pop();
    else if (routed !== '.') resolved.push(routed);
  }
  return `/${resolved.join('/')}`;
}

describe('finding 1: `;` path parameters carry `..` past the access check', () => {
  test('baseline: the right on /public/** reaches /public/… and nothing else', async () => {
    expect((await taxBoard.send('population-registry', { path: `${PUBLIC}/public/index.html` })).status).toBe(200);
    expect(servletView(lastTarget())).toBe('/public/index.html');
    expectXRoadError(await taxBoard.send('population-registry', { path: `${PUBLIC}/admin` }), 403, 'Server.ServerProxy.AccessDenied');
  });

  test.each([
    ['"..;" (Tomcat and Jetty drop the parameter, then resolve "..")', '/public/..;/admin'],
    ['"..;" with a session id', '/public/..;jsessionid=0123/admin'],
    ['"%2e%2e;"', '/public/%2e%2e;/admin'],
    ['".;"', '/public/.;/x'],
    ['"..%3B" (an HTTP API delivers it as "..;")', '/public/..%3B/admin'],
    ['full-width dots', '/public/%EF%BC%8E%EF%BC%8E/admin'],
    ['three dots (Windows servers trim trailing dots)', '/public/.../admin'],
    ['dots and a trailing space', '/public/..%20/admin'],
    ['double-encoded dots (a backend that decodes twice)', '/public/%252e%252e/admin'],
    ['a segment of parameters only', '/public/;x=1/admin'],
  ])('%s, signed by a member and sent straight to the provider → 400 Client.BadRequest, nothing reaches the backend', async (_attack, rest) => {
    const before = backendCalls();
    expectXRoadError(await taxBoard.send('population-registry', { path: `${PUBLIC}${rest}` }), 400, 'Client.BadRequest');
    expect(backendCalls()).toBe(before);
  });

  test.each([
    ['"..;"', '/public/..;/admin'],
    ['"..%3B"', '/public/..%3B/admin'],
    ['"%2e%2e%3b"', '/public/%2e%2e%3b/admin'],
  ])('%s through the consumer side is refused the same way', async (_attack, rest) => {
    const before = backendCalls();
    expectXRoadError(await eco.call(`${PUBLIC}${rest}`, { headers: client }), 400, 'Client.BadRequest');
    expect(backendCalls()).toBe(before);
  });

  test('a rule must match both views a backend may route by: "secret.txt;.pdf" is denied by a right on "/*.pdf"', async () => {
    const before = backendCalls();
    expectXRoadError(await taxBoard.send('population-registry', { path: `${FILES}/secret.txt;.pdf` }), 403, 'Server.ServerProxy.AccessDenied');
    expect(backendCalls()).toBe(before);
  });

  test('path parameters that stay within the right still pass, byte for byte (matrix parameters are allowed)', async () => {
    expect((await taxBoard.send('population-registry', { path: `${PUBLIC}/public/page;lang=et/x;y` })).status).toBe(200);
    expect(lastTarget()).toBe('/public/page;lang=et/x;y');
    expect(servletView(lastTarget())).toBe('/public/page/x');
    // "/*.pdf" does not cover "report.pdf;v=2" as sent; a right meant to admit parameters says so ("/*.pdf*").
    expectXRoadError(await taxBoard.send('population-registry', { path: `${FILES}/report.pdf;v=2` }), 403, 'Server.ServerProxy.AccessDenied');
  });

  test('method overrides in the query (?_method=, ?X-HTTP-Method-Override=) are dropped like the header forms', async () => {
    expect((await eco.call(`${READONLY}/x?a=1&_method=DELETE&%5Fmethod=PUT&X-HTTP-Method-Override=DELETE&b=2`, { headers: client })).status).toBe(
      200,
    );
    expect(lastTarget()).toBe('/ro/x?a=1&b=2');
    // Signed by a hostile gateway: the provider drops them again.
    expect((await taxBoard.send('population-registry', { path: `${READONLY}/y?_method=DELETE&c=3` })).status).toBe(200);
    expect(lastTarget()).toBe('/ro/y?c=3');
  });
});

describe('finding 3: the provider forwards the caller’s identity headers, not the verified ones', () => {
  test('two X-Road-Client lines (tax-records, then crm) signed by crm’s gateway: the backend receives exactly crm', async () => {
    const response = await businessRegistry.send('population-registry', {
      path: `${ECHO}/who`,
      client: CRM_CLIENT,
      lines: [['x-road-client', TAX_CLIENT]],
    });
    expect(response.status).toBe(200);
    expect(echo.lastHeaders()['x-road-client']).toEqual([CRM_CLIENT]);
  });

  test('layer-owned headers signed by a hostile gateway never reach the backend; identity headers come from the manifest', async () => {
    const forged = {
      'x-road-request-id': 'forged',
      'x-road-service': 'DEV/GOV/70000001/population/persons',
      'x-road-request-hash': 'forged',
      'x-road-error': 'Server.ServerProxy.AccessDenied',
      'x-road-userid': 'admin',
      'x-sild-anything': 'forged',
      'x-amz-date': '20261206T000000Z',
      authorization: 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261206/eu-north-1/execute-api/aws4_request, SignedHeaders=host, Signature=00',
      'x-road-custom': 'extension',
    };
    const response = await taxBoard.send('population-registry', { path: `${ECHO}/owned`, headers: forged, manifest: { userId: 'EE38001010000' } });
    expect(response.status).toBe(200);
    const received = echo.lastHeaders();
    for (const name of [
      'x-road-request-id',
      'x-road-service',
      'x-road-request-hash',
      'x-road-error',
      'x-sild-anything',
      'x-amz-date',
      'authorization',
    ])
      expect({ name, value: received[name] }).toEqual({ name, value: undefined });
    expect(received['x-road-userid']).toEqual(['EE38001010000']);
    expect(received['x-road-client']).toEqual([TAX_CLIENT]);
    expect(received['x-road-custom']).toEqual(['extension']);
  });

  test('a manifest whose X-Road-UserId the consumer side would refuse (control characters) → 401, nothing reaches the backend', async () => {
    const before = backendCalls();
    expectXRoadError(
      await taxBoard.send('population-registry', { path: `${ECHO}/x`, manifest: { userId: 'a\r\nX-Injected: 1' } }),
      401,
      'Server.ServerProxy.InvalidSignatureValue',
    );
    expect(backendCalls()).toBe(before);
  });

  test('consumer side: two X-Road-Client lines (the HTTP API joins them with a comma) — the last one wins', async () => {
    const response = await rawCall(`${eco.agencies['tax-board'].consumerUrl}${ECHO}/last`, [
      ['x-road-client', 'DEV/GOV/70000002/other'],
      ['x-road-client', TAX_CLIENT],
    ]);
    expect(response.status).toBe(200);
    expect(echo.lastHeaders()['x-road-client']).toEqual([TAX_CLIENT]);
  });

  test('consumer side: repeated lines that read as identifiers in more than one way are refused, never guessed', async () => {
    // "…/tax-records,x" + "DEV/…" or "…/tax-records" + "x,DEV/…": parts may hold commas.
    const response = await rawCall(`${eco.agencies['tax-board'].consumerUrl}${ECHO}/ambiguous`, [
      ['x-road-client', `${TAX_CLIENT},x`],
      ['x-road-client', TAX_CLIENT],
    ]);
    expectXRoadError(response, 400, 'Client.InvalidClientIdentifier');
  });
});

describe('finding 4: a header named `constructor` or `__proto__` crashes the process', () => {
  test('a backend answering with such headers: the exchange completes, the headers pass, the gateways keep serving', async () => {
    echo.script(() => ({
      status: 200,
      headers: [
        ['content-type', 'text/plain'],
        ['constructor', 'c'],
        ['__proto__', 'p'],
        ['hasOwnProperty', 'h'],
      ],
      body: 'ok',
    }));
    try {
      const response = await eco.call(`${ECHO}/proto`, { headers: client });
      expect(response.status).toBe(200);
      expect(response.headers.constructor).toBe('c');
      expect(response.headers.hasownproperty).toBe('h');
    } finally {
      echo.script(undefined);
    }
    expect((await eco.call(`${ECHO}/after`, { headers: client })).status).toBe(200);
  });

  test('a client sending such headers: they reach the backend as ordinary headers', async () => {
    const response = await rawCall(`${eco.agencies['tax-board'].consumerUrl}${ECHO}/proto-in`, [
      ['x-road-client', TAX_CLIENT],
      ['constructor', '1'],
      ['toString', '2'],
    ]);
    expect(response.status).toBe(200);
    expect(echo.lastHeaders().constructor).toEqual(['1']);
    expect(echo.lastHeaders().tostring).toEqual(['2']);
  });

  test('a hostile provider answering `__proto__` and `constructor`: an X-Road error, and the consumer gateway keeps serving', async () => {
    await impersonateProvider(
      eco,
      'population-registry',
      (_request, response) => {
        response.writeHead(200, ['__proto__', 'x', 'constructor', 'y', 'content-type', 'text/plain']);
        response.end('hostile');
      },
      async () => expectXRoadError(await eco.call(`${ECHO}/x`, { headers: client }), 502, 'Server.ClientProxy.InvalidSignatureValue'),
    );
    expect((await eco.call(`${ECHO}/after`, { headers: client })).status).toBe(200);
  });
});

describe('finding 6: metadata services store bodies from callers without rights', () => {
  test('crm (no right to anything of population) POSTs 200 KB to listMethods: answered, logged with the body’s hash only', async () => {
    const body = Buffer.alloc(200 * 1024, 0x61);
    const response = await eco.call(`${SERVICE}/listMethods`, {
      agency: 'business-registry',
      method: 'POST',
      headers: { 'x-road-client': CRM_CLIENT, 'x-road-id': 'metadata-fill' },
      body,
    });
    expect(response.status).toBe(200);
    const [request] = (await eco.agencies['population-registry'].deps.log.find(CRM_CLIENT, 'metadata-fill')).filter(
      (record) => record.direction === 'request',
    );
    expect(request).toMatchObject({ bodyLogged: 'withheld', bodyBytes: body.length });
    expect(request.body).toBeUndefined();
    expect(request.bodyLocation).toBeUndefined();
  });
});

describe('finding 8: unbounded reads', () => {
  test('a backend answering without end: the provider stops reading at its limit and answers 502 ServiceFailed', async () => {
    const response = await eco.call(`${FLOOD}/x`, { headers: client });
    expectXRoadError(response, 502, 'Server.ServerProxy.ServiceFailed');
    expect(response.json<{ message: string }>().message).toMatch(/exceeds/);
    // 6 MiB is the limit; the backend was cut off long before it wrote 64 MiB.
    expect(flood.written()).toBeLessThan(32 * 1024 * 1024);
  });

  test('a hostile provider answering 64 MiB inline: the consumer stops reading at its limit and answers 502 NetworkError', async () => {
    let written = 0;
    await impersonateProvider(
      eco,
      'population-registry',
      (_request, response) => {
        written = 0;
        response.writeHead(200, { 'content-type': 'application/octet-stream' });
        streamUntilClosed(response, 64 * 1024 * 1024, (count) => (written = count));
      },
      async () => {
        const response = await eco.call(`${ECHO}/x`, { headers: client });
        expectXRoadError(response, 502, 'Server.ClientProxy.NetworkError');
        expect(response.json<{ message: string }>().message).toMatch(/exceeds/);
      },
    );
    expect(written).toBeLessThan(32 * 1024 * 1024);
  });
});

describe('finding 9: the consumer follows a body reference before verifying the answer', () => {
  test('an unsigned answer pointing at a body URL: refused as unsigned, the URL is never fetched', async () => {
    const fetched: string[] = [];
    const bodyServer = await listen((request, response) => {
      fetched.push(request.url ?? '');
      response.writeHead(404).end();
    });
    try {
      await impersonateProvider(
        eco,
        'population-registry',
        (_request, response) => {
          response.writeHead(200, { 'content-type': 'application/json', 'x-sild-body-url': `${bodyServer.url}/probe` });
          response.end();
        },
        async () => expectXRoadError(await eco.call(`${ECHO}/x`, { headers: client }), 502, 'Server.ClientProxy.InvalidSignatureValue'),
      );
      expect(fetched).toEqual([]);
    } finally {
      await bodyServer.stop();
    }
  });
});

describe('finding 10: a client can make its own gateway report InvalidSignatureValue', () => {
  test('HEAD to a path the client may not call: the provider’s signed refusal arrives as it is (403 AccessDenied)', async () => {
    const response = await eco.call(PERSONS, { agency: 'business-registry', method: 'HEAD', headers: { 'x-road-client': CRM_CLIENT } });
    expect({ status: response.status, type: response.headers['x-road-error'] }).toEqual({ status: 403, type: 'Server.ServerProxy.AccessDenied' });
  });

  test('HEAD to an allowed path: 200 with the backend’s headers and no body', async () => {
    const response = await eco.call(`${ECHO}/head`, { method: 'HEAD', headers: client });
    expect(response.status).toBe(200);
    expect(response.headers['x-road-error']).toBeUndefined();
  });

  test('~9 KB of small headers, which the provider’s API would refuse unsigned: refused by the consumer as the client’s (431)', async () => {
    const headers: Record<string, string> = { ...client };
    for (let index = 0; index < 300; index += 1) headers[`x-h${index}`] = 'v'.repeat(20);
    const before = backendCalls();
    expectXRoadError(await eco.call(`${ECHO}/big-head`, { headers }), 431, 'Client.RequestTooLarge');
    expect(backendCalls()).toBe(before);
  });
});

describe('finding 11: a provider can sign error types that belong to the consumer', () => {
  test('a provider’s signed Server.ClientProxy.LoggingFailed is not relayed as the consumer’s own fault', async () => {
    const providerDeps = eco.agencies['population-registry'].deps;
    await impersonateProvider(
      eco,
      'population-registry',
      (request, response) => {
        void (async () => {
          const binding = claimedBinding(request);
          const claimed = errorResponse(new XRoadError('Server.ClientProxy', 'LoggingFailed', 'your log is full'), 'Server.ClientProxy');
          const { response: signed } = await signAnswer(providerDeps, binding, claimed);
          response.writeHead(
            signed.status,
            Object.entries(signed.headers).flatMap(([name, values]) => values.flatMap((value) => [name, value])),
          );
          response.end(signed.body);
        })();
      },
      async () => {
        const response = await eco.call(`${ECHO}/x`, { headers: client });
        expectXRoadError(response, 502, 'Server.ServerProxy.InternalError');
        expect(response.json<{ message: string }>().message).toMatch(/Server\.ClientProxy\.LoggingFailed.*only a consumer gateway raises/);
      },
    );
  });

  test('the provider’s own refusals still pass as signed (Server.ServerProxy.*, Client.*)', async () => {
    expectXRoadError(
      await eco.call(PERSONS, { agency: 'business-registry', headers: { 'x-road-client': CRM_CLIENT } }),
      403,
      'Server.ServerProxy.AccessDenied',
    );
    expectXRoadError(await eco.call(`${ECHO}/..;/x`, { headers: client }), 400, 'Client.BadRequest');
  });
});

/** Writes up to `limit` bytes in 64 KB chunks, as fast as the reader takes them, until the connection closes. */
function streamUntilClosed(response: ServerResponse, limit: number, progress: (written: number) => void): void {
  const chunk = Buffer.alloc(64 * 1024, 0x62);
  let written = 0;
  let closed = false;
  response.on('close', () => (closed = true));
  const pump = () => {
    while (!closed && written < limit) {
      written += chunk.length;
      progress(written);
      if (!response.write(chunk)) {
        response.once('drain', pump);
        return;
      }
    }
    if (!closed) response.end();
  };
  pump();
}

async function listen(handle: (request: IncomingMessage, response: ServerResponse) => void): Promise<{ url: string; stop(): Promise<void> }> {
  const server: Server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A backend that answers every request with a body of up to 64 MiB, written until the reader hangs up. */
async function startFloodServer(): Promise<{ url: string; stop(): Promise<void>; written(): number }> {
  let written = 0;
  const server = await listen((_request, response) => {
    written = 0;
    response.writeHead(200, { 'content-type': 'application/octet-stream' });
    streamUntilClosed(response, 64 * 1024 * 1024, (count) => (written = count));
  });
  return { ...server, written: () => written };
}
