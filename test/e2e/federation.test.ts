/**
 * Federation, end to end: the demo's two instances (`config/federation/`), DEV and FI, each with its own central,
 * emulators and gateways. FI's client calls DEV's population registry across the instances; the refusals name
 * what is missing; a foreign configuration that does not verify, or expires, stops only that instance's exchanges.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportEvidenceCommand, verifyEvidenceCommand, verifyLogCommand, type Output } from '../../cli/commands';
import { localTargetOf } from '../../cli/log-target';
import type { EvidenceBundle } from '../../lambdas/core/log/evidence';
import { localRuntimeInfo } from '../../lib/local/runtime-info';
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  GLOBAL_CONFIGURATION_TYPE,
  signGlobalConfiguration,
  type FederatedInstance,
  type GlobalConfigurationDocument,
} from '../../lambdas/core/trust/global-configuration';
import { startLocalFederation, type LocalFederation } from '../../lib/local/federation';
import { newTestKey } from '../support/memory-adapters';
import { httpCall } from '../../lib/local/http-call';
import { expectXRoadError, PERSONS, TAX_CLIENT, TestClock } from './fixture';
import { soapDemoRequest } from '../../lib/local/soap-demo';
import { soapPartDigest } from '../../lambdas/core/exchange/protocols/soap/response';

const FI_CLIENT = 'FI/GOV/1234567-8/tax';
const FI_AUDIT = 'FI/GOV/1234567-8/audit';
const FI_STATS = 'FI/GOV/1234567-8/stats';
const readConfig = (name: string) =>
  JSON.parse(readFileSync(`config/federation/${name}.json`, 'utf8')) as Record<string, unknown> & { agencies: { subsystems: string[] }[] };

let federation: LocalFederation;
const clock = new TestClock();
/** The key of a hostile partner central, XX, that population-registry also federates with (see the describe below). */
const hostile = newTestKey();
beforeAll(async () => {
  // Two more FI clients: audit, in FI's global group `auditors` (DEV grants the group reads), and stats, without a right.
  const fi = readConfig('fi') as ReturnType<typeof readConfig> & { central: { globalGroups?: object[] } };
  fi.agencies[0].subsystems.push('audit', 'stats');
  fi.central.globalGroups = [{ code: 'auditors', description: 'Finnish auditors', members: [FI_AUDIT] }];
  const dev = readConfig('dev') as ReturnType<typeof readConfig> & {
    central: { federation: object[] };
    agencies: { federation?: string[]; accessRights: object[]; services: object[] }[];
  };
  dev.agencies[0].accessRights.push({ service: 'population/persons', subject: 'globalgroup:FI/auditors', methods: ['GET'], paths: ['/*'] });
  // The demo's SOAP service, which FI's client may call across the instances.
  dev.agencies[0].services.push({
    subsystem: 'population',
    code: 'getPerson',
    type: 'soap',
    version: 'v1',
    backendUrl: 'http://127.0.0.1:4080/soap/population',
    wsdl: '../population-registry.wsdl',
  });
  dev.agencies[0].accessRights.push({ service: 'population/getPerson', subject: FI_CLIENT });
  dev.central.federation.push({ instance: 'XX', anchorPublicKey: hostile.spkiBase64, centralUrl: 'http://127.0.0.1:9' });
  dev.agencies[0].federation!.push('XX');
  federation = await startLocalFederation(
    [
      { config: dev, baseDir: 'config/federation' },
      { config: fi, baseDir: 'config/federation' },
    ],
    { ephemeralPorts: true, clock, sealOnTimer: false, canaryOnTimer: false },
  );
  devFederation = (await federation.instances.DEV.agencies['population-registry'].deps.globalConfiguration.current()).document.federatedInstances;
});
/** DEV's federated instances as deployed (tests that "redeploy" DEV's central start from these). */
let devFederation: FederatedInstance[];
afterAll(async () => {
  await federation?.stop();
});

const dev = () => federation.instances.DEV;
const fi = () => federation.instances.FI;
const fromFinland = (path: string, options: { client?: string; method?: string; headers?: Record<string, string>; body?: string } = {}) =>
  httpCall(`${fi().agencies['fi-tax-office'].consumerUrl}${path}`, {
    method: options.method,
    headers: { 'x-road-client': options.client ?? FI_CLIENT, ...options.headers },
    body: options.body,
  });

test("a cross-border GET: FI's client reads DEV's service, with every X-Road response header", async () => {
  const response = await fromFinland(`${PERSONS}/123`, { headers: { 'x-road-id': 'fed-get-1', 'x-road-userid': 'FI12345' } });
  expect(response.status).toBe(200);
  expect(response.json()).toMatchObject({ id: '123' });
  expect(response.headers).toMatchObject({
    'x-road-client': FI_CLIENT,
    'x-road-service': 'DEV/GOV/70000001/population/persons',
    'x-road-id': 'fed-get-1',
    'x-road-request-id': expect.stringMatching(/^[0-9a-f-]{36}$/),
    'x-road-request-hash': expect.any(String),
  });
  // Each side logged it under its own instance's view: the DEV provider verified the FI gateway's signature.
  const [providerRecord] = await dev().agencies['population-registry'].deps.log.find(FI_CLIENT, 'fed-get-1');
  expect(providerRecord).toMatchObject({ side: 'provider', client: FI_CLIENT, service: 'DEV/GOV/70000001/population/persons' });
});

test("a cross-border SOAP call: FI's client calls DEV's SOAP service at its consumer root, through the same pipeline", async () => {
  const request = soapDemoRequest(
    {
      consumer: 'fi-tax-office',
      provider: 'population-registry',
      client: FI_CLIENT,
      service: 'DEV/GOV/70000001/population/getPerson',
      version: 'v1',
    },
    'fed-soap-1',
  );
  const response = await httpCall(`${fi().agencies['fi-tax-office'].consumerUrl}/`, {
    method: 'POST',
    headers: { 'content-type': 'text/xml; charset=utf-8' },
    body: request,
  });
  expect(response.status).toBe(200);
  expect(response.headers['x-road-error']).toBeUndefined();
  const answer = response.body.toString('utf8');
  expect(answer).toContain('<givenName>Mari</givenName>');
  expect(answer).toContain(`>${soapPartDigest(Buffer.from(request))}</xrd:requestHash>`);
  const [providerRecord] = await dev().agencies['population-registry'].deps.log.find(FI_CLIENT, 'fed-soap-1');
  expect(providerRecord).toMatchObject({
    side: 'provider',
    client: FI_CLIENT,
    service: 'DEV/GOV/70000001/population/getPerson',
    method: 'POST',
    target: '/',
  });
});

test('a cross-border POST carries its body both ways', async () => {
  const body = JSON.stringify({ givenName: 'Aino', familyName: 'Virtanen' });
  const response = await fromFinland(PERSONS, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  expect(response.status).toBe(201);
  expect(response.json()).toMatchObject({ givenName: 'Aino' });
});

describe('evidence of a cross-border exchange', () => {
  const capture = (): Output & { lines: string[] } => {
    const lines: string[] = [];
    return { lines, line: (text) => lines.push(text), progress: () => undefined };
  };
  const target = (instance: 'DEV' | 'FI', agency: string) => localTargetOf(localRuntimeInfo(federation.instances[instance]), agency);
  const exported = (instance: 'DEV' | 'FI', agency: string) => {
    const file = join(mkdtempSync(join(tmpdir(), 'sild-fed-')), `${instance}.json`);
    return exportEvidenceCommand(target(instance, agency), 'fed-ev-1', { client: FI_CLIENT, out: file }, capture(), clock.now()).then((code) => ({
      code,
      file,
    }));
  };

  beforeAll(async () => {
    for (const ecosystem of [dev(), fi()]) for (const agency of Object.values(ecosystem.agencies)) await agency.seal(); // genesis
    expect((await fromFinland(`${PERSONS}/123`, { headers: { 'x-road-id': 'fed-ev-1' } })).status).toBe(200);
    clock.advance(95_000); // the window closes (plus grace)
    await dev().agencies['population-registry'].seal();
    await fi().agencies['fi-tax-office'].seal();
  });

  test('the provider side (DEV) exports it with the FI configuration; it verifies offline with the DEV anchor alone, and with both anchors', async () => {
    const { code, file } = await exported('DEV', 'population-registry');
    expect(code).toBe(0);
    const bundle = JSON.parse(readFileSync(file, 'utf8')) as EvidenceBundle;
    expect(bundle.federatedConfigurations?.map((signed) => JSON.parse(signed.document).instance)).toEqual(['FI']);
    const devAnchor = await dev().anchor();
    const fiAnchor = await fi().anchor();
    const alone = capture();
    expect(verifyEvidenceCommand(file, devAnchor, alone)).toBe(0);
    expect(alone.lines.join('\n')).toMatch(/✓ global configuration of FI: signed by the anchor DEV publishes for it/);
    expect(alone.lines.join('\n')).toMatch(/✓ provider request: manifest signed by FI\/GOV\/1234567-8\/fi-tax-office/);
    expect(verifyEvidenceCommand(file, devAnchor, capture(), [fiAnchor])).toBe(0);
    // Another key for FI than the one that signed its configuration: the foreign signer can no longer be vouched for.
    const wrong = capture();
    expect(verifyEvidenceCommand(file, devAnchor, wrong, [{ instance: 'FI', publicKey: hostile.spkiBase64 }])).toBe(1);
    expect(wrong.lines.join('\n')).toMatch(/✗ global configuration of FI: signed by the given anchor/);
  });

  test('the consumer side (FI) exports it with the DEV configuration, verified with the FI anchor', async () => {
    const { code, file } = await exported('FI', 'fi-tax-office');
    expect(code).toBe(0);
    const out = capture();
    expect(verifyEvidenceCommand(file, await fi().anchor(), out)).toBe(0);
    expect(out.lines.join('\n')).toMatch(/✓ consumer response: manifest signed by DEV\/GOV\/70000001\/population-registry/);
  });

  test('sild log verify checks the foreign-signed records with the foreign configurations the gateway kept', async () => {
    const out = capture();
    expect(await verifyLogCommand(target('DEV', 'population-registry'), out, clock.now())).toBe(0);
    expect(out.lines.join('\n')).toContain('problems:        none');
  });
});

test('a foreign client without an access right is refused by the provider', async () => {
  expectXRoadError(await fromFinland(`${PERSONS}/123`, { client: FI_STATS }), 403, 'Server.ServerProxy.AccessDenied');
});

test("access rights may name a foreign global group: FI's auditors may read, not write", async () => {
  expect((await fromFinland(`${PERSONS}/123`, { client: FI_AUDIT })).status).toBe(200);
  expectXRoadError(
    await fromFinland(PERSONS, { client: FI_AUDIT, method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }),
    403,
    'Server.ServerProxy.AccessDenied',
  );
});

test('listClients?xRoadInstance=FI lists the foreign members on a gateway that federates with FI; elsewhere none', async () => {
  const listed = await httpCall(`${dev().agencies['population-registry'].consumerUrl}/listClients?xRoadInstance=FI`, {
    headers: { accept: 'application/json' },
  });
  expect(listed.status).toBe(200);
  const ids = listed.json<{ member: { id: Record<string, string> }[] }>().member.map((entry) => entry.id);
  expect(ids).toContainEqual({
    object_type: 'SUBSYSTEM',
    xroad_instance: 'FI',
    member_class: 'GOV',
    member_code: '1234567-8',
    subsystem_code: 'tax',
  });
  const notFederating = await httpCall(`${dev().agencies['tax-board'].consumerUrl}/listClients?xRoadInstance=FI`, {
    headers: { accept: 'application/json' },
  });
  expect(notFederating.json()).toEqual({ member: [] });
});

test("GET /health reports each followed instance's configuration (beside, not in, the gateway's own status)", async () => {
  const health = await httpCall(`${dev().agencies['population-registry'].consumerUrl}/health`);
  expect(health.status).toBe(200);
  expect(health.json()).toMatchObject({ status: 'ok', federation: { FI: { ok: true, version: expect.any(Number) } } });
  expect(health.json<Record<string, unknown>>().federation).not.toHaveProperty('DEV');
  expect((await httpCall(`${dev().agencies['tax-board'].consumerUrl}/health`)).json()).not.toHaveProperty('federation');
});

test('an instance the central does not federate with, and a gateway that did not opt in, are refused', async () => {
  expectXRoadError(await fromFinland('/r1/SE/GOV/555/tax/returns'), 400, 'Server.ClientProxy.UnknownMember');
  // tax-board (DEV) did not opt in to the federation with FI.
  const response = await httpCall(`${dev().agencies['tax-board'].consumerUrl}/r1/FI/GOV/1234567-8/tax/returns`, {
    headers: { 'x-road-client': TAX_CLIENT },
  });
  expectXRoadError(response, 400, 'Server.ClientProxy.UnknownMember');
  expect(response.json<{ message: string }>().message).toMatch(/does not take part in the federation with FI/);
});

test("a foreign configuration that does not verify with the anchor DEV's central publishes for FI is refused", async () => {
  const wrongKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
  await dev().federate(devFederation.map((entry) => (entry.instance === 'FI' ? { ...entry, anchorPublicKey: wrongKey } : entry)));
  try {
    clock.advance(61_000);
    // Without FI's configuration DEV's provider cannot verify the request: its refusal is unsigned, and FI's consumer
    // reports it with its status.
    expectXRoadError(await fromFinland(`${PERSONS}/123`), 503, 'Server.ClientProxy.NetworkError');
    const refusal = await dev()
      .agencies['population-registry'].deps.globalConfiguration.forInstance('FI', 'Server.ServerProxy')
      .catch((error: Error) => error);
    expect(refusal).toMatchObject({
      code: 'OutdatedGlobalConf',
      message: expect.stringMatching(/No valid global configuration of FI .*does not verify with the anchor key/),
    });
    // DEV's own exchanges go on.
    const local = await httpCall(`${dev().agencies['tax-board'].consumerUrl}${PERSONS}/123`, { headers: { 'x-road-client': TAX_CLIENT } });
    expect(local.status).toBe(200);
  } finally {
    await dev().federate(devFederation);
  }
});

describe('a hostile partner central (it controls its own key and configuration)', () => {
  let server: Server;
  let served: GlobalConfigurationDocument;
  let version = 1;
  const document = (
    gateways: GlobalConfigurationDocument['gateways'],
    services: GlobalConfigurationDocument['services'],
  ): GlobalConfigurationDocument => ({
    type: GLOBAL_CONFIGURATION_TYPE,
    instance: 'XX',
    version: version++,
    generatedAt: new Date(clock.now()).toISOString(),
    expiresAt: new Date(clock.now() + 600_000).toISOString(),
    memberClasses: ['GOV'],
    members: [{ id: 'XX/GOV/1', name: 'Hostile', subsystems: ['svc'] }],
    gateways,
    services,
    globalGroups: [],
    centralKeyRotations: [],
    federatedInstances: [],
  });
  const asPopulationRegistry = (path: string) =>
    httpCall(`${dev().agencies['population-registry'].consumerUrl}${path}`, { headers: { 'x-road-client': 'DEV/GOV/70000001/population' } });

  beforeAll(async () => {
    server = createServer((_request, response) => {
      void signGlobalConfiguration(served, hostile).then((signed) =>
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(signed)),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    devFederation = devFederation.map((entry) =>
      entry.instance === 'XX' ? { ...entry, centralUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` } : entry,
    );
    await dev().federate(devFederation);
  });
  afterAll(() => {
    server?.close();
  });

  test("its configuration cannot vouch for another instance's gateway (here DEV's own tax-board)", async () => {
    served = document(
      [
        {
          id: 'DEV/GOV/70000002/tax-board',
          owner: 'XX/GOV/1',
          providerUrl: 'https://gateway.xx.example',
          clients: ['XX/GOV/1/svc'],
          keys: [{ keyId: 'k', publicKey: hostile.spkiBase64 }],
        },
      ],
      [],
    );
    clock.advance(61_000);
    const response = await asPopulationRegistry('/listClients?xRoadInstance=XX');
    expectXRoadError(response, 503, 'Server.ClientProxy.OutdatedGlobalConf');
    expect(response.json<{ message: string }>().message).toMatch(/names DEV\/GOV\/70000002\/tax-board, which is not of its instance/);
  });

  test('its provider URLs cannot point into the calling gateway’s own network', async () => {
    served = document(
      [
        {
          id: 'XX/GOV/1/gw',
          owner: 'XX/GOV/1',
          providerUrl: 'https://10.0.0.5',
          clients: ['XX/GOV/1/svc'],
          keys: [{ keyId: 'k', publicKey: hostile.spkiBase64 }],
        },
      ],
      [{ id: 'XX/GOV/1/svc/data', gateway: 'XX/GOV/1/gw' }],
    );
    clock.advance(61_000);
    const response = await asPopulationRegistry('/r1/XX/GOV/1/svc/data');
    expectXRoadError(response, 502, 'Server.ClientProxy.NetworkError');
    expect(response.json<{ message: string }>().message).toMatch(/not on a public address/);
  });
});

test("FI's configuration expiring stops only FI's exchanges", async () => {
  await fi().central.stop();
  clock.advance(11 * 60_000); // past FI's 600 s validity; DEV's central keeps publishing
  for (const agency of Object.values(dev().agencies)) await agency.seal(); // as DEV's sealer schedule does meanwhile
  const foreign = await httpCall(`${dev().agencies['population-registry'].consumerUrl}/listClients?xRoadInstance=FI`, {
    headers: { accept: 'application/json' },
  });
  expectXRoadError(foreign, 503, 'Server.ClientProxy.OutdatedGlobalConf');
  const health = await httpCall(`${dev().agencies['population-registry'].consumerUrl}/health`);
  expect(health.status).toBe(200);
  expect(health.json()).toMatchObject({
    status: 'ok',
    federation: { FI: { ok: false, problem: expect.stringMatching(/global configuration of FI has expired/) } },
  });
  const local = await httpCall(`${dev().agencies['tax-board'].consumerUrl}${PERSONS}/123`, { headers: { 'x-road-client': TAX_CLIENT } });
  expect(local.status).toBe(200);
});
