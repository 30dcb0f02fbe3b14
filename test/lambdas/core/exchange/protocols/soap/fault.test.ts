import { readFault, soapFault } from '../../../../../../lambdas/core/exchange/protocols/soap/fault';
import { parseXml } from '../../../../../../lambdas/core/exchange/protocols/soap/xml';
import { SOAP_ENV, soapUiRequest } from './messages';

describe('soapFault', () => {
  test("X-Road's form: an unqualified faultcode, the faultstring, detail/faultDetail in no namespace", () => {
    const fault = soapFault('Server.ClientProxy.UnknownMember', 'Unknown member DEV/GOV/1', 'e3b0c442-detail');
    expect(fault.toString()).toBe(
      `<?xml version="1.0" encoding="UTF-8"?><SOAP-ENV:Envelope xmlns:SOAP-ENV="${SOAP_ENV}"><SOAP-ENV:Body><SOAP-ENV:Fault>` +
        '<faultcode>Server.ClientProxy.UnknownMember</faultcode><faultstring>Unknown member DEV/GOV/1</faultstring>' +
        '<detail><faultDetail xmlns="">e3b0c442-detail</faultDetail></detail></SOAP-ENV:Fault></SOAP-ENV:Body></SOAP-ENV:Envelope>',
    );
  });

  test('every value is escaped, and the result reads back', () => {
    const hostile = `</faultstring><x a="'">&amp;]]>\u0001`;
    const fault = soapFault('Client.<x>', hostile, '"&');
    expect(() => parseXml(fault)).not.toThrow();
    expect(readFault(fault)).toEqual({ code: 'Client.<x>', string: `</faultstring><x a="'">&amp;]]>` });
  });
});

describe('readFault', () => {
  test('a Fault with any prefixes and white space', () => {
    const body = `<?xml version="1.0"?>\n<s:Envelope xmlns:s="${SOAP_ENV}">\n <s:Header/>\n <s:Body>\n  <s:Fault>\n   <faultcode>\n    Server.ServerProxy.ServiceFailed\n   </faultcode>\n   <faultstring>It broke</faultstring>\n   <detail><x/></detail>\n  </s:Fault>\n </s:Body>\n</s:Envelope>`;
    expect(readFault(Buffer.from(body))).toEqual({ code: 'Server.ServerProxy.ServiceFailed', string: 'It broke' });
  });

  test('a Fault without faultstring', () => {
    expect(
      readFault(Buffer.from(`<e:Envelope xmlns:e="${SOAP_ENV}"><e:Body><e:Fault><faultcode>e:Server</faultcode></e:Fault></e:Body></e:Envelope>`)),
    ).toEqual({
      code: 'e:Server',
    });
  });

  test('undefined for a message that is no Fault or cannot be read, never a throw', () => {
    for (const body of [
      soapUiRequest(),
      '',
      'not xml',
      '<!DOCTYPE x><x/>',
      `<e:Envelope xmlns:e="urn:other"><e:Body><e:Fault/></e:Body></e:Envelope>`,
    ]) {
      expect(readFault(Buffer.from(body))).toBeUndefined();
    }
    expect(readFault(Buffer.from([0xff, 0xfe]))).toBeUndefined();
  });
});
