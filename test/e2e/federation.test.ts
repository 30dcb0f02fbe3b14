/**
 * Federation, end to end: the demo's two instances (`config/federation/`), DEV and FI, each with its own central,
 * emulators and gateways. FI's client calls DEV's population registry across the instances; the refusals name
 * what is missing; a foreign configuration that does not verify, or expires, stops only that instance's exchanges.
 */
import { readFileSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import { startLocalFederation, type LocalFederation } from '../../lib/local/federation';
import { httpCall } from '../../lib/local/http-call';
import { expectXRoadError, PERSONS, TAX_CLIENT, TestClock } from './fixture';

const FI_CLIENT = 'FI/GOV/1234567-8/tax';
const FI_AUDIT = 'FI/GOV/1234567-8/audit';
const readConfig = (name: string) => JSON.parse(readFileSync(`config/federation/${name}.json`, 'utf8')) as Record<string, unknown> & { agencies: { subsystems: string[] }[] };

let federation: LocalFederation;
const clock = new TestClock();
beforeAll(async () => {
  const fi = readConfig('fi');
  fi.agencies[0].subsystems.push('audit'); // a second FI client, without an access right in DEV
  federation = await startLocalFederation([{ config: readConfig('dev'), baseDir: 'config/federation' }, { config: fi, baseDir: 'config/federation' }], { ephemeralPorts: true, clock, sealOnTimer: false, canaryOnTimer: false });
});
afterAll(async () => {
  await federation?.stop();
});

const dev = () => federation.instances.DEV;
const fi = () => federation.instances.FI;
const fromFinland = (path: string, options: { client?: string; method?: string; headers?: Record<string, string>; body?: string } = {}) =>
  httpCall(`${fi().agencies['fi-tax-office'].consumerUrl}${path}`, { method: options.method, headers: { 'x-road-client': options.client ?? FI_CLIENT, ...options.headers }, body: options.body });

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

test('a cross-border POST carries its body both ways', async () => {
  const body = JSON.stringify({ givenName: 'Aino', familyName: 'Virtanen' });
  const response = await fromFinland(PERSONS, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  expect(response.status).toBe(201);
  expect(response.json()).toMatchObject({ givenName: 'Aino' });
});

test('a foreign client without an access right is refused by the provider', async () => {
  expectXRoadError(await fromFinland(`${PERSONS}/123`, { client: FI_AUDIT }), 403, 'Server.ServerProxy.AccessDenied');
});

test('listClients?xRoadInstance=FI lists the foreign members on a gateway that federates with FI; elsewhere none', async () => {
  const listed = await httpCall(`${dev().agencies['population-registry'].consumerUrl}/listClients?xRoadInstance=FI`);
  expect(listed.status).toBe(200);
  const ids = listed.json<{ member: { id: Record<string, string> }[] }>().member.map((entry) => entry.id);
  expect(ids).toContainEqual({ object_type: 'SUBSYSTEM', xroad_instance: 'FI', member_class: 'GOV', member_code: '1234567-8', subsystem_code: 'tax' });
  const notFederating = await httpCall(`${dev().agencies['tax-board'].consumerUrl}/listClients?xRoadInstance=FI`);
  expect(notFederating.json()).toEqual({ member: [] });
});

test('an instance the central does not federate with, and a gateway that did not opt in, are refused', async () => {
  expectXRoadError(await fromFinland('/r1/SE/GOV/555/tax/returns'), 400, 'Server.ClientProxy.UnknownMember');
  // tax-board (DEV) did not opt in to the federation with FI.
  const response = await httpCall(`${dev().agencies['tax-board'].consumerUrl}/r1/FI/GOV/1234567-8/tax/returns`, { headers: { 'x-road-client': TAX_CLIENT } });
  expectXRoadError(response, 400, 'Server.ClientProxy.UnknownMember');
  expect(response.json<{ message: string }>().message).toMatch(/does not take part in the federation with FI/);
});

test("a foreign configuration that does not verify with the anchor DEV's central publishes for FI is refused", async () => {
  const wrongKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
  const [entry] = (await dev().agencies['population-registry'].deps.globalConfiguration.current()).document.federatedInstances;
  await dev().federate([{ ...entry, anchorPublicKey: wrongKey }]);
  try {
    clock.advance(61_000);
    const response = await fromFinland(`${PERSONS}/123`);
    expectXRoadError(response, 503, 'Server.ServerProxy.OutdatedGlobalConf');
    expect(response.json<{ message: string }>().message).toMatch(/No valid global configuration of FI .*does not verify with the anchor key/);
    // DEV's own exchanges go on.
    const local = await httpCall(`${dev().agencies['tax-board'].consumerUrl}${PERSONS}/123`, { headers: { 'x-road-client': TAX_CLIENT } });
    expect(local.status).toBe(200);
  } finally {
    await dev().federate([entry]);
  }
});

test("FI's configuration expiring stops only FI's exchanges", async () => {
  await fi().central.stop();
  clock.advance(11 * 60_000); // past FI's 600 s validity; DEV's central keeps publishing
  const foreign = await httpCall(`${dev().agencies['population-registry'].consumerUrl}/listClients?xRoadInstance=FI`);
  expectXRoadError(foreign, 503, 'Server.ClientProxy.OutdatedGlobalConf');
  const local = await httpCall(`${dev().agencies['tax-board'].consumerUrl}${PERSONS}/123`, { headers: { 'x-road-client': TAX_CLIENT } });
  expect(local.status).toBe(200);
});
