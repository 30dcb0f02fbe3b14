import type { AccessRule } from '../../../../../../lambdas/core/exchange/access-rights';
import type { MetadataContext } from '../../../../../../lambdas/core/exchange/protocols/protocol';
import { readSoapRequest, type SoapMessage } from '../../../../../../lambdas/core/exchange/protocols/soap/envelope';
import { METADATA_SERVICES, metadataAnswer } from '../../../../../../lambdas/core/exchange/protocols/soap/metadata';
import { readSoapPackage } from '../../../../../../lambdas/core/exchange/protocols/soap/mime';
import { answerFromService, soapPartDigest } from '../../../../../../lambdas/core/exchange/protocols/soap/response';
import { parseXml, type XmlElement } from '../../../../../../lambdas/core/exchange/protocols/soap/xml';
import { accessPolicySchema, type AccessPolicyInput } from '../../../../../../lambdas/core/exchange/settings';
import { headerValue, type HttpResponse } from '../../../../../../lambdas/core/kernel/http';
import { XRoadError } from '../../../../../../lambdas/core/kernel/errors';
import { rejectionOf } from '../../../../../support/assertions';
import { defaultNamespaceRequest, ID_NS, multipart, service, SOAP_ENV, soapUiRequest, XROAD_NS } from './messages';

const CALLER = 'DEV/GOV/70000002/tax-records';
const WSDL_SOAP = 'http://schemas.xmlsoap.org/wsdl/soap/';
const HIDDEN = 'http://example.org/xroad-endpoint';

const soap = (code: string, version?: string) => ({ subsystem: 'population', code, backendUrl: 'http://backend', type: 'soap' as const, version });
const right = (service: string, subject = CALLER, subsystem = 'population') => ({ subsystem, service, subject, method: '*', path: '**' });

const POLICY: AccessPolicyInput = {
  services: [
    soap('getPerson', 'v1'),
    soap('getPerson', 'v2'),
    soap('listPeople'),
    soap('secret', 'v1'),
    { subsystem: 'population', code: 'persons', backendUrl: 'http://backend/persons' }, // REST
    { ...soap('elsewhere'), subsystem: 'other' },
  ],
  accessRights: [right('getPerson'), right('persons'), right('secret', 'DEV/COM/10000003/crm'), right('listPeople', CALLER, 'other')],
};

const WSDL = `<?xml version="1.0" encoding="UTF-8"?>
<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:soap="${WSDL_SOAP}" name="Märi € 😀">
  <!-- a comment ä -->
  <wsdl:service name="population">
    <wsdl:port name="p1" binding="tns:b"><soap:address location="http://10.0.0.7:8080/internal?a=1&amp;b=2"/></wsdl:port>
    <wsdl:port name="p2"><soap:address  foo="x"  location = 'https://backend.internal/ws' bar="y" ></soap:address></wsdl:port>
    <wsdl:port name="p3"><address xmlns="${WSDL_SOAP}" location="http://default-ns/"/></wsdl:port>
    <wsdl:port name="p4"><s12:address xmlns:s12="http://schemas.xmlsoap.org/wsdl/soap12/" location="http://soap12/"/></wsdl:port>
    <wsdl:port name="p5"><http:address xmlns:http="http://schemas.xmlsoap.org/wsdl/http/" location="http://http/"/></wsdl:port>
    <wsdl:port name="p6"><soap:address xmlns:o="urn:o" o:location="http://qualified/"/></wsdl:port>
  </wsdl:service>
</wsdl:definitions>
`;

function context(policy: AccessPolicyInput = POLICY, wsdls: Record<string, string> = { 'population/getPerson': WSDL }): MetadataContext {
  return {
    policy: accessPolicySchema.parse(policy),
    allowed: (rule: AccessRule) => rule.subject === CALLER,
    descriptions: { get: async () => undefined, wsdl: async (subsystem, code) => wsdls[`${subsystem}/${code}`] },
  };
}

const XML = 'text/xml; charset=UTF-8';
const metadataRequest = (code: string, body = `<xro:${code}/>`) => soapUiRequest({ service: service(code, 'SERVICE', '') }, body);
const read = (text: string) => readSoapRequest(XML, Buffer.from(text));
const getWsdl = (fields: string) => metadataRequest('getWsdl', `<xro:getWsdl>${fields}</xro:getWsdl>`);

/** The answer as the provider signs it: `answerFromService` must accept it and add the request's hash. */
function signed(request: SoapMessage, answer: HttpResponse): Buffer {
  const contentType = headerValue(answer.headers, 'content-type');
  const result = answerFromService(request, contentType, answer.body);
  expect(result.fault).toBeUndefined();
  const header = parseXml(readSoapPackage(contentType, result.body).soapPart).children.find((child) => child.localName === 'Header')!;
  const hashes = header.children.filter((field) => field.namespace === XROAD_NS && field.localName === 'requestHash');
  expect(hashes.map((field) => field.text)).toEqual([soapPartDigest(request.package.soapPart)]);
  return result.body;
}

/** The Body's element of a SOAP part, everything kept. */
function bodyElement(soapPart: Buffer): XmlElement {
  const body = parseXml(soapPart).children.find((child) => child.namespace === SOAP_ENV && child.localName === 'Body')!;
  expect(body.children).toHaveLength(1);
  return body.children[0];
}

/** `code[@version]` of each listed service, after checking each is a full X-Road service identifier. */
function listed(element: XmlElement): string[] {
  return element.children.map((entry) => {
    expect(entry).toMatchObject({ namespace: XROAD_NS, localName: 'service' });
    expect(entry.attributes).toEqual([expect.objectContaining({ namespace: ID_NS, localName: 'objectType', value: 'SERVICE' })]);
    const parts = Object.fromEntries(entry.children.map((part) => [part.localName, part.text]));
    expect(entry.children.every((part) => part.namespace === ID_NS)).toBe(true);
    expect(parts).toMatchObject({ xRoadInstance: 'DEV', memberClass: 'GOV', memberCode: '70000001', subsystemCode: 'population' });
    return parts.serviceVersion === undefined ? parts.serviceCode : `${parts.serviceCode}@${parts.serviceVersion}`;
  });
}

describe('SOAP metadata services (PR-META)', () => {
  test('reserves listMethods, allowedMethods and getWsdl', () => {
    expect([...METADATA_SERVICES].sort()).toEqual(['allowedMethods', 'getWsdl', 'listMethods']);
  });

  test("listMethods: the subsystem's SOAP services with their versions, never REST ones or other subsystems'", async () => {
    const request = read(metadataRequest('listMethods'));
    const answer = await metadataAnswer(request, context());
    expect(answer.status).toBe(200);
    expect(headerValue(answer.headers, 'content-type')).toBe(XML);
    const element = bodyElement(answer.body);
    expect(element).toMatchObject({ namespace: XROAD_NS, localName: 'listMethodsResponse' });
    expect(listed(element)).toEqual(['getPerson@v1', 'getPerson@v2', 'listPeople', 'secret@v1']);
  });

  test('the answer is the request with its Body replaced: the Header restated byte for byte; it passes answerFromService', async () => {
    const text = metadataRequest('listMethods');
    const request = read(text);
    const answer = await metadataAnswer(request, context());
    const bodyAt = text.indexOf('<soapenv:Body>');
    expect(answer.body.subarray(0, bodyAt).toString()).toBe(text.slice(0, bodyAt));
    expect(answer.body.toString().endsWith(text.slice(text.indexOf('</soapenv:Body>') + '</soapenv:Body>'.length))).toBe(true);
    const sent = signed(request, answer);
    expect(listed(bodyElement(sent))).toHaveLength(4);
  });

  test('a request with default namespaces only, and one sent as multipart, are answered as text/xml', async () => {
    const plain = read(defaultNamespaceRequest('listMethods'));
    expect(listed(bodyElement(signed(plain, await metadataAnswer(plain, context()))))).toHaveLength(4);

    const body = multipart('b1', [
      [['Content-Type: text/xml; charset=UTF-8'], metadataRequest('allowedMethods')],
      [['Content-Type: text/plain'], 'x'],
    ]);
    const parted = readSoapRequest('multipart/related; type="text/xml"; boundary="b1"', body);
    const answer = await metadataAnswer(parted, context());
    expect(headerValue(answer.headers, 'content-type')).toBe(XML);
    expect(listed(bodyElement(signed(parted, answer)))).toEqual(['getPerson@v1', 'getPerson@v2']);
  });

  test('allowedMethods: only the services the caller has a right to (per service code, every version)', async () => {
    const request = read(metadataRequest('allowedMethods'));
    const element = bodyElement(signed(request, await metadataAnswer(request, context())));
    expect(element).toMatchObject({ namespace: XROAD_NS, localName: 'allowedMethodsResponse' });
    // persons: a REST right; secret: another caller's; listPeople: a right on another subsystem's code
    expect(listed(element)).toEqual(['getPerson@v1', 'getPerson@v2']);
  });

  test('allowedMethods without any right: an empty list, not a fault', async () => {
    const request = read(metadataRequest('allowedMethods'));
    const answer = await metadataAnswer(request, context({ ...POLICY, accessRights: [] }));
    const element = bodyElement(signed(request, answer));
    expect(element).toMatchObject({ namespace: XROAD_NS, localName: 'allowedMethodsResponse', children: [] });
  });

  test('values are escaped; metadata service codes are never listed', async () => {
    const odd = 'a<&"b';
    const request = read(metadataRequest('listMethods'));
    const policy = { services: [soap(odd, `v<&"1`), soap('getWsdl')], accessRights: [] };
    const answer = await metadataAnswer(request, context(policy));
    expect(answer.body.toString()).toContain('<id:serviceCode>a&#60;&#38;&#34;b</id:serviceCode>');
    expect(listed(bodyElement(answer.body))).toEqual([`${odd}@v<&"1`]);
  });
});

describe('getWsdl', () => {
  const wsdlOf = async (fields: string, ctx = context()) => {
    const request = read(getWsdl(fields));
    const answer = await metadataAnswer(request, ctx);
    const contentType = headerValue(answer.headers, 'content-type');
    expect(contentType).toMatch(/^multipart\/related; type="text\/xml"; boundary="/);
    return { parts: readSoapPackage(contentType, signed(request, answer)), answer };
  };
  const refusal = async (fields: string, ctx = context()) => rejectionOf(metadataAnswer(read(getWsdl(fields)), ctx)) as Promise<XRoadError>;

  test('multipart: getWsdlResponse restating the fields, then the WSDL with its addresses hidden', async () => {
    const { parts, answer } = await wsdlOf('<xro:serviceCode>getPerson</xro:serviceCode><xro:serviceVersion>v1</xro:serviceVersion>');
    expect(readSoapPackage(headerValue(answer.headers, 'content-type'), answer.body).soapPart.toString()).not.toContain('requestHash');
    const element = bodyElement(parts.soapPart);
    expect(element).toMatchObject({ namespace: XROAD_NS, localName: 'getWsdlResponse' });
    expect(element.children.map((child) => [child.namespace, child.localName, child.text])).toEqual([
      [XROAD_NS, 'serviceCode', 'getPerson'],
      [XROAD_NS, 'serviceVersion', 'v1'],
    ]);
    expect(parts.attachments).toHaveLength(1);
    const [wsdl] = parts.attachments;
    expect(headerValue(wsdl.headers, 'content-type')).toBe(XML);
    expect(headerValue(wsdl.headers, 'content-transfer-encoding')).toBe('binary');
    expect(headerValue(wsdl.headers, 'content-id')).toMatch(/^<wsdl=[0-9a-f-]{36}@x-road\.eu>$/);
    // every soap:address location (any prefix or quote) becomes X-Road's placeholder; every other byte is kept
    const expected = WSDL.replace('http://10.0.0.7:8080/internal?a=1&amp;b=2', HIDDEN)
      .replace('https://backend.internal/ws', HIDDEN)
      .replace('http://default-ns/', HIDDEN);
    expect(wsdl.body.toString()).toBe(expected);
    expect(wsdl.body.toString()).toContain('location="http://soap12/"'); // X-Road rewrites SOAP 1.1's binding only
  });

  test('the version must match exactly, as X-Road looks a service up', async () => {
    const ctx = context(POLICY, { 'population/getPerson': WSDL, 'population/listPeople': WSDL });
    await expect(wsdlOf('<xro:serviceCode>getPerson</xro:serviceCode><xro:serviceVersion>v2</xro:serviceVersion>', ctx)).resolves.toBeDefined();
    const { parts } = await wsdlOf('<xro:serviceCode>listPeople</xro:serviceCode>', ctx);
    expect(bodyElement(parts.soapPart).children.map((child) => child.localName)).toEqual(['serviceCode']);
    for (const fields of [
      '<xro:serviceCode>getPerson</xro:serviceCode>', // the service has versions, none asked
      '<xro:serviceCode>getPerson</xro:serviceCode><xro:serviceVersion>v3</xro:serviceVersion>',
      '<xro:serviceCode>listPeople</xro:serviceCode><xro:serviceVersion>v1</xro:serviceVersion>', // none registered
    ]) {
      await expect(refusal(fields, ctx)).resolves.toMatchObject({ type: 'Server.ServerProxy.UnknownService' });
    }
  });

  test("unknown service, another subsystem's, one without a WSDL: UnknownService; a REST service: ServiceType", async () => {
    const unknown = { type: 'Server.ServerProxy.UnknownService', status: 404 };
    await expect(refusal('<xro:serviceCode>nothing</xro:serviceCode>')).resolves.toMatchObject(unknown);
    await expect(refusal('<xro:serviceCode>elsewhere</xro:serviceCode>')).resolves.toMatchObject(unknown);
    await expect(refusal('<xro:serviceCode>listPeople</xro:serviceCode>')).resolves.toMatchObject(unknown);
    await expect(refusal('<xro:serviceCode>persons</xro:serviceCode>')).resolves.toMatchObject({ type: 'Server.ServerProxy.ServiceType' });
    const none = { ...context(), descriptions: undefined };
    await expect(refusal('<xro:serviceCode>getPerson</xro:serviceCode><xro:serviceVersion>v1</xro:serviceVersion>', none)).resolves.toMatchObject(
      unknown,
    );
  });

  test('serviceCode missing, blank, unqualified or stated twice: Client.BadRequest', async () => {
    for (const fields of [
      '',
      '<xro:serviceCode> </xro:serviceCode>',
      '<serviceCode xmlns="">getPerson</serviceCode>',
      '<xro:serviceCode>getPerson</xro:serviceCode><xro:serviceCode>getPerson</xro:serviceCode>',
    ]) {
      await expect(refusal(fields)).resolves.toMatchObject({ type: 'Client.BadRequest' });
    }
  });

  test('the fields restated are escaped', async () => {
    const odd = 'a<&"b';
    const ctx = context({ services: [soap(odd, odd)], accessRights: [] }, { [`population/${odd}`]: WSDL });
    const { parts } = await wsdlOf('<xro:serviceCode>a&lt;&amp;&quot;b</xro:serviceCode><xro:serviceVersion>a&lt;&amp;"b</xro:serviceVersion>', ctx);
    expect(parts.soapPart.toString()).toContain('<xrd:serviceCode>a&#60;&#38;&#34;b</xrd:serviceCode>');
    expect(bodyElement(parts.soapPart).children.map((child) => child.text)).toEqual([odd, odd]);
  });

  test("a WSDL the XML reader refuses is the provider's InternalError, not the client's fault", async () => {
    const ctx = context(POLICY, { 'population/listPeople': '<!DOCTYPE x><x/>' });
    await expect(refusal('<xro:serviceCode>listPeople</xro:serviceCode>', ctx)).resolves.toMatchObject({ type: 'Server.ServerProxy.InternalError' });
  });
});
