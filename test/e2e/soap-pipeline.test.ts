/**
 * X-Road SOAP end to end through the local ecosystem, beyond the plain message (`soap.test.ts`): attachments both
 * ways (SOAP with attachments and MTOM), the metadata services (PR-META) through the layer, and one pipeline for both
 * protocols — log records that verify on both gateways, opmon records with SOAP's fields, large messages logged in
 * the body store and sent between the gateways by reference.
 */
import { createHash } from 'node:crypto';
import { HttpGlobalConfigurationFetcher } from '../../lambdas/adapters/http-global-configuration-fetcher';
import { NodeHttpClient } from '../../lambdas/adapters/node-http-client';
import { BODY_URL_HEADER } from '../../lambdas/core/exchange/body-transfer';
import { headerValue } from '../../lambdas/core/kernel/http';
import { systemClock, type OutboundRequest } from '../../lambdas/core/kernel/ports';
import { checkLogRecord } from '../../lambdas/core/log/verification';
import { GlobalConfigurationCache } from '../../lambdas/core/trust/global-configuration-cache';
import { readOpmonLines } from '../../lib/local/opmon-files';
import { CRM_CLIENT, TAX_CLIENT } from './fixture';
import {
  bodyOf,
  DEMO_WSDL,
  ECHO_PERSON,
  ECHO_WSDL,
  elementText,
  GET_PERSON,
  multipartRequest,
  POPULATION,
  postSoap,
  soapPackageOf,
  soapRequest,
  startSoapEcosystem,
  type SoapEcosystem,
} from './soap-fixture';

let soap: SoapEcosystem;
beforeAll(async () => {
  soap = await startSoapEcosystem();
}, 60_000);
afterAll(async () => {
  await soap?.stop();
});

const sha512 = (bytes: Buffer) => createHash('sha512').update(bytes).digest('base64');
const lastReceived = () => soap.echo.received[soap.echo.received.length - 1];
const AGENCIES = ['tax-board', 'population-registry'] as const;

describe('attachments both ways', () => {
  // Every byte value, CR and LF included, as a binary attachment carries them.
  const binary = Buffer.from(Array.from({ length: 4096 }, (_, index) => (index * 7) % 256));

  test('SOAP with attachments: two attachments reach the service byte for byte and come back with their MIME headers', async () => {
    const soapPart = Buffer.from(soapRequest({ id: 'soap-swa', service: ECHO_PERSON }));
    const attachments = [
      { headers: ['Content-Type: text/plain; charset=UTF-8', 'Content-ID: <note@tax-records>'], body: Buffer.from('Märkus: kiri\r\n') },
      { headers: ['Content-Type: application/octet-stream', 'Content-Transfer-Encoding: binary', 'Content-ID: <scan@tax-records>'], body: binary },
    ];
    const request = multipartRequest(
      [
        { headers: ['Content-Type: text/xml; charset=UTF-8', 'Content-Transfer-Encoding: 8bit', 'Content-ID: <soap@tax-records>'], body: soapPart },
        ...attachments,
      ],
      'MIMEBoundary_swa',
    );
    const contentType = 'multipart/related; type="text/xml"; start="<soap@tax-records>"; boundary="MIMEBoundary_swa"';
    const response = await postSoap(soap.eco, request, { contentType });

    expect({ status: response.status, error: response.headers['x-road-error'] }).toEqual({ status: 200, error: undefined });
    expect(lastReceived().body.equals(request)).toBe(true);
    expect(soap.echo.lastHeaders()['content-type']).toEqual([contentType]);
    const answer = soapPackageOf(response);
    expect(answer.form).toBe('multipart');
    const answerXml = answer.soapPart.toString('utf8');
    expect(elementText(answerXml, 'givenName')).toBe('Mari');
    expect(elementText(answerXml, 'requestHash')).toBe(sha512(soapPart));
    expect(answer.attachments.map((part) => ({ headers: part.headers, body: part.body.toString('base64') }))).toEqual([
      {
        headers: { 'content-type': ['text/plain; charset=UTF-8'], 'content-id': ['<note@tax-records>'] },
        body: attachments[0].body.toString('base64'),
      },
      {
        headers: { 'content-type': ['application/octet-stream'], 'content-transfer-encoding': ['binary'], 'content-id': ['<scan@tax-records>'] },
        body: binary.toString('base64'),
      },
    ]);
    // The sample backend's own getPerson answers the same way.
    const sample = await postSoap(
      soap.eco,
      Buffer.from(
        request.toString('latin1').replace('<xro:id>soap-swa</xro:id>', '<xro:id>soap-swa-2</xro:id>').replaceAll('echoPerson', 'getPerson'),
        'latin1',
      ),
      { contentType },
    );
    expect({ status: sample.status, error: sample.headers['x-road-error'] }).toEqual({ status: 200, error: undefined });
    expect(soapPackageOf(sample).attachments.map((part) => part.body.toString('base64'))).toEqual([
      attachments[0].body.toString('base64'),
      binary.toString('base64'),
    ]);
  });

  test('MTOM: the xop:Include and the attachment reach the service byte for byte; the answer is MTOM with the attachment', async () => {
    const include = '<xop:Include xmlns:xop="http://www.w3.org/2004/08/xop/include" href="cid:scan@tax-records"/>';
    const soapPart = Buffer.from(
      soapRequest({ id: 'soap-mtom', service: ECHO_PERSON, body: `<prod:echoPerson><id>123</id><scan>${include}</scan></prod:echoPerson>` }),
    );
    const request = multipartRequest(
      [
        {
          headers: [
            'Content-Type: application/xop+xml; charset=UTF-8; type="text/xml"',
            'Content-Transfer-Encoding: 8bit',
            'Content-ID: <root.message@cxf.apache.org>',
          ],
          body: soapPart,
        },
        { headers: ['Content-Type: application/octet-stream', 'Content-Transfer-Encoding: binary', 'Content-ID: <scan@tax-records>'], body: binary },
      ],
      'uuid:7c1b5e0f-mtom',
    );
    const contentType =
      'multipart/related; type="application/xop+xml"; boundary="uuid:7c1b5e0f-mtom"; start="<root.message@cxf.apache.org>"; start-info="text/xml"';
    const response = await postSoap(soap.eco, request, { contentType });

    expect({ status: response.status, error: response.headers['x-road-error'] }).toEqual({ status: 200, error: undefined });
    expect(lastReceived().body.equals(request)).toBe(true);
    const answer = soapPackageOf(response);
    expect(answer.form).toBe('mtom');
    expect(elementText(answer.soapPart.toString('utf8'), 'requestHash')).toBe(sha512(soapPart));
    expect(answer.attachments).toHaveLength(1);
    expect(answer.attachments[0].headers['content-id']).toEqual(['<scan@tax-records>']);
    expect(answer.attachments[0].body.equals(binary)).toBe(true);
  });
});

describe('metadata services (PR-META) through the layer', () => {
  const metadata = (id: string, code: string, body: string, client = TAX_CLIENT) =>
    soapRequest({ id, client, service: `${POPULATION}/${code}`, version: null, body });
  /** The serviceCode[/serviceVersion] of each xrd:service a method list holds. */
  const listed = (xml: string) =>
    [...(bodyOf(xml) ?? '').matchAll(/<xrd:service id:objectType="SERVICE">([\s\S]*?)<\/xrd:service>/g)].map((match) =>
      [elementText(match[1], 'serviceCode'), elementText(match[1], 'serviceVersion')].filter(Boolean).join('/'),
    );

  test('listMethods lists the SOAP services with their versions, never the REST ones', async () => {
    const response = await postSoap(soap.eco, metadata('soap-list', 'listMethods', '<xro:listMethods/>'));
    expect({ status: response.status, error: response.headers['x-road-error'] }).toEqual({ status: 200, error: undefined });
    expect(listed(response.body.toString('utf8')).sort()).toEqual(['echoPerson/v1', 'getPerson/v1']);
  });

  test('allowedMethods: tax-records may call getPerson; crm may call nothing — an empty list, not a fault', async () => {
    const tax = await postSoap(soap.eco, metadata('soap-allowed', 'allowedMethods', '<xro:allowedMethods/>'));
    expect(listed(tax.body.toString('utf8')).sort()).toEqual(['echoPerson/v1', 'getPerson/v1']);
    const crm = await postSoap(soap.eco, metadata('soap-allowed-crm', 'allowedMethods', '<xro:allowedMethods/>', CRM_CLIENT), {
      agency: 'business-registry',
    });
    expect({ status: crm.status, error: crm.headers['x-road-error'] }).toEqual({ status: 200, error: undefined });
    const body = bodyOf(crm.body.toString('utf8'));
    expect(body).toMatch(/<xrd:allowedMethodsResponse [^>]*><\/xrd:allowedMethodsResponse>/);
    expect(listed(crm.body.toString('utf8'))).toEqual([]);
  });

  test('getWsdl answers multipart, the WSDL attached with every soap:address location replaced (soap12:address left)', async () => {
    const wsdlOf = async (id: string, code: string) => {
      const body = `<xro:getWsdl><xro:serviceCode>${code}</xro:serviceCode><xro:serviceVersion>v1</xro:serviceVersion></xro:getWsdl>`;
      const response = await postSoap(soap.eco, metadata(id, 'getWsdl', body));
      expect({ status: response.status, error: response.headers['x-road-error'] }).toEqual({ status: 200, error: undefined });
      const answer = soapPackageOf(response);
      expect(answer.form).toBe('multipart');
      expect(elementText(answer.soapPart.toString('utf8'), 'serviceCode')).toBe('getWsdl'); // the header's, restated
      expect(bodyOf(answer.soapPart.toString('utf8'))).toContain(
        `<xrd:serviceCode>${code}</xrd:serviceCode><xrd:serviceVersion>v1</xrd:serviceVersion>`,
      );
      expect(answer.attachments).toHaveLength(1);
      expect(headerValue(answer.attachments[0].headers, 'content-id')).toMatch(/^<wsdl=[0-9a-f-]{36}@x-road\.eu>$/);
      return answer.attachments[0].body.toString('utf8');
    };
    expect(await wsdlOf('soap-wsdl', 'getPerson')).toBe(
      DEMO_WSDL.replace('https://population-registry.invalid/soap', 'http://example.org/xroad-endpoint'),
    );
    expect(await wsdlOf('soap-wsdl-echo', 'echoPerson')).toBe(
      ECHO_WSDL.replace('https://population-registry.invalid/soap', 'http://example.org/xroad-endpoint').replace(
        "location='https://backend.internal:8443/echo'",
        "location='http://example.org/xroad-endpoint'",
      ),
    );
  });

  test("REST's listMethods still lists only the REST services", async () => {
    const response = await soap.eco.call(`/r1/${POPULATION}/listMethods`, { headers: { 'x-road-client': TAX_CLIENT, accept: 'application/json' } });
    expect(response.status).toBe(200);
    const codes = response.json<{ service: { service_code: string }[] }>().service.map((service) => service.service_code);
    expect(codes).toContain('persons');
    expect(codes).not.toContain('getPerson');
    expect(codes).not.toContain('echoPerson');
  });
});

describe('one pipeline: logs, opmon, large messages', () => {
  const records = (agency: string, xRoadId: string) => soap.eco.agencies[agency].deps.log.find(TAX_CLIENT, xRoadId);
  const opmon = async (agency: string, xRoadId: string) => {
    await new Promise((resolve) => setTimeout(resolve, 200)); // the opmon file is appended asynchronously
    return readOpmonLines(soap.eco.agencies[agency].opmonFile).filter((record) => record.messageId === xRoadId);
  };

  test("both gateways' log records of a SOAP exchange verify against the global configuration; the request manifest states the version", async () => {
    const response = await postSoap(soap.eco, soapRequest({ id: 'soap-logged' }));
    expect(response.status).toBe(200);
    const configuration = await new GlobalConfigurationCache({
      anchor: { instance: soap.eco.config.instance, publicKey: soap.eco.anchorPublicKey },
      fetcher: new HttpGlobalConfigurationFetcher(new NodeHttpClient(), soap.eco.centralUrl),
      clock: systemClock,
      refreshMs: 60_000,
    }).current();
    for (const agency of AGENCIES) {
      const logged = await records(agency, 'soap-logged');
      expect(logged.map((record) => record.direction).sort()).toEqual(['request', 'response']);
      const request = logged.find((record) => record.direction === 'request')!;
      for (const record of logged) {
        const check = checkLogRecord(record, configuration, record.direction === 'response' ? request : undefined);
        expect({ agency, direction: record.direction, valid: check.valid, problem: check.problem }).toEqual({
          agency,
          direction: record.direction,
          valid: true,
          problem: undefined,
        });
        expect(record).toMatchObject({ client: TAX_CLIENT, xRoadId: 'soap-logged', service: GET_PERSON, method: 'POST', target: '/' });
      }
      expect(JSON.parse(Buffer.from(request.manifest!, 'base64').toString('utf8'))).toMatchObject({ service: GET_PERSON, serviceVersion: 'v1' });
    }
    const answer = (await records('tax-board', 'soap-logged')).find((record) => record.direction === 'response')!;
    expect(answer.body?.equals(response.body)).toBe(true);
  });

  test('opmon records carry serviceType WSDL, the version and the SOAP part size; a multipart request its MIME size and attachment count', async () => {
    const plain = Buffer.from(soapRequest({ id: 'soap-opmon' }));
    expect((await postSoap(soap.eco, plain)).status).toBe(200);
    const soapPart = Buffer.from(soapRequest({ id: 'soap-opmon-mime', service: ECHO_PERSON }));
    const multipart = multipartRequest(
      [
        { headers: ['Content-Type: text/xml; charset=UTF-8'], body: soapPart },
        { headers: ['Content-Type: text/plain'], body: 'one' },
        { headers: ['Content-Type: application/octet-stream'], body: Buffer.from([0, 1, 2, 255]) },
      ],
      'opmon-boundary',
    );
    const multipartResponse = await postSoap(soap.eco, multipart, { contentType: 'multipart/related; type="text/xml"; boundary=opmon-boundary' });
    expect(multipartResponse.status).toBe(200);
    const answerPart = soapPackageOf(multipartResponse);

    for (const agency of AGENCIES) {
      const [record] = await opmon(agency, 'soap-opmon');
      expect(record).toMatchObject({
        serviceType: 'WSDL',
        serviceCode: 'getPerson',
        serviceVersion: 'v1',
        messageProtocolVersion: '4.0',
        requestSize: plain.length,
        succeeded: true,
      });
      expect(record.requestMimeSize).toBeUndefined();
      const [mime] = await opmon(agency, 'soap-opmon-mime');
      expect(mime).toMatchObject({
        serviceType: 'WSDL',
        serviceCode: 'echoPerson',
        serviceVersion: 'v1',
        requestSize: soapPart.length,
        requestMimeSize: multipart.length,
        requestAttachmentCount: 2,
        responseSize: answerPart.soapPart.length,
        responseMimeSize: multipartResponse.body.length,
        responseAttachmentCount: 2,
        succeeded: true,
      });
    }
  });

  test('a 20 KiB SOAP request is logged in the body store on both sides and reaches the service byte for byte', async () => {
    const request = Buffer.from(
      soapRequest({
        id: 'soap-20k',
        service: ECHO_PERSON,
        body: `<prod:echoPerson><id>123</id><note>${'n'.repeat(20 * 1024)}</note></prod:echoPerson>`,
      }),
    );
    const response = await postSoap(soap.eco, request);
    expect({ status: response.status, error: response.headers['x-road-error'] }).toEqual({ status: 200, error: undefined });
    expect(lastReceived().body.equals(request)).toBe(true);
    for (const agency of AGENCIES) {
      const logged = (await records(agency, 'soap-20k')).find((record) => record.direction === 'request')!;
      expect(logged).toMatchObject({ bodyLogged: 'stored', bodyBytes: request.length });
      expect((await soap.eco.agencies[agency].deps.bodyStore!.get(logged.bodyLocation!)).equals(request)).toBe(true);
    }
  });

  test('a 1.5 MiB SOAP request travels between the gateways by reference and reaches the service byte for byte', async () => {
    const request = Buffer.from(
      soapRequest({
        id: 'soap-big',
        service: ECHO_PERSON,
        body: `<prod:echoPerson><id>123</id><note>${'b'.repeat(1536 * 1024)}</note></prod:echoPerson>`,
      }),
    );
    const consumerHttp = soap.eco.agencies['tax-board'].functions.consumer.http;
    const sent: OutboundRequest[] = [];
    const send = consumerHttp.send.bind(consumerHttp);
    const spy = jest.spyOn(consumerHttp, 'send').mockImplementation((call) => {
      sent.push(call);
      return send(call);
    });
    try {
      const response = await postSoap(soap.eco, request);
      expect({ status: response.status, error: response.headers['x-road-error'] }).toEqual({ status: 200, error: undefined });
      expect(elementText(response.body.toString('utf8'), 'requestHash')).toBe(sha512(request));
    } finally {
      spy.mockRestore();
    }
    const toProvider = sent.filter((call) => call.url.startsWith(soap.eco.agencies['population-registry'].providerUrl));
    expect(toProvider).toHaveLength(1);
    expect(headerValue(toProvider[0].headers, BODY_URL_HEADER)).toBeDefined();
    expect(toProvider[0].body.length).toBe(0);
    expect(lastReceived().body.equals(request)).toBe(true);
    expect(soap.echo.lastHeaders()[BODY_URL_HEADER]).toBeUndefined();
  });
});
