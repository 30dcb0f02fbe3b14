import { readSoapRequest } from '../../../../../../lambdas/core/exchange/protocols/soap/envelope';
import { expectXRoadError } from '../../../../../support/assertions';
import { ATTACHMENT, CLIENT, defaultNamespaceRequest, ID_NS, multipart, service, SOAP_ENV, soapUiRequest, XROAD_NS, type Fields } from './messages';

const XML = 'text/xml;charset=UTF-8';
const read = (text: string | Buffer, contentType = XML) => readSoapRequest(contentType, Buffer.isBuffer(text) ? text : Buffer.from(text));
const refused = (text: string | Buffer, type: string, message?: RegExp) => {
  const error = expectXRoadError(() => read(text), type);
  if (message) expect(error.message).toMatch(message);
  return error;
};
const request = (fields: Fields, body?: string) => soapUiRequest(fields, body);

describe('readSoapRequest: requests as clients send them', () => {
  test('a SoapUI request: the header, the body element and the package', () => {
    const text = soapUiRequest({ issue: '<xro:issue>  case 12 </xro:issue>' });
    const message = read(text);
    expect(message.header).toEqual({
      client: { instance: 'DEV', memberClass: 'GOV', memberCode: '70000002', subsystemCode: 'tax-records' },
      service: {
        instance: 'DEV',
        memberClass: 'GOV',
        memberCode: '70000001',
        subsystemCode: 'population',
        serviceCode: 'getPerson',
        serviceVersion: 'v1',
      },
      id: '4894e35d-bf0f-44a6-867a-8e51f1daa7e0',
      protocolVersion: '4.0',
      userId: 'EE12345678901',
      issue: 'case 12',
    });
    expect(message.bodyElement).toEqual({ namespace: 'http://population.dev/producer', localName: 'getPerson' });
    expect(message.package.form).toBe('xml');
    expect(message.package.soapPart.toString()).toBe(text);
  });

  test('default namespaces, an XML declaration, comments, a member client and a represented party', () => {
    const message = read(defaultNamespaceRequest());
    expect(message.header.client).toEqual({ instance: 'DEV', memberClass: 'GOV', memberCode: '70000002' });
    expect(message.header).toMatchObject({ id: 'id-1', protocolVersion: '4.1', representedParty: 'COM/12345' });
    expect(message.header.service.serviceVersion).toBeUndefined();
  });

  test('a BOM, and the PR-MESS annex E prefixes', () => {
    const text = soapUiRequest()
      .replace(/soapenv:/g, 'SOAP-ENV:')
      .replace('xmlns:soapenv', 'xmlns:SOAP-ENV');
    expect(read(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>\n${text}`)])).header.id).toBe(
      '4894e35d-bf0f-44a6-867a-8e51f1daa7e0',
    );
  });

  test('unknown header elements in any namespace are ignored, so is a requestHash (even twice), mustUnderstand too', () => {
    const extra = `<wsse:Security xmlns:wsse="urn:wsse" soapenv:mustUnderstand="1"><x/></wsse:Security><xro:unknown>1</xro:unknown>
      <xro:requestHash algorithmId="x">a</xro:requestHash><xro:requestHash algorithmId="x">b</xro:requestHash>`;
    expect(read(request({ extra })).header.id).toBe('4894e35d-bf0f-44a6-867a-8e51f1daa7e0');
  });

  test('the metadata services follow the same rule as any service', () => {
    const body = '<xro:listMethods/>';
    expect(read(request({ service: service('listMethods') }, body)).bodyElement).toEqual({ namespace: XROAD_NS, localName: 'listMethods' });
    refused(request({ service: service('getWsdl') }, body), 'Client.InconsistentHeaders');
  });

  test('SOAP with attachments and MTOM', () => {
    const soap = Buffer.from(soapUiRequest());
    const body = multipart('MIME_boundary', [
      [['Content-Type: text/xml; charset=UTF-8', 'Content-ID: <rootpart>'], soap],
      [['Content-Type: application/octet-stream', 'Content-ID: <data.bin>'], ATTACHMENT],
    ]);
    const message = read(body, 'multipart/related; type="text/xml"; start="<rootpart>"; boundary="MIME_boundary"');
    expect(message.package.form).toBe('multipart');
    expect(message.package.soapPart.equals(soap)).toBe(true);
    expect(message.package.attachments[0].body.equals(ATTACHMENT)).toBe(true);
    const mtom = multipart('m', [[['Content-Type: application/xop+xml; charset=UTF-8; type="text/xml"'], soap]]);
    expect(read(mtom, 'multipart/related; type="application/xop+xml"; boundary=m').package.form).toBe('mtom');
  });
});

describe('readSoapRequest: refusals, with X-Road codes', () => {
  test('not a SOAP content type: Client.InvalidContentType; a broken multipart: Client.MimeParsingFailed', () => {
    expectXRoadError(() => read(soapUiRequest(), 'application/soap+xml'), 'Client.InvalidContentType');
    expectXRoadError(() => read(soapUiRequest(), 'multipart/related; boundary=x'), 'Client.MimeParsingFailed');
  });

  test('an empty body, malformed XML, no Envelope, a SOAP 1.2 Envelope: Client.InvalidSoap', () => {
    refused('', 'Client.InvalidSoap');
    refused(soapUiRequest().slice(0, -5), 'Client.InvalidSoap', /not well-formed/);
    refused('<getPerson/>', 'Client.InvalidSoap', /envelope missing, found root element "getPerson"/);
    refused(soapUiRequest().replace(SOAP_ENV, 'http://www.w3.org/2003/05/soap-envelope'), 'Client.InvalidSoap', /SOAP 1\.2/);
    refused(soapUiRequest().replace('</soapenv:Envelope>', '<soapenv:Body/></soapenv:Envelope>'), 'Client.InvalidSoap', /more than one Body/);
  });

  test('security: a DOCTYPE (XXE), a processing instruction, a nesting bomb in the body', () => {
    refused(
      `<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>${soapUiRequest({ id: '<xro:id>&e;</xro:id>' })}`,
      'Client.InvalidSoap',
      /DOCTYPE/,
    );
    refused(request({ extra: '<?php x?>' }), 'Client.InvalidSoap', /processing instruction/);
    refused(request({}, `<prod:getPerson>${'<a>'.repeat(10_000)}${'</a>'.repeat(10_000)}</prod:getPerson>`), 'Client.InvalidSoap', /deeper than 128/);
  });

  test('no Header: Client.MissingHeader', () => {
    refused(soapUiRequest().replace(/<soapenv:Header>[\s\S]*<\/soapenv:Header>/, ''), 'Client.MissingHeader');
  });

  test('a field stated twice, an identifier part twice: Client.DuplicateHeaderField', () => {
    refused(request({ extra: '<xro:id>again</xro:id>' }), 'Client.DuplicateHeaderField', /'id'/);
    refused(request({ extra: CLIENT }), 'Client.DuplicateHeaderField', /'client'/);
    refused(
      request({ client: CLIENT.replace('</xro:client>', '<iden:memberCode>2</iden:memberCode></xro:client>') }),
      'Client.DuplicateHeaderField',
      /'client\/memberCode'/,
    );
  });

  test('an identifier without objectType, or with the wrong one: Client.InvalidXml', () => {
    refused(request({ client: CLIENT.replace(' iden:objectType="SUBSYSTEM"', '') }), 'Client.InvalidXml', /no id:objectType/);
    refused(request({ client: CLIENT.replace('SUBSYSTEM', 'SERVICE') }), 'Client.InvalidXml', /objectType "SERVICE", expected MEMBER or SUBSYSTEM/);
    refused(request({ service: service('getPerson', 'SUBSYSTEM') }), 'Client.InvalidXml');
    // objectType in no namespace is not the identifiers' attribute
    refused(request({ client: CLIENT.replace('iden:objectType', 'objectType') }), 'Client.InvalidXml');
    refused(request({ client: CLIENT.replace('SUBSYSTEM', 'MEMBER') }), 'Client.InvalidXml', /MEMBER but a subsystemCode/);
  });

  test('a protocol version other than 4.x: Client.InvalidProtocolVersion', () => {
    for (const version of ['3.1', '5.0', '', ' 4.0']) {
      refused(request({ protocolVersion: `<xro:protocolVersion>${version}</xro:protocolVersion>` }), 'Client.InvalidProtocolVersion');
    }
  });

  test('a required field or identifier part missing: Client.MissingHeaderField, in X-Road order', () => {
    refused(request({ protocolVersion: '', client: '' }), 'Client.MissingHeaderField', /'protocolVersion'/);
    refused(request({ client: '', id: '' }), 'Client.MissingHeaderField', /'client'/);
    refused(request({ id: '<xro:id>  </xro:id>', service: '' }), 'Client.MissingHeaderField', /'id'/);
    refused(request({ service: '' }), 'Client.MissingHeaderField', /'service'/);
    refused(request({ client: CLIENT.replace(/<iden:memberCode>.*<\/iden:memberCode>/, '') }), 'Client.MissingHeaderField', /client\/memberCode/);
    refused(
      request({ client: CLIENT.replace(/<iden:subsystemCode>.*<\/iden:subsystemCode>/, '') }),
      'Client.MissingHeaderField',
      /client\/subsystemCode/,
    );
    // Sild services always belong to a subsystem
    refused(
      request({ service: service().replace(/<iden:subsystemCode>.*<\/iden:subsystemCode>/, '') }),
      'Client.MissingHeaderField',
      /service\/subsystemCode/,
    );
    refused(
      request({ extra: '<repr:representedParty xmlns:repr="http://x-road.eu/xsd/representation.xsd"/>' }),
      'Client.MissingHeaderField',
      /partyCode/,
    );
  });

  test('identifier parts and free text are validated as the REST side validates them', () => {
    refused(request({ client: CLIENT.replace('>70000002<', '>70 000 002<') }), 'Client.InvalidClientIdentifier');
    refused(request({ client: CLIENT.replace('>70000002<', '><') }), 'Client.InvalidClientIdentifier', /is empty/);
    refused(request({ service: service('get/Person') }, '<prod:getPerson/>'), 'Client.BadRequest');
    refused(request({ userId: `<xro:userId>${'u'.repeat(256)}</xro:userId>` }), 'Client.BadRequest', /longer than 255/);
    refused(request({ id: '<xro:id>a&#9;b</xro:id>' }), 'Client.BadRequest', /control characters/);
  });

  test('no Body: Client.MissingBody; a Body without exactly one element: Client.InvalidBody', () => {
    refused(soapUiRequest().replace(/<soapenv:Body>[\s\S]*<\/soapenv:Body>/, ''), 'Client.MissingBody');
    refused(request({}, ''), 'Client.InvalidBody');
    refused(request({}, 'text only'), 'Client.InvalidBody');
    refused(request({}, '<prod:getPerson/><prod:getPerson/>'), 'Client.InvalidBody');
  });

  test('a body element that is not the service code: Client.InconsistentHeaders (exact, also for a longer name)', () => {
    refused(request({}, '<prod:getCar/>'), 'Client.InconsistentHeaders', /"getCar" is not the service code getPerson/);
    refused(request({}, '<prod:getPersonRequest/>'), 'Client.InconsistentHeaders');
  });

  test("X-Road's document order: a duplicate field before a missing one, a second body element before a missing header", () => {
    refused(request({ service: '', extra: '<xro:id>again</xro:id>' }), 'Client.DuplicateHeaderField');
    refused(
      request({ client: CLIENT.replace('SUBSYSTEM', 'SERVICE'), protocolVersion: '<xro:protocolVersion>3</xro:protocolVersion>' }),
      'Client.InvalidXml',
    );
    const bodyFirst = `<e:Envelope xmlns:e="${SOAP_ENV}"><e:Body><a/><b/></e:Body></e:Envelope>`;
    refused(bodyFirst, 'Client.InvalidBody');
    refused(`<e:Envelope xmlns:e="${SOAP_ENV}"><e:Body/></e:Envelope>`, 'Client.MissingHeader');
    refused(`<e:Envelope xmlns:e="${SOAP_ENV}" xmlns:x="${XROAD_NS}" xmlns:i="${ID_NS}"><e:Header/></e:Envelope>`, 'Client.MissingHeaderField');
  });
});
