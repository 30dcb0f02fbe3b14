/**
 * The message-protocol seam, proven with a second protocol that exists only in the tests (`test/support/letter-protocol/`):
 * registering it is all it takes for both gateways to exchange its messages — the service read from the body, one
 * route for every service, access rights, the provider's rewriting of the backend's answer under its signature, errors
 * answered with HTTP 200 — while REST goes on working beside it.
 */
import { PROTOCOLS, protocolOf, RESERVED_SERVICE_CODES } from '../../../../../lambdas/core/exchange/protocols/registry';
import { restProtocol } from '../../../../../lambdas/core/exchange/protocols/rest/protocol';
import { soapProtocol } from '../../../../../lambdas/core/exchange/protocols/soap/protocol';
import { headerValue, headersOf } from '../../../../../lambdas/core/kernel/http';
import { gatewayRoutes, ROUTES } from '../../../../../lib/routes';
import { LETTER_TYPE, letterProtocol } from '../../../../support/letter-protocol/protocol';
import { CLIENT, DEFAULT_POLICY, PERSONS, startMemoryEcosystem, type MemoryEcosystem } from '../../../../support/memory-ecosystem';

const LETTERS = 'TEST/GOV/1001/registry/letters';
const POLICY = {
  services: [...(DEFAULT_POLICY.services ?? []), { subsystem: 'registry', code: 'letters', backendUrl: 'https://backend.test/letters' }],
  accessRights: [...DEFAULT_POLICY.accessRights, { subsystem: 'registry', service: 'letters', subject: CLIENT, method: 'POST', path: '/' }],
};

const letter = (fields: object) => JSON.stringify({ from: CLIENT, to: LETTERS, content: { question: 'who?' }, ...fields });

describe('a second message protocol, registered beside REST', () => {
  let ecosystem: MemoryEcosystem;
  const send = (body: string, contentType = LETTER_TYPE) => ecosystem.call('/', { method: 'POST', headers: { 'content-type': contentType }, body });

  beforeEach(async () => {
    ecosystem = await startMemoryEcosystem({ policy: POLICY, protocols: [letterProtocol, ...PROTOCOLS] });
  });

  test('a letter reaches its service through both gateways: the service read from the body, the body byte for byte', async () => {
    const body = letter({ id: 'letter-1' });
    const response = await send(body);
    expect(response.status).toBe(200);
    const [call] = ecosystem.backendCalls;
    expect(call).toMatchObject({ method: 'POST', rawPath: '/letters', body });
    expect(call.headers['x-road-client']).toEqual([CLIENT]);
    expect(call.headers['x-road-id']).toEqual(['letter-1']);
  });

  test("the provider's rewriting of the answer (the request hash added) is what it signs, logs and the client receives", async () => {
    const response = await send(letter({ id: 'letter-2' }));
    const answer = JSON.parse(response.body.toString('utf8')) as { requestHash: string; content: { body: string } };
    const [requestRecord] = await ecosystem.consumer.log.find(CLIENT, 'letter-2');
    const signedRequest = JSON.parse(Buffer.from(requestRecord.manifest!, 'base64').toString('utf8')) as { requestHash: string };
    expect(answer.requestHash).toBe(signedRequest.requestHash);
    expect(answer.content.body).toBe(letter({ id: 'letter-2' }));
    const logged = (await ecosystem.consumer.log.find(CLIENT, 'letter-2')).find((record) => record.direction === 'response');
    expect(logged?.body?.toString('utf8')).toBe(response.body.toString('utf8'));
  });

  test('access rights apply to the service the letter names: without one, a signed refusal, answered as a letter with HTTP 200', async () => {
    const response = await send(letter({ id: 'letter-3', to: 'TEST/GOV/1001/registry/persons' }));
    expect(response.status).toBe(200);
    expect(headerValue(response.headers, 'x-road-error')).toBe('Server.ServerProxy.AccessDenied');
    expect(JSON.parse(response.body.toString('utf8'))).toMatchObject({
      fault: { code: 'Server.ServerProxy.AccessDenied', string: `${CLIENT} may not call a letter to persons of TEST/GOV/1001/registry/persons` },
    });
    expect(ecosystem.backendCalls).toHaveLength(0);
  });

  test("a letter the consumer cannot read is the client's error, in the letter protocol's form", async () => {
    const response = await send('{"from": 42}');
    expect(response.status).toBe(200);
    expect(headerValue(response.headers, 'x-road-error')).toBe('Client.BadRequest');
    expect(JSON.parse(response.body.toString('utf8'))).toMatchObject({ fault: { code: 'Client.BadRequest' } });
  });

  test('opmon names the protocol and the ids the letter established', async () => {
    await send(letter({ id: 'letter-4' }));
    expect(ecosystem.consumer.opmon.at(-1)).toMatchObject({
      serviceType: 'LETTER',
      serviceCode: 'letters',
      clientSubsystemCode: 'client',
      messageId: 'letter-4',
      succeeded: true,
    });
    expect(ecosystem.consumer.opmon.at(-1)).not.toHaveProperty('restMethod');
    expect(ecosystem.provider.opmon.at(-1)).toMatchObject({ serviceType: 'LETTER', securityServerType: 'Producer', messageId: 'letter-4' });
  });

  test("REST and SOAP go on as before beside it: a POST / that is not a letter is SOAP's", async () => {
    expect((await ecosystem.call(`${PERSONS}/123`)).status).toBe(200);
    const notALetter = await send(letter({}), 'application/json');
    expect(headerValue(notALetter.headers, 'x-road-error')).toBe('Client.InvalidContentType');
    expect(notALetter.status).toBe(200);
  });
});

describe('the protocol registry', () => {
  test("the reserved service codes (known to the central without loading a protocol) are every protocol's metadata services", () => {
    expect([...RESERVED_SERVICE_CODES].sort()).toEqual([...new Set(PROTOCOLS.flatMap((protocol) => [...protocol.metadataServices]))].sort());
    expect([...RESERVED_SERVICE_CODES].sort()).toEqual(['allowedMethods', 'getOpenAPI', 'getWsdl', 'listMethods']);
  });

  test('REST answers what no other protocol claims, so it stays last', () => {
    const post = { method: 'POST', rawPath: '/', rawQuery: '', headers: headersOf([['content-type', LETTER_TYPE]]) };
    expect(protocolOf(post, [letterProtocol, ...PROTOCOLS])).toBe(letterProtocol);
    expect(protocolOf({ ...post, headers: {} }, [letterProtocol, ...PROTOCOLS])).toBe(soapProtocol);
    expect(protocolOf(post)).toBe(soapProtocol);
    expect(protocolOf({ ...post, rawPath: '/r1/TEST/GOV/1001/registry/persons' })).toBe(restProtocol);
    expect(protocolOf({ ...post, method: 'GET' })).toBe(restProtocol);
    expect(PROTOCOLS.at(-1)).toBe(restProtocol);
  });

  test("a protocol's routes reach both gateway APIs, once however many protocols need them; REST needs none beyond {proxy+}", () => {
    const both = ['consumer ANY /{proxy+}', 'consumer POST /', 'provider ANY /{proxy+}', 'provider POST /'];
    expect(gatewayRoutes([letterProtocol, ...PROTOCOLS]).map((route) => `${route.api} ${route.method} ${route.path}`)).toEqual(both);
    expect(ROUTES.filter((route) => route.api !== 'central').map((route) => `${route.api} ${route.method} ${route.path}`)).toEqual(both);
    expect(gatewayRoutes([restProtocol]).map((route) => `${route.api} ${route.method} ${route.path}`)).toEqual([
      'consumer ANY /{proxy+}',
      'provider ANY /{proxy+}',
    ]);
  });
});
