/**
 * One X-Road REST message across two gateways, end to end over real HTTP: tax-board's consumer side →
 * population-registry's provider side → the sample backend, with dynalite and the local KMS endpoint behind them.
 */
import { readFileSync } from 'node:fs';
import { requestHash, signedHeaderNames } from '../../lambdas/core/kernel/hashing';
import { httpCall } from '../../lib/local/http-call';
import { GATEWAY_RESPONSES } from '../../lib/routes';
import { agencyStackName } from '../../lib/stacks/sild-stacks';
import { impersonateProvider, rawHeaderLines } from '../security/hostile-member';
import { demoConfig, resourcesOfType, synth } from '../support/synth';
import { rateLimitsFor } from '../support/waf';
import { CRM_CLIENT, expectXRoadError, PERSONS, startTestEcosystem, TAX_CLIENT, type TestEcosystem } from './fixture';

let eco: TestEcosystem;
beforeAll(async () => {
  eco = await startTestEcosystem();
});
afterAll(async () => {
  await eco?.stop();
});
afterEach(() => eco.dynamodb.setRule(undefined));

const consumerRecords = (xRoadId: string) => eco.agencies['tax-board'].deps.log.find(TAX_CLIENT, xRoadId);
const providerRecords = (xRoadId: string) => eco.agencies['population-registry'].deps.log.find(TAX_CLIENT, xRoadId);

describe('a successful exchange', () => {
  test('GET returns the person with every X-Road response header, and the client can recompute the request hash', async () => {
    const sent = { 'x-road-client': TAX_CLIENT, 'x-road-userid': 'EE38001010000', accept: 'application/json', 'x-custom-trace': 'abc' };
    const response = await eco.call(`${PERSONS}/123`, { headers: sent });

    expect(response.status).toBe(200);
    expect(response.json()).toEqual({ id: '123', givenName: 'Mari', familyName: 'Maasikas', dateOfBirth: '1990-04-12' });
    expect(response.headers['x-road-client']).toBe(TAX_CLIENT);
    expect(response.headers['x-road-service']).toBe('DEV/GOV/70000001/population/persons');
    expect(response.headers['x-road-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.headers['x-road-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.headers['x-road-error']).toBeUndefined();
    const hashed = { ...sent, 'x-road-id': response.headers['x-road-id'] };
    expect(response.headers['x-road-request-hash']).toBe(requestHash('GET', `${PERSONS}/123`, hashed, signedHeaderNames(hashed), Buffer.alloc(0)));
    // Internal signature headers stay between the gateways.
    expect(Object.keys(response.headers).filter((name) => name.startsWith('x-sild-'))).toEqual([]);
  });

  test('POST carries the body both ways; the hash covers the body and a given X-Road-Id is kept', async () => {
    const body = JSON.stringify({ givenName: 'Kati', familyName: 'Karu' });
    const sent = { 'x-road-client': TAX_CLIENT, 'x-road-id': 'post-1', 'content-type': 'application/json' };
    const response = await eco.call(PERSONS, { method: 'POST', headers: sent, body });

    expect(response.status).toBe(201);
    expect(response.json()).toEqual({ givenName: 'Kati', familyName: 'Karu', created: true });
    expect(response.headers['x-road-id']).toBe('post-1');
    expect(response.headers['x-road-request-hash']).toBe(requestHash('POST', PERSONS, sent, signedHeaderNames(sent), Buffer.from(body)));
  });

  test('both gateways log the request and the response, with manifests, signatures and bodies', async () => {
    const response = await eco.call(`${PERSONS}/456`, { headers: { 'x-road-client': TAX_CLIENT, 'x-road-id': 'logged-1' } });
    expect(response.status).toBe(200);

    const consumer = await consumerRecords('logged-1');
    const provider = await providerRecords('logged-1');
    expect(consumer.map((record) => `${record.side}#${record.direction}`).sort()).toEqual(['consumer#request', 'consumer#response']);
    expect(provider.map((record) => `${record.side}#${record.direction}`).sort()).toEqual(['provider#request', 'provider#response']);
    for (const record of [...consumer, ...provider]) {
      expect(record).toMatchObject({
        client: TAX_CLIENT,
        xRoadId: 'logged-1',
        service: 'DEV/GOV/70000001/population/persons',
        method: 'GET',
        target: `${PERSONS}/456`,
      });
      expect(record.manifest).toBeTruthy();
      expect(record.signature).toBeTruthy();
    }
    const response200 = consumer.find((record) => record.direction === 'response')!;
    expect(response200.status).toBe(200);
    expect(response200.body?.toString('utf8')).toBe(response.body.toString('utf8'));
    // The request record precedes the response record on each side.
    for (const records of [consumer, provider]) {
      const [request, reply] = ['request', 'response'].map((direction) => records.find((record) => record.direction === direction)!);
      expect(request.loggedAt <= reply.loggedAt).toBe(true);
    }
  });

  test("a backend's own 404 passes through unchanged, without X-Road-Error", async () => {
    const response = await eco.call(`${PERSONS}/999`, { headers: { 'x-road-client': TAX_CLIENT } });
    expect(response.status).toBe(404);
    expect(response.headers['x-road-error']).toBeUndefined();
    expect(response.json()).toEqual({ error: 'not_found', message: 'No person with id 999' });
    expect(response.headers['x-road-id']).toBeDefined();
  });
});

describe('refusals', () => {
  test('a client without access rights gets AccessDenied from the provider', async () => {
    const response = await eco.call(`${PERSONS}/123`, { agency: 'business-registry', headers: { 'x-road-client': CRM_CLIENT } });
    expectXRoadError(response, 403, 'Server.ServerProxy.AccessDenied');
  });

  test('the provider reads its access policy from its table: a new right takes effect within a minute, no redeploy', async () => {
    const provider = eco.agencies['population-registry'].deps;
    const original = await provider.config.accessPolicy();
    const crmCall = () => eco.call(`${PERSONS}/123`, { agency: 'business-registry', headers: { 'x-road-client': CRM_CLIENT } });
    try {
      await provider.config.putAccessPolicy({
        ...original,
        accessRights: [...original.accessRights, { subsystem: 'population', service: 'persons', subject: CRM_CLIENT, method: 'GET', path: '/*' }],
      });
      expectXRoadError(await crmCall(), 403, 'Server.ServerProxy.AccessDenied'); // the cached policy still holds
      eco.clock.advance(61_000);
      expect((await crmCall()).status).toBe(200);
    } finally {
      await provider.config.putAccessPolicy(original);
      eco.clock.advance(61_000);
    }
    expectXRoadError(await crmCall(), 403, 'Server.ServerProxy.AccessDenied');
  });

  test('an unknown service gets UnknownService', async () => {
    const response = await eco.call('/r1/DEV/GOV/70000001/population/vehicles/1', { headers: { 'x-road-client': TAX_CLIENT } });
    expectXRoadError(response, 404, 'Server.ClientProxy.UnknownService');
  });

  test('a missing X-Road-Client gets MissingHeader', async () => {
    expectXRoadError(await eco.call(`${PERSONS}/123`), 400, 'Client.MissingHeader');
  });

  test('a malformed X-Road-Client gets InvalidClientIdentifier', async () => {
    expectXRoadError(await eco.call(`${PERSONS}/123`, { headers: { 'x-road-client': 'DEV/GOV' } }), 400, 'Client.InvalidClientIdentifier');
    expectXRoadError(
      await eco.call(`${PERSONS}/123`, { headers: { 'x-road-client': 'DEV/GOV/70000002/tax records' } }),
      400,
      'Client.InvalidClientIdentifier',
    );
  });

  test("a client of another agency cannot use this agency's gateway", async () => {
    const response = await eco.call(`${PERSONS}/123`, { headers: { 'x-road-client': CRM_CLIENT } });
    expectXRoadError(response, 400, 'Client.InvalidClientIdentifier');
  });

  test('a reused X-Road-Id is refused before anything is forwarded', async () => {
    const headers = { 'x-road-client': TAX_CLIENT, 'x-road-id': 'once-only' };
    expect((await eco.call(`${PERSONS}/123`, { headers })).status).toBe(200);
    const calls = eco.backend.received.length;
    expectXRoadError(await eco.call(`${PERSONS}/123`, { headers }), 409, 'Server.ClientProxy.DuplicateMessageId');
    expect(eco.backend.received.length).toBe(calls);
  });

  test('the backend being down is a layer error with X-Road-Error', async () => {
    const response = await eco.call('/r1/DEV/GOV/70000001/population/unreachable', { headers: { 'x-road-client': TAX_CLIENT } });
    expectXRoadError(response, 502, 'Server.ServerProxy.ServiceFailed');
  });
});

// The provider's REST API refuses on its own, before its gateway sees the request: its web ACL blocks an address above
// its rate (403 — WAF_FILTERED, which API Gateway answers with the default 4XX response, in Sild's X-Road form) and its
// stage throttles (429). Nobody signed those answers: the rule for unsigned answers (docs/security.md row 4) reports
// them as NetworkError with their status, never as the provider's, whatever type they claim.
describe("the provider's API refuses before its gateway", () => {
  const providerWebAcl = Object.values(
    resourcesOfType(synth(demoConfig()).templateJson(agencyStackName('DEV', { name: 'population-registry' })), 'AWS::WAFv2::WebACL'),
  )[0];

  test.each([
    ['its web ACL blocks the address', 403, GATEWAY_RESPONSES.DEFAULT_4XX],
    ['its stage throttles', 429, GATEWAY_RESPONSES.THROTTLED],
  ] as const)('%s (%i): the client gets Server.ClientProxy.NetworkError with that status', async (_what, status, refusal) => {
    const received: [string, string][][] = [];
    await impersonateProvider(
      eco,
      'population-registry',
      (request, response) => {
        received.push(rawHeaderLines(request));
        response.writeHead(status, { 'content-type': 'application/json', 'x-road-error': refusal.type, 'x-amzn-requestid': 'front-request-id' });
        response.end(JSON.stringify({ type: refusal.type, message: refusal.message, detail: 'front-request-id' }));
      },
      async () => {
        // 7.4 KB of the client's own headers (the request stays within the provider API's 10,240 bytes): the signature
        // headers must still be within the 8 KB WAF inspects.
        const response = await eco.call(`${PERSONS}/123`, { headers: { 'x-road-client': TAX_CLIENT, 'x-padding': 'p'.repeat(7400) } });
        expectXRoadError(response, status, 'Server.ClientProxy.NetworkError');
        expect(response.json<{ message: string }>().message).toMatch(new RegExp(`refused the request unsigned .*\\(HTTP ${status}\\)`));
        expect(response.body.toString('utf8')).not.toContain(refusal.type);
      },
    );
    // What the web ACL saw of the consumer gateway's request: a peer's signed message, counted under its own limit.
    expect(received).toHaveLength(1);
    expect(rateLimitsFor(providerWebAcl, { path: `/prod${PERSONS}/123`, headers: asWafInspects(received[0]) })).toEqual({
      RateLimitPerIpSignedMessages: 60_000,
    });
  });
});

/** The headers AWS WAF inspects: at most the first 200 and 8 KB of them (names lower-case, the first line of a name). */
function asWafInspects(lines: readonly [string, string][]): Record<string, string> {
  const seen: Record<string, string> = Object.create(null);
  let bytes = 0;
  for (const [name, value] of lines.slice(0, 200)) {
    bytes += Buffer.byteLength(`${name}: ${value}\r\n`);
    if (bytes > 8192) break;
    seen[name.toLowerCase()] ??= value;
  }
  return seen;
}

describe('the provider side trusts only signed, fresh, unaltered messages', () => {
  /** Makes a real exchange and returns what the consumer sent to the provider, rebuilt from its log record. */
  async function capturedRequest(xRoadId: string, method = 'GET', path = `${PERSONS}/123`, body?: string) {
    const headers: Record<string, string> = {
      'x-road-client': TAX_CLIENT,
      'x-road-id': xRoadId,
      ...(body ? { 'content-type': 'application/json' } : {}),
    };
    expect((await eco.call(path, { method, headers, body })).status).toBeLessThan(300);
    const record = (await consumerRecords(xRoadId)).find((entry) => entry.direction === 'request')!;
    const signedBy = { 'x-sild-manifest': record.manifest!, 'x-sild-signature': record.signature!, 'x-sild-certificate': record.certificate! };
    return { url: `${eco.agencies['population-registry'].providerUrl}${path}`, method, body, headers: { ...headers, ...signedBy } };
  }

  test('a replayed signed request is rejected by the provider log and does not reach the backend again', async () => {
    const request = await capturedRequest('replay-1');
    const calls = eco.backend.received.length;
    const replay = await httpCall(request.url, request);
    expectXRoadError(replay, 409, 'Server.ServerProxy.DuplicateMessageId');
    expect(eco.backend.received.length).toBe(calls);
  });

  test('a tampered signature gets InvalidSignatureValue', async () => {
    const request = await capturedRequest('tamper-1');
    const signature = Buffer.from(request.headers['x-sild-signature'], 'base64');
    signature[signature.length - 1] ^= 0x01;
    const response = await httpCall(request.url, { ...request, headers: { ...request.headers, 'x-sild-signature': signature.toString('base64') } });
    expectXRoadError(response, 401, 'Server.ServerProxy.InvalidSignatureValue');
  });

  test('a body that does not match the signed request hash gets InvalidSignatureValue', async () => {
    const request = await capturedRequest('tamper-2', 'POST', PERSONS, '{"givenName":"Kati"}');
    const response = await httpCall(request.url, { ...request, body: '{"givenName":"Mallory"}' });
    expectXRoadError(response, 401, 'Server.ServerProxy.InvalidSignatureValue');
  });

  test('a request that did not come through a gateway gets InvalidSignatureValue', async () => {
    const response = await httpCall(`${eco.agencies['population-registry'].providerUrl}${PERSONS}/123`, {
      headers: { 'x-road-client': TAX_CLIENT, 'x-road-id': 'direct-1' },
    });
    expectXRoadError(response, 401, 'Server.ServerProxy.InvalidSignatureValue');
  });
});

describe('X-Road metadata services', () => {
  test('listClients lists every member and subsystem of the instance from the global configuration', async () => {
    const response = await eco.call('/listClients', { headers: { accept: 'application/json' } });
    expect(response.status).toBe(200);
    const { member } = response.json<{ member: { id: Record<string, string>; name: string }[] }>();
    expect(member).toContainEqual({
      id: { object_type: 'SUBSYSTEM', xroad_instance: 'DEV', member_class: 'GOV', member_code: '70000001', subsystem_code: 'population' },
      name: 'Population Registry',
    });
    expect(member).toContainEqual({
      id: { object_type: 'MEMBER', xroad_instance: 'DEV', member_class: 'COM', member_code: '10000003' },
      name: 'Business Registry',
    });
    expect((await eco.call('/listClients?xRoadInstance=EE', { headers: { accept: 'application/json' } })).json()).toEqual({ member: [] });
  });

  test("listClients without Accept: application/json answers PR-META §2's XML clientList, as SOAP clients read it", async () => {
    const response = await eco.call('/listClients');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('text/xml;charset=utf-8');
    const text = response.body.toString('utf8');
    expect(text).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?><xrd:clientList xmlns:id="http:\/\/x-road.eu\/xsd\/identifiers" xmlns:xrd="http:\/\/x-road.eu\/xsd\/xroad.xsd">/,
    );
    expect(text).toContain(
      '<xrd:member><xrd:id id:objectType="SUBSYSTEM"><id:xRoadInstance>DEV</id:xRoadInstance><id:memberClass>GOV</id:memberClass><id:memberCode>70000002</id:memberCode><id:subsystemCode>tax-records</id:subsystemCode></xrd:id><xrd:name>',
    );
    // Prefers XML over a listed JSON: XML too; asks for JSON: JSON.
    expect((await eco.call('/listClients', { headers: { accept: 'application/json;q=0.5, text/xml' } })).headers['content-type']).toBe(
      'text/xml;charset=utf-8',
    );
    expect((await eco.call('/listClients', { headers: { accept: 'application/json' } })).json()).toHaveProperty('member');
  });

  test('listMethods is a signed, logged exchange answered by the provider from its registrations', async () => {
    const response = await eco.call('/r1/DEV/GOV/70000001/population/listMethods', {
      headers: { 'x-road-client': TAX_CLIENT, 'x-road-id': 'meta-1' },
    });
    expect(response.status).toBe(200);
    const services = response.json<{ service: { service_code: string; service_type: string; object_type: string; endpoint_list: unknown[] }[] }>()
      .service;
    expect(services.map((entry) => [entry.service_code, entry.service_type, entry.object_type])).toEqual([
      ['persons', 'OPENAPI', 'SERVICE'],
      ['unreachable', 'REST', 'SERVICE'],
    ]);
    // The described service lists its endpoints as service paths (the description's /persons/{id} under backendUrl …/persons).
    expect(services[0].endpoint_list).toEqual([
      { method: 'GET', path: '/*' },
      { method: 'POST', path: '/' },
    ]);
    expect(response.headers['x-road-request-hash']).toBeDefined();
    expect((await providerRecords('meta-1')).map((record) => record.direction).sort()).toEqual(['request', 'response']);
  });

  test('allowedMethods lists only what the caller may call, with its endpoints (no catch-all */** entry)', async () => {
    const allowed = await eco.call('/r1/DEV/GOV/70000001/population/allowedMethods', { headers: { 'x-road-client': TAX_CLIENT } });
    const services = allowed.json<{ service: { service_code: string; endpoint_list: unknown[] }[] }>().service;
    expect(services.find((entry) => entry.service_code === 'persons')).toMatchObject({
      endpoint_list: [
        { method: 'GET', path: '/*' },
        { method: 'POST', path: '/' },
      ],
    });
    expect(services.find((entry) => entry.service_code === 'unreachable')).toMatchObject({ endpoint_list: [] });
    const none = await eco.call('/r1/DEV/GOV/70000001/population/allowedMethods', {
      agency: 'business-registry',
      headers: { 'x-road-client': CRM_CLIENT },
    });
    expect(none.status).toBe(200);
    expect(none.json()).toEqual({ service: [] });
  });

  test('getOpenAPI?serviceCode= returns the service description as registered (PR-MREST)', async () => {
    const response = await eco.call('/r1/DEV/GOV/70000001/population/getOpenAPI?serviceCode=persons', { headers: { 'x-road-client': TAX_CLIENT } });
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('application/json');
    const document = response.json<{ openapi: string; paths: Record<string, unknown> }>();
    expect(document.openapi).toBe('3.0.3');
    expect(Object.keys(document.paths)).toEqual(['/persons/{id}', '/persons']);
  });

  test('getOpenAPI without serviceCode, for an unknown service, or for one without a description is a clear error', async () => {
    expectXRoadError(
      await eco.call('/r1/DEV/GOV/70000001/population/getOpenAPI', { headers: { 'x-road-client': TAX_CLIENT } }),
      400,
      'Client.BadRequest',
    );
    expectXRoadError(
      await eco.call('/r1/DEV/GOV/70000001/population/getOpenAPI?serviceCode=cars', { headers: { 'x-road-client': TAX_CLIENT } }),
      404,
      'Server.ServerProxy.UnknownService',
    );
    const undescribed = await eco.call('/r1/DEV/GOV/70000001/population/getOpenAPI?serviceCode=unreachable', {
      headers: { 'x-road-client': TAX_CLIENT },
    });
    expectXRoadError(undescribed, 404, 'Server.ServerProxy.UnknownService');
    expect(undescribed.json<{ message: string }>().message).toMatch(/no OpenAPI description/);
  });

  test('a SOAP service: its WSDL, as the deployment wrote it, is what the provider function reads as its own principal; REST metadata does not list it', async () => {
    const descriptions = eco.agencies['population-registry'].functions.provider.descriptions!;
    expect(await descriptions.wsdl('population', 'getPerson')).toBe(readFileSync('config/population-registry.wsdl', 'utf8'));
    expect(await descriptions.wsdl('population', 'persons')).toBeUndefined();
    const listed = (await eco.call('/r1/DEV/GOV/70000001/population/listMethods', { headers: { 'x-road-client': TAX_CLIENT } })).json<{
      service: { service_code: string }[];
    }>();
    expect(listed.service.map((entry) => entry.service_code)).not.toContain('getPerson');
  });
});

describe('session keys', () => {
  test('manifests are signed by a session key that the gateway KMS key certifies; KMS is called once, not per message', async () => {
    const before = eco.kms.callCounts().Sign ?? 0;
    for (let index = 0; index < 5; index += 1)
      expect((await eco.call(`${PERSONS}/123`, { headers: { 'x-road-client': TAX_CLIENT } })).status).toBe(200);
    expect((eco.kms.callCounts().Sign ?? 0) - before).toBe(0);
    const [record] = (
      await consumerRecords(
        (await eco.call(`${PERSONS}/123`, { headers: { 'x-road-client': TAX_CLIENT, 'x-road-id': 'session-1' } })).headers['x-road-id'],
      )
    ).filter((entry) => entry.direction === 'request');
    const certificate = JSON.parse(Buffer.from(JSON.parse(Buffer.from(record.certificate!, 'base64').toString()).header, 'base64').toString());
    expect(certificate).toMatchObject({ type: 'sild.session-certificate.v1', gateway: 'DEV/GOV/70000002/tax-board' });
    expect(Date.parse(certificate.notAfter) - Date.parse(certificate.notBefore)).toBe(3600_000);
  });

  test('with KMS unavailable, exchanges go on with the certified session key', async () => {
    eco.kms.setFault({ kind: 'unavailable' });
    try {
      expect((await eco.call(`${PERSONS}/123`, { headers: { 'x-road-client': TAX_CLIENT } })).status).toBe(200);
    } finally {
      eco.kms.setFault(undefined);
    }
  });
});

describe('the message log fails closed', () => {
  const failPut = (table: string, sortKey: string) =>
    eco.dynamodb.setRule((call) => {
      const item = call.body.Item as Record<string, { S?: string }> | undefined;
      return call.target.endsWith('.PutItem') && call.body.TableName === table && item?.sk?.S === sortKey
        ? { status: 500, type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'injected' }
        : undefined;
    });

  test("when the provider cannot log the response, the backend's answer is not delivered (LoggingFailed)", async () => {
    failPut(eco.agencies['population-registry'].logTable, 'provider#response');
    const calls = eco.backend.received.length;
    const response = await eco.call(`${PERSONS}/123`, { headers: { 'x-road-client': TAX_CLIENT, 'x-road-id': 'unlogged-1' } });
    expectXRoadError(response, 503, 'Server.ServerProxy.LoggingFailed');
    expect(response.body.toString('utf8')).not.toContain('Maasikas');
    expect(eco.backend.received.length).toBe(calls + 1);
  });

  test('when the consumer cannot log the request, nothing is forwarded (LoggingFailed)', async () => {
    failPut(eco.agencies['tax-board'].logTable, 'consumer#request');
    const calls = eco.backend.received.length;
    const response = await eco.call(`${PERSONS}/123`, { headers: { 'x-road-client': TAX_CLIENT, 'x-road-id': 'unlogged-2' } });
    expectXRoadError(response, 503, 'Server.ClientProxy.LoggingFailed');
    expect(eco.backend.received.length).toBe(calls);
  });

  test('when the consumer cannot log the response, the client does not get it (LoggingFailed)', async () => {
    failPut(eco.agencies['tax-board'].logTable, 'consumer#response');
    const response = await eco.call(`${PERSONS}/123`, { headers: { 'x-road-client': TAX_CLIENT, 'x-road-id': 'unlogged-3' } });
    expectXRoadError(response, 503, 'Server.ClientProxy.LoggingFailed');
    expect(response.body.toString('utf8')).not.toContain('Maasikas');
  });
});

describe('the global configuration', () => {
  test('gateways keep serving on a valid copy while the central server is down, and stop with OutdatedGlobalConf once it expires', async () => {
    const headers = { 'x-road-client': TAX_CLIENT };
    expect((await eco.call(`${PERSONS}/123`, { headers })).status).toBe(200);
    await eco.central.pause();
    try {
      eco.clock.advance(120_000); // stale (refresh due) but valid: served from the cached copy
      expect((await eco.call(`${PERSONS}/123`, { headers })).status).toBe(200);
      eco.clock.advance(600_000); // past expiresAt
      expectXRoadError(await eco.call(`${PERSONS}/123`, { headers }), 503, 'Server.ClientProxy.OutdatedGlobalConf');
    } finally {
      await eco.central.resume();
    }
    eco.clock.advance(120_000); // past the retry back-off: the next call refreshes and exchanges resume
    expect((await eco.call(`${PERSONS}/123`, { headers })).status).toBe(200);
  });
});
