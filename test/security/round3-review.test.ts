/**
 * The hostile review of security round 3: each `describe` is one of its findings (B1–B10), each test an attack that
 * worked against the round-3 code — on the global configuration cache directly, and against the local ecosystem
 * over HTTP, where an echo backend reports exactly what reached it.
 */
import { mkdtempSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportEvidenceCommand, verifyEvidenceCommand, verifyLogCommand, type Output } from '../../cli/commands';
import { localTargetOf } from '../../cli/log-target';
import { buildGlobalConfiguration } from '../../lambdas/core/central/configuration-builder';
import { centralSettingsSchema } from '../../lambdas/core/central/settings';
import { signCentralKeyRotation, type CentralKeyRotation } from '../../lambdas/core/trust/central-keys';
import { errorResponse, XRoadError } from '../../lambdas/core/kernel/errors';
import { federatedCacheOptions } from '../../lambdas/core/trust/federation';
import { signAnswer } from '../../lambdas/core/exchange/gateway';
import { signGlobalConfiguration, type SignedGlobalConfiguration } from '../../lambdas/core/trust/global-configuration';
import { GlobalConfigurationCache, NO_COPY_RETRY_MS } from '../../lambdas/core/trust/global-configuration-cache';
import { headersOf } from '../../lambdas/core/kernel/http';
import { StoreUnavailableError } from '../../lambdas/core/kernel/ports';
import type { GlobalConfigurationFetcher } from '../../lambdas/core/trust/ports';
import { handleProviderRequest } from '../../lambdas/core/exchange/provider-side';
import { readOpmonLines } from '../../lib/local/opmon-files';
import { localRuntimeInfo } from '../../lib/local/runtime-info';
import { expectXRoadError, startTestEcosystem, TAX_CLIENT, testConfig, type TestEcosystem } from '../e2e/fixture';
import { startEchoBackend, type EchoBackend } from '../support/echo-backend';
import { ManualClock, MemoryConfigurationArchive, newTestKey } from '../support/memory-adapters';
import { rawCall } from '../support/raw-call';
import { claimedBinding, hostileMember, impersonateProvider, rawHeaderLines } from './hostile-member';

const SERVICE = '/r1/DEV/GOV/70000001/population';
const ECHO = `${SERVICE}/echo`;
const WRITE = `${SERVICE}/write`;
const client = { 'x-road-client': TAX_CLIENT };

let eco: TestEcosystem;
let echo: EchoBackend;

beforeAll(async () => {
  echo = await startEchoBackend();
  eco = await startTestEcosystem({
    config: testConfig((raw) => {
      const population = raw.agencies.find((agency) => agency.name === 'population-registry')!;
      population.services.push(
        { subsystem: 'population', code: 'echo', backendUrl: `${echo.url}/echo` },
        { subsystem: 'population', code: 'write', backendUrl: `${echo.url}/w` },
      );
      population.accessRights.push(
        { service: 'population/echo', subject: TAX_CLIENT, methods: ['*'], paths: ['**'] },
        { service: 'population/write', subject: TAX_CLIENT, methods: ['POST'], paths: ['**'] },
      );
    }),
  });
  for (const agency of Object.values(eco.agencies)) await agency.seal();
}, 60_000);

afterAll(async () => {
  await eco?.stop();
  await echo?.stop();
});

const providerUrl = () => eco.agencies['population-registry'].providerUrl;
const lastHeaderNames = () => echo.received.at(-1)!.headers.map(([name]) => name.toLowerCase());
const isSigned = (response: { headers: Record<string, string> }) =>
  response.headers['x-sild-manifest'] !== undefined || response.headers['x-sild-signature'] !== undefined;

describe('B1: one failed read of the kept copy at cold start let a retired central key’s fork in', () => {
  const T0 = Date.parse('2025-03-01T12:00:00.000Z');
  const retired = newTestKey(); // the key the gateway was deployed with, retired at the rotation, later leaked
  const successor = newTestKey();
  const attacker = newTestKey();

  /** The central keys of `instance` and a source serving whatever `next` is. */
  function instanceOf(instance: string) {
    const settings = centralSettingsSchema.parse({ instance, memberClasses: ['GOV'], agencies: [], validitySeconds: 600 });
    const signedWith = (signer: typeof retired, at: number, version: number, centralKeyRotations: CentralKeyRotation[]) =>
      signGlobalConfiguration(buildGlobalConfiguration([], settings, at, { version, centralKeyRotations }), signer);
    const source: GlobalConfigurationFetcher & { next?: SignedGlobalConfiguration } = {
      async fetch(accept = () => undefined) {
        accept(source.next!);
        return source.next!;
      },
    };
    return { signedWith, source };
  }

  /** The table refuses the next read once (throttling, a network blip at cold start), then answers normally. */
  class FlakyOnceArchive extends MemoryConfigurationArchive {
    failNextRead = false;
    override async latest() {
      if (this.failNextRead) {
        this.failNextRead = false;
        throw new StoreUnavailableError('gateway-config', 'ProvisionedThroughputExceededException');
      }
      return super.latest();
    }
  }

  /**
   * A gateway that followed the genuine rotation (its archive keeps version 2, chain retired → successor); then the
   * leaked key's fork is served, and a fresh container's first read of the kept copy fails.
   */
  async function attack(
    instance: string,
    container: (archive: MemoryConfigurationArchive, source: GlobalConfigurationFetcher, clock: ManualClock) => GlobalConfigurationCache,
  ) {
    const { signedWith, source } = instanceOf(instance);
    const clock = new ManualClock(T0);
    const archive = new FlakyOnceArchive();
    const rotation = await signCentralKeyRotation(instance, retired, successor, T0 + 1000);
    source.next = await signedWith(retired, T0, 1, []);
    const first = container(archive, source, clock);
    await first.current();
    source.next = await signedWith(successor, T0 + 60_000, 2, [rotation]);
    clock.advance(60_000);
    expect((await first.current()).version).toBe(2);

    source.next = await signedWith(attacker, clock.now(), 99, [await signCentralKeyRotation(instance, retired, attacker, T0 - 1000)]);
    archive.failNextRead = true;
    const fresh = container(archive, source, clock);
    const during = await fresh.current().catch((error: Error) => error);
    const keptAfter = archive.newest?.version;
    clock.advance(NO_COPY_RETRY_MS);
    const retried = await fresh.current().catch((error: Error) => error);
    source.next = await signedWith(successor, clock.now(), 3, [rotation]);
    clock.advance(60_000);
    const genuineNext = await container(archive, source, clock).current();
    return { during, keptAfter, retried, genuineNext: genuineNext.version };
  }

  test('the fork is neither taken nor kept while the kept copy is unknown; the read is retried; the genuine central’s next version is taken', async () => {
    const result = await attack(
      'DEV',
      (archive, fetcher, clock) =>
        new GlobalConfigurationCache({ anchor: { instance: 'DEV', publicKey: retired.spkiBase64 }, fetcher, clock, refreshMs: 60_000, archive }),
    );
    expect(result.during).toMatchObject({
      code: 'OutdatedGlobalConf',
      message: expect.stringMatching(/until the copy this gateway kept can be read/),
    });
    expect(result.keptAfter).toBe(2);
    // Once read, the kept chain refuses the fork (the kept copy keeps serving), and nothing but the genuine chain is kept.
    expect(result.retried).toMatchObject({ version: 2 });
    expect(result.genuineNext).toBe(3);
  });

  test('a federated instance’s cache alike', async () => {
    const result = await attack(
      'FI',
      (archive, fetcher, clock) =>
        new GlobalConfigurationCache(
          federatedCacheOptions(
            { instance: 'FI', anchorPublicKey: retired.spkiBase64, centralUrl: 'https://central.fi.example' },
            { fetcher, clock, refreshMs: 60_000, archive },
          ),
        ),
    );
    expect(result).toMatchObject({ during: { code: 'OutdatedGlobalConf' }, keptAfter: 2, retried: { version: 2 }, genuineNext: 3 });
  });
});

describe('B2–B4: the provider signed refusals of requests it never verified (a signing oracle)', () => {
  test('B2: an unauthenticated caller naming any (X-Road-Id, request id, request hash) gets an unsigned refusal', async () => {
    const claimed = { type: 'sild.request.v1', client: TAX_CLIENT, xRoadId: 'victim-id', requestId: 'victim-request', requestHash: 'victim-hash' };
    const response = await rawCall(`${providerUrl()}${ECHO}/x`, [['x-sild-manifest', Buffer.from(JSON.stringify(claimed)).toString('base64')]]);
    expect({ status: response.status, type: response.headers['x-road-error'], signed: isSigned(response) }).toEqual({
      status: 401,
      type: 'Server.ServerProxy.InvalidSignatureValue',
      signed: false,
    });
  });

  test('B3: a man in the middle swapping a served answer for the provider’s refusal of the same request, signature stripped, is reported as InvalidSignatureValue (502)', async () => {
    const providerDeps = eco.agencies['population-registry'].deps;
    let result: Awaited<ReturnType<typeof eco.call>> | undefined;
    await impersonateProvider(
      eco,
      'population-registry',
      (request, response) => {
        void (async () => {
          const body = await readAll(request);
          const [rawPath, rawQuery = ''] = (request.url ?? '/').split('?');
          const lines = rawHeaderLines(request);
          // The genuine request reaches the provider and its backend; the refusal is for the same manifest unsigned.
          expect(
            (await handleProviderRequest({ method: request.method!, rawPath, rawQuery, headers: headersOf(lines), body }, providerDeps)).status,
          ).toBe(201);
          const stripped = headersOf(lines.filter(([name]) => name.toLowerCase() !== 'x-sild-signature'));
          const refusal = await handleProviderRequest({ method: request.method!, rawPath, rawQuery, headers: stripped, body }, providerDeps);
          response.writeHead(
            refusal.status,
            Object.entries(refusal.headers).flatMap(([name, values]) => values.flatMap((value) => [name, value])),
          );
          response.end(refusal.body);
        })();
      },
      async () => {
        echo.script(() => ({ status: 201, headers: [['content-type', 'application/json']], body: '{"created":"order-42"}' }));
        try {
          result = await eco.call(`${ECHO}/orders`, { method: 'POST', headers: { ...client, 'x-road-id': 'b3-mitm' }, body: '{"pay":1000}' });
        } finally {
          echo.script(undefined);
        }
      },
    );
    expectXRoadError(result!, 502, 'Server.ClientProxy.InvalidSignatureValue');
  });

  test('B4: a log owner resending its own request — without its signature, replayed, or replayed late — gets no provider-signed refusal of the exchange it was served', async () => {
    const xRoadId = 'b4-served';
    expect((await eco.call(`${ECHO}/data`, { headers: { ...client, 'x-road-id': xRoadId } })).status).toBe(200);
    const [request] = (await eco.agencies['tax-board'].deps.log.find(TAX_CLIENT, xRoadId)).filter(
      (record) => record.side === 'consumer' && record.direction === 'request',
    );
    const sent: [string, string][] = [
      ['x-road-client', TAX_CLIENT],
      ['x-road-id', xRoadId],
      ['x-sild-manifest', request.manifest!],
    ];
    const signature: [string, string][] = [
      ['x-sild-signature', request.signature!],
      ...(request.certificate ? [['x-sild-certificate', request.certificate] as [string, string]] : []),
    ];
    const unsignedResend = await rawCall(`${providerUrl()}${request.target}`, sent);
    const replay = await rawCall(`${providerUrl()}${request.target}`, [...sent, ...signature]);
    eco.clock.advance(95_000);
    const lateReplay = await rawCall(`${providerUrl()}${request.target}`, [...sent, ...signature]);
    expect([unsignedResend, replay, lateReplay].map((response) => ({ type: response.headers['x-road-error'], signed: isSigned(response) }))).toEqual([
      { type: 'Server.ServerProxy.InvalidSignatureValue', signed: false },
      { type: 'Server.ServerProxy.DuplicateMessageId', signed: false },
      { type: 'Server.ServerProxy.StaleMessage', signed: false },
    ]);
  });
});

describe('B5: a header named `__proto__` vanished from the stored log records', () => {
  test('a client’s `__proto__` and `constructor` headers: the exchange’s records on both gateways pass sild log verify and sild evidence verify', async () => {
    const xRoadId = 'b5-proto';
    const response = await rawCall(`${eco.agencies['tax-board'].consumerUrl}${ECHO}/proto`, [
      ['x-road-client', TAX_CLIENT],
      ['x-road-id', xRoadId],
      ['__proto__', 'x'],
      ['constructor', 'y'],
    ]);
    expect(response.status).toBe(200);
    const [logged] = (await eco.agencies['tax-board'].deps.log.find(TAX_CLIENT, xRoadId)).filter((record) => record.direction === 'request');
    expect(Object.keys(logged.headers!)).toEqual(expect.arrayContaining(['__proto__', 'constructor']));
    eco.clock.advance(95_000);
    for (const agency of Object.values(eco.agencies)) await agency.seal();
    const lines: string[] = [];
    const out: Output = { line: (text) => lines.push(text), progress: () => undefined };
    const exitCodes: Record<string, number> = {};
    for (const agency of ['tax-board', 'population-registry']) {
      const target = localTargetOf(localRuntimeInfo(eco), agency);
      exitCodes[`log verify ${agency}`] = await verifyLogCommand(target, out, eco.clock.now());
      const file = join(mkdtempSync(join(tmpdir(), 'sild-b5-')), `${agency}.json`);
      exitCodes[`evidence export ${agency}`] = await exportEvidenceCommand(target, xRoadId, { client: TAX_CLIENT, out: file }, out, eco.clock.now());
      exitCodes[`evidence verify ${agency}`] = verifyEvidenceCommand(file, target.anchor, out);
    }
    expect({ exitCodes, failed: lines.filter((line) => /✗/.test(line)) }).toEqual({
      exitCodes: Object.fromEntries(
        ['tax-board', 'population-registry'].flatMap((agency) => [
          [`log verify ${agency}`, 0],
          [`evidence export ${agency}`, 0],
          [`evidence verify ${agency}`, 0],
        ]),
      ),
      failed: [],
    });
  });
});

describe('B6: identity and client-address headers in spellings backends merge with the real ones', () => {
  const underscored: [string, string][] = [
    ['X_Road_Client', 'DEV/GOV/70000001/population'],
    ['X_Road_UserId', 'admin'],
    ['X_Forwarded_For', '10.0.0.1'],
    ['X_HTTP_Method_Override', 'DELETE'],
    ['X_Original_URL', '/admin'],
  ];
  const clientAddresses: [string, string][] = [
    ['cf-connecting-ip', '10.0.0.1'],
    ['fastly-client-ip', '10.0.0.1'],
    ['x-forwarded', 'for=10.0.0.1'],
    ['forwarded-for', '10.0.0.1'],
    ['do-connecting-ip', '10.0.0.1'],
    ['x-appengine-user-ip', '10.0.0.1'],
    ['cf-pseudo-ipv4', '10.0.0.1'],
    ['true-client-ip', '10.0.0.1'],
  ];
  const smuggled = [...underscored, ...clientAddresses].map(([name]) => name.toLowerCase());

  test('X_Road_Client, X_Forwarded_For (CGI/WSGI/Rack read them as X-Road-Client, X-Forwarded-For) and CDN client-address headers from a client never reach the backend', async () => {
    const response = await rawCall(`${eco.agencies['tax-board'].consumerUrl}${ECHO}/who`, [
      ['x-road-client', TAX_CLIENT],
      ...underscored,
      ...clientAddresses,
    ]);
    expect(response.status).toBe(200);
    expect(lastHeaderNames().filter((name) => smuggled.includes(name))).toEqual([]);
  });

  test('nor when a hostile consumer gateway signs them: the provider drops them too', async () => {
    const response = await hostileMember(eco).send('population-registry', { path: `${ECHO}/who`, lines: [...underscored, ...clientAddresses] });
    expect(response.status).toBe(200);
    expect(lastHeaderNames().filter((name) => smuggled.includes(name))).toEqual([]);
  });
});

describe('B7: the consumer’s opmon took the client from the raw, comma-joined X-Road-Client header', () => {
  test('two X-Road-Client lines, another member’s (new each time) first: every record names the client the consumer established', async () => {
    const tax = eco.agencies['tax-board'];
    const since = eco.clock.now();
    for (const decoy of ['DEV/GOV/70000001/population', 'DEV/GOV/99999990/x', 'DEV/GOV/99999991/x']) {
      expect(
        (
          await rawCall(`${tax.consumerUrl}${ECHO}/opmon`, [
            ['x-road-client', decoy],
            ['x-road-client', TAX_CLIENT],
          ])
        ).status,
      ).toBe(200);
    }
    await new Promise((resolve) => setTimeout(resolve, 200)); // the opmon file is appended asynchronously
    const records = readOpmonLines(tax.opmonFile).filter((record) => (record.responseOutTs as number) >= since && record.restPath === '/opmon');
    expect(records.map((record) => [record.clientMemberCode, record.clientSubsystemCode])).toEqual([
      ['70000002', 'tax-records'],
      ['70000002', 'tax-records'],
      ['70000002', 'tax-records'],
    ]);
  });
});

describe('B8: method overrides in a form body and in query names as PHP reads them', () => {
  const backendCalls = () => echo.received.length;

  test('a POST-only right: a body carrying _method=DELETE (form, no Content-Type, multipart, JSON) is refused by the consumer before it signs, the backend untouched', async () => {
    const before = backendCalls();
    for (const [type, body] of [
      ['application/x-www-form-urlencoded', '_method=DELETE'],
      [undefined, 'a=1&_method=DELETE'],
      ['multipart/form-data; boundary=b', '--b\r\nContent-Disposition: form-data; name="_method"\r\n\r\nDELETE\r\n--b--\r\n'],
      ['application/json', '{"_method":"DELETE"}'],
    ] as const) {
      expectXRoadError(
        await eco.call(`${WRITE}/item/1`, { method: 'POST', headers: { ...client, ...(type ? { 'content-type': type } : {}) }, body }),
        400,
        'Client.BadRequest',
      );
    }
    expect(backendCalls()).toBe(before);
  });

  test('the provider refuses such a body that a hostile consumer gateway signs anyway (logged without the body, answered signed)', async () => {
    const before = backendCalls();
    const response = await hostileMember(eco).send('population-registry', {
      path: `${WRITE}/item/1`,
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: '_method=DELETE',
    });
    expect({ status: response.status, type: response.headers['x-road-error'], signed: isSigned(response) }).toEqual({
      status: 400,
      type: 'Client.BadRequest',
      signed: true,
    });
    expect(backendCalls()).toBe(before);
  });

  test.each(['.method=DELETE', '%5Bmethod=DELETE', 'a=1;_method=DELETE'])(
    'query %s (PHP reads the name as _method; ";" separates for Perl CGI, Rack 2, old parse_qs): the override never reaches the backend',
    async (query) => {
      expect((await eco.call(`${WRITE}/x?${query}`, { method: 'POST', headers: client, body: 'x' })).status).toBe(200);
      expect(echo.received.at(-1)!.target).not.toMatch(/method=DELETE/);
      expect((await hostileMember(eco).send('population-registry', { path: `${WRITE}/x?${query}`, method: 'POST', body: 'x' })).status).toBe(200);
      expect(echo.received.at(-1)!.target).not.toMatch(/method=DELETE/);
    },
  );
});

describe('B9: a %u escape, double-encoded, passed the double-encoding rule', () => {
  test.each(['%25u002e%25u002e', 'x%25u002fy', '%25uFF0E%25uFF0E', '%25C0%25AE%25C0%25AE'])(
    '/%s/admin (a backend decoding twice sees a dot segment or a separator) → Client.BadRequest on both sides, the backend untouched',
    async (segment) => {
      const before = echo.received.length;
      expectXRoadError(await eco.call(`${ECHO}/public/${segment}/admin`, { headers: client }), 400, 'Client.BadRequest');
      const signedAnyway = await hostileMember(eco).send('population-registry', { path: `${ECHO}/public/${segment}/admin` });
      expect({ status: signedAnyway.status, type: signedAnyway.headers['x-road-error'] }).toEqual({ status: 400, type: 'Client.BadRequest' });
      expect(echo.received.length).toBe(before);
    },
  );
});

describe('B10: the relay rule read only the last X-Road-Error value and never the error body’s type', () => {
  const consumerFault = errorResponse(
    new XRoadError('Server.ClientProxy', 'LoggingFailed', 'your message log is full: page your operators'),
    'Server.ClientProxy',
  );
  test.each([
    [
      'two X-Road-Error lines, the consumer type first',
      {
        ...consumerFault,
        headers: { ...consumerFault.headers, 'x-road-error': ['Server.ClientProxy.LoggingFailed', 'Server.ServerProxy.AccessDenied'] },
      },
    ],
    [
      'a provider type in the header, the consumer type in the body',
      { ...consumerFault, headers: { ...consumerFault.headers, 'x-road-error': ['Server.ServerProxy.AccessDenied'] } },
    ],
  ])(
    'a hostile provider signs %s: not relayed (Server.ServerProxy.InternalError, 502), the client never sees Server.ClientProxy',
    async (_what, answer) => {
      const providerDeps = eco.agencies['population-registry'].deps;
      let seen: Awaited<ReturnType<typeof eco.call>> | undefined;
      await impersonateProvider(
        eco,
        'population-registry',
        (request, response) => {
          void (async () => {
            const { response: signed } = await signAnswer(providerDeps, claimedBinding(request), { ...answer, status: 503 });
            response.writeHead(
              signed.status,
              Object.entries(signed.headers).flatMap(([name, values]) => values.flatMap((value) => [name, value])),
            );
            response.end(signed.body);
          })();
        },
        async () => {
          seen = await eco.call(`${ECHO}/x`, { headers: client });
        },
      );
      expectXRoadError(seen!, 502, 'Server.ServerProxy.InternalError');
      expect(seen!.headers['x-road-error']).not.toMatch(/ClientProxy/);
    },
  );
});

async function readAll(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
