/**
 * X-Road SOAP (PR-MESS 4.0) end to end through the local ecosystem: a client POSTs to tax-board's consumer root, the
 * message crosses both gateways to population-registry's SOAP services — the sample service's `getPerson` v1 and
 * `echoPerson` v1 at the echo backend, which reports exactly what reached it. What a client relies on: its answer
 * with the request hash in the header, envelopes as real clients write them, and every fault of the layer as a SOAP
 * 1.1 Fault. Attachments, metadata services and the pipeline's records are `soap-pipeline.test.ts`.
 */
import { createHash } from 'node:crypto';
import { soapDemoOf, soapDemoRequest, type SoapDemo } from '../../lib/local/soap-demo';
import { CRM_CLIENT, expectXRoadError, PERSONS, TAX_CLIENT } from './fixture';
import {
  ECHO_PERSON,
  elementText,
  expectSoapFault,
  GET_PERSON,
  headerOf,
  POPULATION,
  postSoap,
  soapRequest,
  startSoapEcosystem,
  XML_UTF8,
  type SoapEcosystem,
} from './soap-fixture';

let soap: SoapEcosystem;
beforeAll(async () => {
  soap = await startSoapEcosystem();
}, 60_000);
afterAll(async () => {
  await soap?.stop();
});

const sha512 = (bytes: string | Buffer) => createHash('sha512').update(bytes).digest('base64');
const REQUEST_HASH = /<(?:[\w.-]+:)?requestHash(?:\s[^>]*)?>[^<]*<\/(?:[\w.-]+:)?requestHash>/g;
const lastReceived = () => soap.echo.received[soap.echo.received.length - 1];

describe('the demo call', () => {
  let demo: SoapDemo;
  beforeAll(() => {
    demo = soapDemoOf(soap.eco.config)!;
  });

  test("the sample service answers getPersonResponse; the answer's header is the request's plus exactly one requestHash of the request bytes", async () => {
    expect(demo).toEqual({ consumer: 'tax-board', provider: 'population-registry', client: TAX_CLIENT, service: GET_PERSON, version: 'v1' });
    const request = soapDemoRequest(demo, 'soap-demo-1');
    const response = await postSoap(soap.eco, request);

    expect(response.status).toBe(200);
    expect(response.headers['x-road-error']).toBeUndefined();
    expect(response.headers['content-type']).toMatch(/^text\/xml; charset=utf-8$/i);
    const answer = response.body.toString('utf8');
    expect(answer).toContain(
      '<SOAP-ENV:Body><prod:getPersonResponse xmlns:prod="http://population-registry.dev/producer"><id>123</id><givenName>Mari</givenName>' +
        '<familyName>Maasikas</familyName><dateOfBirth>1990-04-12</dateOfBirth></prod:getPersonResponse></SOAP-ENV:Body>',
    );
    const header = headerOf(answer)!;
    const hash = `<xrd:requestHash algorithmId="http://www.w3.org/2001/04/xmlenc#sha512">${sha512(request)}</xrd:requestHash>`;
    expect(header.match(REQUEST_HASH)).toEqual([hash]);
    expect(header.replace(hash, '')).toBe(headerOf(request));
  });

  test('the service receives the bytes the client sent, with its Content-Type and SOAPAction', async () => {
    const request = soapDemoRequest({ ...demo, service: ECHO_PERSON }, 'soap-demo-echo');
    const response = await postSoap(soap.eco, request, { soapAction: '"urn:echoPerson"' });
    expect(response.status).toBe(200);
    expect(elementText(response.body.toString('utf8'), 'givenName')).toBe('Mari');
    const received = lastReceived();
    expect({ method: received.method, target: received.target }).toEqual({ method: 'POST', target: '/soap/echo' });
    expect(received.body.equals(Buffer.from(request))).toBe(true);
    expect(soap.echo.lastHeaders()['content-type']).toEqual([XML_UTF8]);
    expect(soap.echo.lastHeaders().soapaction).toEqual(['"urn:echoPerson"']);
    expect(Object.keys(soap.echo.lastHeaders()).filter((name) => name.startsWith('x-sild-'))).toEqual([]);
  });
});

describe('envelopes as real clients write them', () => {
  const base = (id: string) => soapRequest({ id, service: ECHO_PERSON });
  const defaultNamespaces = (id: string) =>
    [
      '<Envelope xmlns="http://schemas.xmlsoap.org/soap/envelope/">',
      '<Header>',
      `<client xmlns="http://x-road.eu/xsd/xroad.xsd" xmlns:id="http://x-road.eu/xsd/identifiers" id:objectType="SUBSYSTEM"><id:xRoadInstance>DEV</id:xRoadInstance><id:memberClass>GOV</id:memberClass><id:memberCode>70000002</id:memberCode><id:subsystemCode>tax-records</id:subsystemCode></client>`,
      `<service xmlns="http://x-road.eu/xsd/xroad.xsd" xmlns:id="http://x-road.eu/xsd/identifiers" id:objectType="SERVICE"><id:xRoadInstance>DEV</id:xRoadInstance><id:memberClass>GOV</id:memberClass><id:memberCode>70000001</id:memberCode><id:subsystemCode>population</id:subsystemCode><id:serviceCode>echoPerson</id:serviceCode><id:serviceVersion>v1</id:serviceVersion></service>`,
      `<id xmlns="http://x-road.eu/xsd/xroad.xsd">${id}</id>`,
      '<protocolVersion xmlns="http://x-road.eu/xsd/xroad.xsd">4.0</protocolVersion>',
      '</Header>',
      '<Body><echoPerson xmlns="http://population-registry.dev/producer"><id>123</id></echoPerson></Body>',
      '</Envelope>',
    ].join('');

  test.each([
    [
      'SoapUI: its own prefixes, pretty-printed, its <!--Optional:--> comments, text/xml;charset=UTF-8',
      (id: string) =>
        base(id)
          .replace('      <xro:userId>', '      <!--Optional:-->\n      <xro:userId>')
          .replace('<id>123</id>', '<!--Optional:-->\n         <id>123</id>'),
      { contentType: 'text/xml;charset=UTF-8' },
    ],
    ['CRLF line ends and tabs (a Windows client)', (id: string) => base(id).replace(/\n */g, '\r\n\t'), {}],
    ['default namespaces, no prefixes at all', defaultNamespaces, {}],
    ['a UTF-8 byte order mark', (id: string) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(base(id))]), {}],
    ['an XML declaration', (id: string) => `<?xml version="1.0" encoding="UTF-8"?>\n${base(id)}`, {}],
    ['SOAPAction absent', base, { soapAction: null }],
    ['SOAPAction empty', base, { soapAction: '' }],
    ['SOAPAction quoted', base, { soapAction: '"http://population-registry.dev/producer/echoPerson"' }],
    ['Content-Type text/xml without charset', base, { contentType: 'text/xml' }],
  ] as const)('%s: answered, the service receives it byte for byte', async (what, build, options) => {
    const id = `soap-client-${what.replace(/\W+/g, '-')}`;
    const request = Buffer.from(build(id));
    const response = await postSoap(soap.eco, request, options);
    expect({ status: response.status, error: response.headers['x-road-error'] }).toEqual({ status: 200, error: undefined });
    const answer = response.body.toString('utf8');
    expect(elementText(answer, 'givenName')).toBe('Mari');
    expect(elementText(answer, 'requestHash')).toBe(sha512(request));
    expect(lastReceived().body.equals(request)).toBe(true);
    const headers = soap.echo.lastHeaders();
    expect(headers['content-type']).toEqual([('contentType' in options && options.contentType) || XML_UTF8]);
    const soapAction = 'soapAction' in options ? options.soapAction : '""';
    expect(headers.soapaction).toEqual(soapAction === null ? undefined : [soapAction]);
  });
});

describe('faults of the layer: SOAP 1.1 Faults with HTTP 200 and X-Road-Error', () => {
  const member = soapRequest({ id: 'soap-member', client: 'DEV/GOV/70000002' });
  const withHeader = (id: string, replace: (header: string) => string) => {
    const request = soapRequest({ id });
    return request.replace(headerOf(request)!, replace(headerOf(request)!));
  };
  const brokenMultipart = Buffer.from(
    `--b1\r\nContent-Type: text/xml; charset=UTF-8\r\n\r\n${soapRequest({ id: 'soap-mime' })}\r\n--b1\r\nContent-Type: text/plain\r\n\r\nno closing delimiter`,
  );
  const soap12 = soapRequest({ id: 'soap-12' }).replace('http://schemas.xmlsoap.org/soap/envelope/', 'http://www.w3.org/2003/05/soap-envelope');

  test.each([
    ['Client.InvalidSoap', 'not XML', 'this is not XML <', {}],
    ['Client.InvalidSoap', 'a SOAP 1.2 envelope', soap12, {}],
    ['Client.InvalidContentType', 'application/json', soapRequest({ id: 'soap-json' }), { contentType: 'application/json' }],
    ['Client.InvalidContentType', 'charset iso-8859-1', soapRequest({ id: 'soap-latin1' }), { contentType: 'text/xml; charset=iso-8859-1' }],
    ['Client.MissingHeader', 'no Header', soapRequest({ id: 'soap-nh' }).replace(/ *<soapenv:Header>[\s\S]*<\/soapenv:Header>\n/, ''), {}],
    [
      'Client.DuplicateHeaderField',
      'two ids',
      withHeader('soap-dup', (header) => header.replace('<xro:id>soap-dup</xro:id>', '<xro:id>a</xro:id><xro:id>b</xro:id>')),
      {},
    ],
    ['Client.InvalidXml', 'a client without objectType', withHeader('soap-ot1', (header) => header.replace(' iden:objectType="SUBSYSTEM"', '')), {}],
    ['Client.InvalidXml', 'a client of objectType SERVICE', withHeader('soap-ot2', (header) => header.replace('"SUBSYSTEM"', '"SERVICE"')), {}],
    ['Client.InvalidProtocolVersion', 'protocol version 3.1', soapRequest({ id: 'soap-31', protocolVersion: '3.1' }), {}],
    ['Client.MissingHeaderField', 'no id', withHeader('soap-noid', (header) => header.replace(/ *<xro:id>soap-noid<\/xro:id>\n/, '')), {}],
    ['Client.MissingBody', 'no Body', soapRequest({ id: 'soap-nb' }).replace(/ *<soapenv:Body>[\s\S]*<\/soapenv:Body>\n/, ''), {}],
    [
      'Client.InvalidBody',
      'two body elements',
      soapRequest({ id: 'soap-2b', body: '<prod:getPerson><id>1</id></prod:getPerson><prod:getPerson/>' }),
      {},
    ],
    ['Client.InvalidBody', 'an empty Body', soapRequest({ id: 'soap-0b', body: '' }), {}],
    [
      'Client.InconsistentHeaders',
      'a body element other than the service code',
      soapRequest({ id: 'soap-ih', body: '<prod:getAddress><id>1</id></prod:getAddress>' }),
      {},
    ],
    [
      'Client.MimeParsingFailed',
      'a multipart body without its closing delimiter',
      brokenMultipart,
      { contentType: 'multipart/related; type="text/xml"; boundary=b1' },
    ],
    ['Client.InvalidClientIdentifier', 'a MEMBER client (X-Road would accept one; Sild serves subsystems)', member, {}],
    ['Client.InvalidClientIdentifier', 'a client tax-board does not serve', soapRequest({ id: 'soap-crm', client: CRM_CLIENT }), {}],
    [
      'Server.ClientProxy.UnknownMember',
      'a member not in the global configuration',
      soapRequest({ id: 'soap-um', service: 'DEV/GOV/99999999/population/getPerson' }),
      {},
    ],
    ['Server.ClientProxy.UnknownService', 'an unregistered service code', soapRequest({ id: 'soap-us', service: `${POPULATION}/getVehicle` }), {}],
    [
      'Server.ServerProxy.ServiceType',
      'the REST service persons over SOAP',
      soapRequest({ id: 'soap-rest', service: `${POPULATION}/persons`, version: null }),
      {},
    ],
    ['Server.ServerProxy.UnknownService', 'getPerson v2', soapRequest({ id: 'soap-v2', version: 'v2' }), {}],
  ] as const)('%s: %s', async (type, _what, request, options) => {
    const before = soap.echo.received.length;
    const served = soap.eco.backend.received.length;
    expectSoapFault(await postSoap(soap.eco, request, options), type);
    expect([soap.echo.received.length, soap.eco.backend.received.length]).toEqual([before, served]);
  });

  test('Server.ServerProxy.AccessDenied: crm calls getPerson through business-registry, which may not', async () => {
    const response = await postSoap(soap.eco, soapRequest({ id: 'soap-denied', client: CRM_CLIENT }), { agency: 'business-registry' });
    const { faultString } = expectSoapFault(response, 'Server.ServerProxy.AccessDenied');
    expect(faultString).toBe(`${CRM_CLIENT} may not call getPerson (v1) of ${GET_PERSON}`);
  });

  test("the SOAP service getPerson called over REST is refused with ServiceType, in REST's JSON form", async () => {
    const before = soap.eco.backend.received.length;
    const response = await soap.eco.call(`/r1/${GET_PERSON}`, {
      method: 'POST',
      headers: { 'x-road-client': TAX_CLIENT, 'content-type': XML_UTF8 },
      body: soapRequest({ id: 'soap-over-rest' }),
    });
    expectXRoadError(response, 400, 'Server.ServerProxy.ServiceType');
    expect(soap.eco.backend.received.length).toBe(before);
  });

  test("a service's own Fault (unknown person 999) passes unchanged with its HTTP 500, without X-Road-Error", async () => {
    const response = await postSoap(soap.eco, soapRequest({ id: 'soap-999', body: '<prod:getPerson><id>999</id></prod:getPerson>' }));
    expect(response.status).toBe(500);
    expect(response.headers['x-road-error']).toBeUndefined();
    const text = response.body.toString('utf8');
    expect({ code: elementText(text, 'faultcode'), string: elementText(text, 'faultstring') }).toEqual({
      code: 'Server',
      string: 'No person with id 999',
    });
    expect(text).toContain('<faultDetail xmlns="">population-registry</faultDetail>');
  });
});

describe('a replayed X-Road id', () => {
  test('the same client sending an id again gets DuplicateMessageId as a SOAP Fault, and the service is not called again', async () => {
    const request = soapRequest({ id: 'soap-once-only', service: ECHO_PERSON });
    expect((await postSoap(soap.eco, request)).status).toBe(200);
    const before = soap.echo.received.length;
    const response = await postSoap(soap.eco, request);
    // The consumer gateway refuses it before anything is forwarded, as for REST.
    expectSoapFault(response, 'Server.ClientProxy.DuplicateMessageId');
    expect(soap.echo.received.length).toBe(before);
  });

  test('one id space across the protocols: an id used over REST is refused over SOAP, and one used over SOAP over REST', async () => {
    const rest = (id: string) => soap.eco.call(`${PERSONS}/123`, { headers: { 'x-road-client': TAX_CLIENT, 'x-road-id': id } });
    expect((await rest('soap-rest-once')).status).toBe(200);
    expectSoapFault(await postSoap(soap.eco, soapRequest({ id: 'soap-rest-once' })), 'Server.ClientProxy.DuplicateMessageId');
    expect((await postSoap(soap.eco, soapRequest({ id: 'rest-soap-once' }))).status).toBe(200);
    expectXRoadError(await rest('rest-soap-once'), 409, 'Server.ClientProxy.DuplicateMessageId');
  });
});
