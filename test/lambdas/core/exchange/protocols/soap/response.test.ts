import { readSoapRequest } from '../../../../../../lambdas/core/exchange/protocols/soap/envelope';
import { soapFault } from '../../../../../../lambdas/core/exchange/protocols/soap/fault';
import { answerFromService, soapPartDigest } from '../../../../../../lambdas/core/exchange/protocols/soap/response';
import { createHash } from 'node:crypto';
import { expectXRoadError } from '../../../../../support/assertions';
import { ATTACHMENT, CLIENT, ID_NS, multipart, service, SOAP_ENV, soapUiRequest, XROAD_NS, type Fields } from './messages';

const XML = 'text/xml; charset=utf-8';
const REQUEST_TEXT = soapUiRequest();
const REQUEST = readSoapRequest(XML, Buffer.from(REQUEST_TEXT));
const DIGEST = createHash('sha512').update(REQUEST_TEXT).digest('base64');
const ALGORITHM = 'http://www.w3.org/2001/04/xmlenc#sha512';

/** The service's answer: the request's header (overridable) and a `getPersonResponse`. */
const answer = (fields: Fields = {}, body = '<prod:getPersonResponse><prod:name>Mari</prod:name></prod:getPersonResponse>') =>
  soapUiRequest(fields, body);

/** The answer with the inserted element removed, for a byte-for-byte comparison. */
function withoutInserted(body: Buffer, element: string): Buffer {
  const at = body.indexOf(element);
  expect(at).toBeGreaterThan(0);
  expect(body.indexOf(element, at + 1)).toBe(-1);
  return Buffer.concat([body.subarray(0, at), body.subarray(at + Buffer.byteLength(element))]);
}

describe('soapPartDigest', () => {
  test('base64 SHA-512 of the bytes as sent', () => {
    expect(soapPartDigest(REQUEST.package.soapPart)).toBe(DIGEST);
  });
});

describe('answerFromService', () => {
  test('adds the requestHash as the last header field and keeps every other byte (prefix bound on the Envelope)', () => {
    // multi-byte characters before the insertion point: offsets are bytes, not UTF-16 units
    const sent = Buffer.from(
      answer({ extra: '<n:note xmlns:n="urn:n">Märi 😀 €</n:note>' }).replace('<soapenv:Header>', '<!-- ä --><soapenv:Header>'),
    );
    const result = answerFromService(REQUEST, XML, sent);
    const element = `<xro:requestHash algorithmId="${ALGORITHM}">${DIGEST}</xro:requestHash>`;
    expect(result.contentType).toBe(XML);
    expect(result.fault).toBeUndefined();
    expect(withoutInserted(result.body, element).equals(sent)).toBe(true);
    expect(result.body.toString()).toContain(`</n:note>${element}`);
  });

  test('replaces a requestHash the service (or the client before it) supplied, wherever it is', () => {
    const stale = '<xro:requestHash algorithmId="urn:md5">Zm9v</xro:requestHash>';
    const sent = Buffer.from(answer({ id: `${stale}<xro:id>4894e35d-bf0f-44a6-867a-8e51f1daa7e0</xro:id>`, extra: stale }));
    const result = answerFromService(REQUEST, XML, sent);
    const element = `<xro:requestHash algorithmId="${ALGORITHM}">${DIGEST}</xro:requestHash>`;
    expect(withoutInserted(result.body, element).toString()).toBe(sent.toString().split(stale).join(''));
  });

  test('uses a prefix bound on the Header, the default namespace, or declares one', () => {
    const onHeader = answer()
      .replace(` xmlns:xro="${XROAD_NS}"`, '')
      .replace('<soapenv:Header>', `<soapenv:Header xmlns:x="${XROAD_NS}">`)
      .replace(/xro:/g, 'x:');
    const element = `<x:requestHash algorithmId="${ALGORITHM}">${DIGEST}</x:requestHash>`;
    expect(withoutInserted(answerFromService(REQUEST, XML, Buffer.from(onHeader)).body, element).toString()).toBe(onHeader);

    // bound only on each field: nothing in scope at the Header
    const onFields = `<s:Envelope xmlns:s="${SOAP_ENV}"><s:Header>${[
      CLIENT.replace('<xro:client', `<xro:client xmlns:xro="${XROAD_NS}" xmlns:iden="${ID_NS}"`),
      service().replace('<xro:service', `<xro:service xmlns:xro="${XROAD_NS}" xmlns:iden="${ID_NS}"`),
      `<id xmlns="${XROAD_NS}">4894e35d-bf0f-44a6-867a-8e51f1daa7e0</id>`,
      `<userId xmlns="${XROAD_NS}">EE12345678901</userId>`,
      `<protocolVersion xmlns="${XROAD_NS}">4.0</protocolVersion>`,
    ].join('')}</s:Header><s:Body><getPersonResponse/></s:Body></s:Envelope>`;
    const declared = `<xrd:requestHash xmlns:xrd="${XROAD_NS}" algorithmId="${ALGORITHM}">${DIGEST}</xrd:requestHash>`;
    expect(withoutInserted(answerFromService(REQUEST, XML, Buffer.from(onFields)).body, declared).toString()).toBe(onFields);

    const defaulted = onFields.replace('<s:Header>', `<s:Header xmlns="${XROAD_NS}">`);
    const unprefixed = `<requestHash algorithmId="${ALGORITHM}">${DIGEST}</requestHash>`;
    expect(withoutInserted(answerFromService(REQUEST, XML, Buffer.from(defaulted)).body, unprefixed).toString()).toBe(defaulted);
  });

  test('in a multipart answer only the SOAP part changes; attachments and boundaries stay', () => {
    const contentType = 'multipart/related; type="text/xml"; boundary="b1"';
    const sent = multipart('b1', [
      [['Content-Type: text/xml; charset=UTF-8', 'Content-ID: <root>'], answer()],
      [['Content-Type: application/octet-stream'], ATTACHMENT],
    ]);
    const result = answerFromService(REQUEST, contentType, sent);
    expect(result.contentType).toBe(contentType);
    expect(withoutInserted(result.body, `<xro:requestHash algorithmId="${ALGORITHM}">${DIGEST}</xro:requestHash>`).equals(sent)).toBe(true);
  });

  test('the hash is over the request as sent: a multipart request hashes its SOAP part only', () => {
    const soap = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(REQUEST_TEXT)]);
    const request = readSoapRequest(
      'multipart/related; boundary=r',
      multipart('r', [
        [['Content-Type: text/xml'], soap],
        [[], ATTACHMENT],
      ]),
    );
    const digest = createHash('sha512').update(soap).digest('base64');
    expect(answerFromService(request, XML, Buffer.from(answer())).body.toString()).toContain(`>${digest}</xro:requestHash>`);
  });

  test('a Fault passes byte for byte, with its code and string', () => {
    const fault = soapFault('Server.Backend.Failed', 'no such person', 'x');
    expect(answerFromService(REQUEST, 'text/xml', fault)).toEqual({
      body: fault,
      contentType: 'text/xml',
      fault: { code: 'Server.Backend.Failed', string: 'no such person' },
    });
  });

  test('an answer that does not restate the request header: Server.ServerProxy.InconsistentResponse', () => {
    const inconsistent: Fields[] = [
      { id: '<xro:id>other</xro:id>' },
      { userId: '' },
      { issue: '<xro:issue>new</xro:issue>' },
      { client: CLIENT.replace('tax-records', 'other') },
      { service: service('getPerson', 'SERVICE', '<iden:serviceVersion>v2</iden:serviceVersion>') },
      { service: service('getPerson', 'SERVICE', '') },
    ];
    for (const fields of inconsistent) {
      expectXRoadError(() => answerFromService(REQUEST, XML, Buffer.from(answer(fields))), 'Server.ServerProxy.InconsistentResponse', 502);
    }
  });

  test('an answer that is not an X-Road SOAP message: Server.ServerProxy.ServiceFailed (502)', () => {
    const notSoap: [string | undefined, string][] = [
      ['application/json', '{"name":"Mari"}'],
      [undefined, answer()],
      [XML, '<html>error</html>'],
      [XML, answer().slice(0, 100)],
      [XML, answer({ id: '' })],
      [XML, answer({}, '<prod:getCarResponse/>')],
      [XML, answer({}, '')],
      [XML, answer().replace(/<soapenv:Header>[\s\S]*<\/soapenv:Header>/, '')],
    ];
    for (const [contentType, body] of notSoap) {
      const error = expectXRoadError(() => answerFromService(REQUEST, contentType, Buffer.from(body)), 'Server.ServerProxy.ServiceFailed', 502);
      expect(error.message).toMatch(/^The service's answer is not an X-Road SOAP message/);
    }
  });
});
