/**
 * SOAP through both gateways, in memory (the local ecosystem's end-to-end suite is `test/e2e/soap.test.ts`): the
 * service named by the header, the message byte for byte to the service, the request hash in the answer's header
 * under the provider's signature, rights per service code, versions, faults with HTTP 200 to the client, and the
 * checks of the header against what the consumer gateway signed.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { headerValue, type HttpResponse } from '../../../../../../lambdas/core/kernel/http';
import { answerSoapRequest } from '../../../../../../lib/local/sample-soap-service';
import { CLIENT, DEFAULT_POLICY, startMemoryEcosystem, type MemoryEcosystem } from '../../../../../support/memory-ecosystem';

const POLICY = {
  services: [
    ...(DEFAULT_POLICY.services ?? []),
    { subsystem: 'registry', code: 'getPerson', backendUrl: 'https://backend.test/soap', type: 'soap' as const, version: 'v1' },
  ],
  accessRights: [...DEFAULT_POLICY.accessRights, { subsystem: 'registry', service: 'getPerson', subject: CLIENT, method: '*', path: '**' }],
};

interface Envelope {
  id?: string;
  client?: string;
  service?: string;
  version?: string | null;
  body?: string;
  userId?: string;
}

/** A request as SoapUI writes one: its own prefixes, pretty-printed. */
function envelope({ id = 'soap-1', client = CLIENT, service = 'TEST/GOV/1001/registry/getPerson', version = 'v1', body, userId }: Envelope = {}) {
  const [ci, cc, cm, cs] = client.split('/');
  const [si, sc, sm, ss, code] = service.split('/');
  return [
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xro="http://x-road.eu/xsd/xroad.xsd" xmlns:iden="http://x-road.eu/xsd/identifiers" xmlns:prod="http://population-registry.dev/producer">',
    '  <soapenv:Header>',
    '    <xro:protocolVersion>4.0</xro:protocolVersion>',
    `    <xro:id>${id}</xro:id>`,
    ...(userId ? [`    <xro:userId>${userId}</xro:userId>`] : []),
    `    <xro:client iden:objectType="SUBSYSTEM"><iden:xRoadInstance>${ci}</iden:xRoadInstance><iden:memberClass>${cc}</iden:memberClass><iden:memberCode>${cm}</iden:memberCode><iden:subsystemCode>${cs}</iden:subsystemCode></xro:client>`,
    `    <xro:service iden:objectType="SERVICE"><iden:xRoadInstance>${si}</iden:xRoadInstance><iden:memberClass>${sc}</iden:memberClass><iden:memberCode>${sm}</iden:memberCode><iden:subsystemCode>${ss}</iden:subsystemCode><iden:serviceCode>${code}</iden:serviceCode>${version === null ? '' : `<iden:serviceVersion>${version}</iden:serviceVersion>`}</xro:service>`,
    '  </soapenv:Header>',
    `  <soapenv:Body>${body ?? `<prod:${code}><id>123</id></prod:${code}>`}</soapenv:Body>`,
    '</soapenv:Envelope>',
  ].join('\n');
}

const faultOf = (response: HttpResponse) => {
  const text = response.body.toString('utf8');
  return { code: /<faultcode>([^<]*)<\/faultcode>/.exec(text)?.[1], string: /<faultstring>([^<]*)<\/faultstring>/.exec(text)?.[1] };
};

describe('SOAP through both gateways', () => {
  let ecosystem: MemoryEcosystem;
  const send = (body: string | Buffer, contentType = 'text/xml; charset=utf-8') =>
    ecosystem.call('/', { method: 'POST', headers: { 'content-type': contentType, soapaction: '""' }, body });

  beforeEach(async () => {
    ecosystem = await startMemoryEcosystem({ policy: POLICY });
    ecosystem.backend(async (request) => {
      const answer = answerSoapRequest(headerValue(request.headers, 'content-type'), request.body);
      return { status: answer.status, headers: { 'content-type': [answer.contentType] }, body: answer.body };
    });
  });

  test('the service reads the message as the client sent it; the client gets its answer with the request hash in the header', async () => {
    const request = envelope({ id: 'soap-ok' });
    const response = await send(request);
    expect(response.status).toBe(200);
    const [call] = ecosystem.backendCalls;
    expect(call).toMatchObject({ method: 'POST', rawPath: '/soap', body: request });
    const text = response.body.toString('utf8');
    expect(text).toContain('<givenName>Mari</givenName>');
    const digest = createHash('sha512').update(request).digest('base64');
    expect(text).toContain(`<xro:requestHash algorithmId="http://www.w3.org/2001/04/xmlenc#sha512">${digest}</xro:requestHash>`);
    expect(text.match(/requestHash/g)).toHaveLength(2);
    // What the client received is what the provider signed and both sides logged.
    const records = await ecosystem.consumer.log.find(CLIENT, 'soap-ok');
    expect(records.find((record) => record.direction === 'response')?.body?.toString('utf8')).toBe(text);
    const [signed] = records.filter((record) => record.direction === 'request');
    expect(JSON.parse(Buffer.from(signed.manifest!, 'base64').toString('utf8'))).toMatchObject({
      service: 'TEST/GOV/1001/registry/getPerson',
      serviceVersion: 'v1',
      method: 'POST',
      target: '/',
    });
  });

  test("a layer fault reaches the client as a SOAP Fault with HTTP 200 and X-Road-Error; the provider's is signed", async () => {
    ecosystem = await startMemoryEcosystem({ policy: { ...POLICY, accessRights: DEFAULT_POLICY.accessRights } });
    const response = await send(envelope({ id: 'soap-denied' }));
    expect(response.status).toBe(200);
    expect(headerValue(response.headers, 'x-road-error')).toBe('Server.ServerProxy.AccessDenied');
    expect(faultOf(response)).toEqual({
      code: 'Server.ServerProxy.AccessDenied',
      string: `${CLIENT} may not call getPerson (v1) of TEST/GOV/1001/registry/getPerson`,
    });
    expect(response.body.toString('utf8')).toMatch(/<detail><faultDetail xmlns="">[0-9a-f-]{36}<\/faultDetail><\/detail>/);
    const logged = (await ecosystem.consumer.log.find(CLIENT, 'soap-denied')).find((record) => record.direction === 'response');
    expect(logged).toMatchObject({ status: 403, errorType: 'Server.ServerProxy.AccessDenied' });
    expect(logged?.manifest).toBeDefined();
  });

  test("the service's own fault passes through unchanged, with its status", async () => {
    const response = await send(envelope({ id: 'soap-unknown', body: '<prod:getPerson><id>999</id></prod:getPerson>' }));
    expect(response.status).toBe(500);
    expect(headerValue(response.headers, 'x-road-error')).toBeUndefined();
    expect(faultOf(response)).toEqual({ code: 'Server', string: 'No person with id 999' });
  });

  test('a version the service does not have is an unknown service; no version at all too', async () => {
    for (const [id, version] of [
      ['v2', 'v2'],
      ['none', null],
    ] as const) {
      const response = await send(envelope({ id: `soap-version-${id}`, version }));
      expect(headerValue(response.headers, 'x-road-error')).toBe('Server.ServerProxy.UnknownService');
    }
    expect(ecosystem.backendCalls).toHaveLength(0);
  });

  test('a REST service called over SOAP is refused with ServiceType, and a SOAP service over REST', async () => {
    const soap = await send(envelope({ id: 'soap-rest', service: 'TEST/GOV/1001/registry/persons', version: null }));
    expect(headerValue(soap.headers, 'x-road-error')).toBe('Server.ServerProxy.ServiceType');
    const rest = await ecosystem.call('/r1/TEST/GOV/1001/registry/getPerson', { method: 'POST', body: envelope() });
    expect(headerValue(rest.headers, 'x-road-error')).toBe('Server.ServerProxy.ServiceType');
    expect(ecosystem.backendCalls).toHaveLength(0);
  });

  test("the consumer gateway's checks answer as X-Road does: not SOAP, no header, a client it does not serve", async () => {
    expect(faultOf(await send('<not-soap/>')).code).toBe('Client.InvalidSoap');
    expect(faultOf(await send(envelope(), 'application/json')).code).toBe('Client.InvalidContentType');
    const member = envelope().replace(
      /<xro:client iden:objectType="SUBSYSTEM">(.*?)<iden:subsystemCode>client<\/iden:subsystemCode>/,
      '<xro:client iden:objectType="MEMBER">$1',
    );
    expect(faultOf(await send(member)).code).toBe('Client.InvalidClientIdentifier');
    const other = await send(envelope({ client: 'TEST/GOV/1001/registry' }));
    expect({ status: other.status, fault: faultOf(other).code }).toEqual({ status: 200, fault: 'Client.InvalidClientIdentifier' });
  });

  test('a client that accepts gzip (SoapUI does) and a service that compresses when asked: the service is not asked, the answer is read', async () => {
    ecosystem.backend(async (request) => {
      const answer = answerSoapRequest(headerValue(request.headers, 'content-type'), request.body);
      const gzip = /gzip/.test(headerValue(request.headers, 'accept-encoding') ?? '');
      return {
        status: answer.status,
        headers: { 'content-type': [answer.contentType], ...(gzip ? { 'content-encoding': ['gzip'] } : {}) },
        body: gzip ? gzipSync(answer.body) : answer.body,
      };
    });
    const response = await ecosystem.call('/', {
      method: 'POST',
      headers: { 'content-type': 'text/xml;charset=UTF-8', 'accept-encoding': 'gzip,deflate', soapaction: '""' },
      body: envelope({ id: 'soap-gzip' }),
    });
    expect(headerValue(response.headers, 'x-road-error')).toBeUndefined();
    expect(response.body.toString('utf8')).toContain('<givenName>Mari</givenName>');
    expect(ecosystem.backendCalls[0].headers['accept-encoding']).toBeUndefined();
  });

  test('a service that compresses unasked gets a clear ServiceFailed, signed', async () => {
    ecosystem.backend(async (request) => {
      const answer = answerSoapRequest(headerValue(request.headers, 'content-type'), request.body);
      return { status: 200, headers: { 'content-type': [answer.contentType], 'content-encoding': ['gzip'] }, body: gzipSync(answer.body) };
    });
    const response = await send(envelope({ id: 'soap-gzip-unasked' }));
    expect(faultOf(response)).toMatchObject({ code: 'Server.ServerProxy.ServiceFailed', string: expect.stringContaining('Content-Encoding') });
  });

  test('opmon records the SOAP fields: service type WSDL, version, protocol version, the SOAP part size', async () => {
    const request = envelope({ id: 'soap-opmon' });
    await send(request);
    expect(ecosystem.consumer.opmon.at(-1)).toMatchObject({
      serviceType: 'WSDL',
      serviceCode: 'getPerson',
      serviceVersion: 'v1',
      messageProtocolVersion: '4.0',
      requestSize: Buffer.byteLength(request),
      succeeded: true,
    });
    expect(ecosystem.provider.opmon.at(-1)).toMatchObject({ serviceType: 'WSDL', securityServerType: 'Producer', messageId: 'soap-opmon' });
  });
});
