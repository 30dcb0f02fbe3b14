import { multipartBody, readSoapPackage } from '../../../../../../lambdas/core/exchange/protocols/soap/mime';
import { parseMediaType } from '../../../../../../lambdas/core/exchange/protocols/soap/media-type';
import { expectXRoadError } from '../../../../../support/assertions';
import { ATTACHMENT, multipart, soapUiRequest } from './messages';

const SOAP = Buffer.from(soapUiRequest());
const ROOT_HEADERS = ['Content-Type: text/xml; charset=UTF-8', 'Content-Transfer-Encoding: 8bit', 'Content-ID: <rootpart@soapui.org>'];
const ATTACHMENT_HEADERS = ['Content-Type: application/octet-stream', 'Content-Transfer-Encoding: binary', 'Content-ID: <data.bin>'];

describe('parseMediaType', () => {
  test('type, case-insensitive parameter names, quoted and bare values', () => {
    const media = parseMediaType('Multipart/Related; TYPE="text/xml";start="<a;b>" ; boundary=----=_Part_0_1.2');
    expect(media?.type).toBe('multipart/related');
    expect(Object.fromEntries(media!.parameters)).toEqual({ type: 'text/xml', start: '<a;b>', boundary: '----=_Part_0_1.2' });
    expect(parseMediaType('text/xml; charset="utf\\"8"')?.parameters.get('charset')).toBe('utf"8');
  });

  test('what is no media type', () => {
    for (const value of ['', 'xml', 'text/', 'text/xml/x', 'text/xml; charset', 'text/xml; charset="utf-8', 'text/xml; charset=a b']) {
      expect(parseMediaType(value)).toBeUndefined();
    }
  });
});

describe('readSoapPackage: a bare envelope', () => {
  test.each(['text/xml', 'text/xml; charset=utf-8', 'TEXT/XML;CHARSET=UTF-8', 'text/xml; charset="UTF-8"'])('%s', (contentType) => {
    expect(readSoapPackage(contentType, SOAP)).toEqual({ form: 'xml', soapPart: SOAP, soapPartStart: 0, attachments: [], mimeSize: SOAP.length });
  });

  test('another charset, another type, SOAP 1.2, a bare xop+xml or no content type: Client.InvalidContentType', () => {
    for (const contentType of [
      'text/xml; charset=ISO-8859-1',
      'application/json',
      'application/soap+xml',
      'application/xop+xml',
      undefined,
      'nonsense',
    ]) {
      expectXRoadError(() => readSoapPackage(contentType, SOAP), 'Client.InvalidContentType', 415);
    }
  });
});

describe('readSoapPackage: SOAP with attachments', () => {
  const contentType = 'multipart/related; type="text/xml"; start="<rootpart@soapui.org>"; boundary="MIME_boundary"';

  test('the root part exactly as sent, each attachment with its headers and bytes; preamble and epilogue ignored', () => {
    const body = multipart(
      'MIME_boundary',
      [
        [ROOT_HEADERS, SOAP],
        [ATTACHMENT_HEADERS, ATTACHMENT],
      ],
      { preamble: 'This is a multi-part message in MIME format.', epilogue: 'bye\r\n' },
    );
    const read = readSoapPackage(contentType, body);
    expect(read.form).toBe('multipart');
    expect(read.soapPart.equals(SOAP)).toBe(true);
    expect(body.subarray(read.soapPartStart, read.soapPartStart + read.soapPart.length).equals(SOAP)).toBe(true);
    expect(read.attachments).toHaveLength(1);
    expect(read.attachments[0].body.equals(ATTACHMENT)).toBe(true);
    expect(read.attachments[0].headers).toEqual({
      'content-type': ['application/octet-stream'],
      'content-transfer-encoding': ['binary'],
      'content-id': ['<data.bin>'],
    });
    expect(read.mimeSize).toBe(body.length);
  });

  test('the root is the first part; a start parameter must name it (a reader that follows start would read another part)', () => {
    const first = multipart('b', [
      [ROOT_HEADERS, SOAP],
      [ATTACHMENT_HEADERS, ATTACHMENT],
    ]);
    expect(readSoapPackage('multipart/related; boundary=b', first).soapPart.equals(SOAP)).toBe(true);
    expect(readSoapPackage('multipart/related; boundary=b; start=rootpart@soapui.org', first).soapPart.equals(SOAP)).toBe(true);
    const later = multipart('b', [
      [ATTACHMENT_HEADERS, ATTACHMENT],
      [ROOT_HEADERS, SOAP],
    ]);
    expect(() => readSoapPackage('multipart/related; boundary=b; start=rootpart@soapui.org', later)).toThrow(
      expect.objectContaining({ type: 'Client.MimeParsingFailed' }),
    );
  });

  test('a parameter given twice is no media type: readers disagree on which one counts', () => {
    const first = multipart('b', [
      [ROOT_HEADERS, SOAP],
      [ATTACHMENT_HEADERS, ATTACHMENT],
    ]);
    expect(() => readSoapPackage('multipart/related; boundary=b; boundary=c', first)).toThrow(
      expect.objectContaining({ type: 'Client.InvalidContentType' }),
    );
    expect(() => readSoapPackage('text/xml; charset=utf-8; charset=iso-8859-1', SOAP)).toThrow(
      expect.objectContaining({ type: 'Client.InvalidContentType' }),
    );
  });

  test('folded part headers are unfolded; a part may have no headers', () => {
    const body = multipart('b', [
      [['Content-Type: text/xml;', ' charset=utf-8'], SOAP],
      [[], 'plain'],
    ]);
    const read = readSoapPackage('multipart/related; boundary=b', body);
    expect(read.soapPart.equals(SOAP)).toBe(true);
    expect(read.attachments[0]).toEqual({ headers: {}, body: Buffer.from('plain') });
  });

  test('broken multipart bodies: Client.MimeParsingFailed', () => {
    const good = multipart('b', [[ROOT_HEADERS, SOAP]]);
    const broken: [string, string, Buffer][] = [
      ['no boundary parameter', 'multipart/related; type="text/xml"', good],
      ['a wrong boundary', 'multipart/related; boundary=c', good],
      ['no closing boundary', 'multipart/related; boundary=b', good.subarray(0, good.length - '--b--'.length)],
      [
        'a boundary line followed by text',
        'multipart/related; boundary=b',
        Buffer.concat([good.subarray(0, good.length - 5), Buffer.from('--bX\r\n')]),
      ],
      ['LF instead of CRLF', 'multipart/related; boundary=b', Buffer.from(good.toString('latin1').replace(/\r\n/g, '\n'), 'latin1')],
      ['no parts', 'multipart/related; boundary=b', Buffer.from('--b--\r\n')],
      ['no empty line after the headers', 'multipart/related; boundary=b', Buffer.from('--b\r\nContent-Type: text/xml\r\n--b--')],
      ['a header line without a colon', 'multipart/related; boundary=b', multipart('b', [[['Content-Type text/xml'], SOAP]])],
      ['start naming no part', 'multipart/related; boundary=b; start="<nope>"', good],
      ['an invalid boundary', `multipart/related; boundary="${'x'.repeat(71)}"`, good],
      [
        'a base64 SOAP part',
        'multipart/related; boundary=b',
        multipart('b', [[['Content-Type: text/xml', 'Content-Transfer-Encoding: base64'], SOAP.toString('base64')]]),
      ],
    ];
    for (const [, contentType, body] of broken) expectXRoadError(() => readSoapPackage(contentType, body), 'Client.MimeParsingFailed', 400);
  });

  test('a root part that is not XML, or not UTF-8, or has no content type: Client.InvalidContentType', () => {
    for (const headers of [['Content-Type: application/octet-stream'], ['Content-Type: text/xml; charset=windows-1252'], ['Content-ID: <x>'], []]) {
      expectXRoadError(() => readSoapPackage('multipart/related; boundary=b', multipart('b', [[headers, SOAP]])), 'Client.InvalidContentType');
    }
  });
});

describe('readSoapPackage: MTOM', () => {
  const contentType = 'multipart/related; type="application/xop+xml"; start="<rootpart>"; start-info="text/xml"; boundary="MIME_boundary"';

  test('a root part application/xop+xml; type="text/xml"', () => {
    const body = multipart('MIME_boundary', [
      [['Content-Type: application/xop+xml; charset=UTF-8; type="text/xml"', 'Content-Transfer-Encoding: 8bit', 'Content-ID: <rootpart>'], SOAP],
      [ATTACHMENT_HEADERS, ATTACHMENT],
    ]);
    const read = readSoapPackage(contentType, body);
    expect(read.form).toBe('mtom');
    expect(read.soapPart.equals(SOAP)).toBe(true);
    expect(read.attachments[0].body.equals(ATTACHMENT)).toBe(true);
  });

  test('a SOAP 1.2 or untyped xop part: Client.InvalidContentType', () => {
    for (const type of ['application/xop+xml; type="application/soap+xml"', 'application/xop+xml']) {
      const body = multipart('MIME_boundary', [[[`Content-Type: ${type}`, 'Content-ID: <rootpart>'], SOAP]]);
      expectXRoadError(() => readSoapPackage(contentType, body), 'Client.InvalidContentType');
    }
  });
});

describe('multipartBody', () => {
  test('writes a multipart/related body readSoapPackage reads back', () => {
    const wsdl = Buffer.from('<definitions/>');
    const written = multipartBody(
      [
        { headers: { 'Content-Type': 'text/xml; charset=UTF-8', 'Content-ID': '<soap>' }, body: SOAP },
        { headers: { 'Content-Type': 'text/xml', 'Content-ID': '<wsdl>' }, body: wsdl },
      ],
      'sild-boundary-1',
    );
    expect(written.contentType).toBe('multipart/related; type="text/xml"; boundary="sild-boundary-1"; start="<soap>"');
    const read = readSoapPackage(written.contentType, written.body);
    expect(read.soapPart.equals(SOAP)).toBe(true);
    expect(read.attachments.map((part) => part.body.toString())).toEqual(['<definitions/>']);
  });

  test('refuses a boundary that occurs in a part, an invalid boundary or a header with a line break', () => {
    expect(() => multipartBody([{ headers: {}, body: Buffer.from('x--b') }], 'b')).toThrow(/contains its boundary/);
    expect(() => multipartBody([], 'bad boundary ')).toThrow(/Invalid multipart boundary/);
    expect(() => multipartBody([{ headers: { 'Content-ID': 'a\r\nX: y' }, body: SOAP }], 'b')).toThrow(/Invalid part header/);
  });
});
