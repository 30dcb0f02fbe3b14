/**
 * SOAP messages as real clients send them, for the SOAP unit tests: the SoapUI style (`soapenv:`/`xro:`/`iden:`
 * prefixes, pretty-printed), the style of PR-MESS's annexes (`SOAP-ENV:`/`xrd:`/`id:`), and multipart bodies.
 */

export const SOAP_ENV = 'http://schemas.xmlsoap.org/soap/envelope/';
export const XROAD_NS = 'http://x-road.eu/xsd/xroad.xsd';
export const ID_NS = 'http://x-road.eu/xsd/identifiers';
export const REPR_NS = 'http://x-road.eu/xsd/representation.xsd';

/** The header fields of a SoapUI-style request, each overridable (a field given as '' is left out). */
export interface Fields {
  client?: string;
  service?: string;
  id?: string;
  userId?: string;
  issue?: string;
  protocolVersion?: string;
  extra?: string;
}

export const CLIENT = `<xro:client iden:objectType="SUBSYSTEM">
            <iden:xRoadInstance>DEV</iden:xRoadInstance>
            <iden:memberClass>GOV</iden:memberClass>
            <iden:memberCode>70000002</iden:memberCode>
            <iden:subsystemCode>tax-records</iden:subsystemCode>
         </xro:client>`;

export const service = (serviceCode = 'getPerson', objectType = 'SERVICE', version = '<iden:serviceVersion>v1</iden:serviceVersion>') =>
  `<xro:service iden:objectType="${objectType}">
            <iden:xRoadInstance>DEV</iden:xRoadInstance>
            <iden:memberClass>GOV</iden:memberClass>
            <iden:memberCode>70000001</iden:memberCode>
            <iden:subsystemCode>population</iden:subsystemCode>
            <iden:serviceCode>${serviceCode}</iden:serviceCode>
            ${version}
         </xro:service>`;

/** A SoapUI-style request envelope; `body` is the Body's content. */
export function soapUiRequest(fields: Fields = {}, body = '<prod:getPerson><prod:code>38001010000</prod:code></prod:getPerson>'): string {
  const field = (value: string | undefined, fallback: string) => (value === undefined ? fallback : value);
  return `<soapenv:Envelope xmlns:soapenv="${SOAP_ENV}" xmlns:xro="${XROAD_NS}" xmlns:iden="${ID_NS}" xmlns:prod="http://population.dev/producer">
   <soapenv:Header>
      ${field(fields.client, CLIENT)}
      ${field(fields.service, service())}
      ${field(fields.id, '<xro:id>4894e35d-bf0f-44a6-867a-8e51f1daa7e0</xro:id>')}
      ${field(fields.userId, '<xro:userId>EE12345678901</xro:userId>')}
      ${field(fields.issue, '')}
      ${field(fields.protocolVersion, '<xro:protocolVersion>4.0</xro:protocolVersion>')}
      ${fields.extra ?? ''}
   </soapenv:Header>
   <soapenv:Body>
      ${body}
   </soapenv:Body>
</soapenv:Envelope>`;
}

/** The same request with default namespaces only and no prefixes, an XML declaration and comments between fields. */
export function defaultNamespaceRequest(serviceCode = 'getPerson'): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<Envelope xmlns="${SOAP_ENV}"><!-- a comment before the header -->
<Header>
<client xmlns="${XROAD_NS}" xmlns:i="${ID_NS}" i:objectType="MEMBER"><xRoadInstance xmlns="${ID_NS}">DEV</xRoadInstance><memberClass xmlns="${ID_NS}">GOV</memberClass><memberCode xmlns="${ID_NS}">70000002</memberCode></client>
<!-- between fields -->
<service xmlns="${XROAD_NS}" xmlns:i="${ID_NS}" i:objectType="SERVICE"><xRoadInstance xmlns="${ID_NS}">DEV</xRoadInstance><memberClass xmlns="${ID_NS}">GOV</memberClass><memberCode xmlns="${ID_NS}">70000001</memberCode><subsystemCode xmlns="${ID_NS}">population</subsystemCode><serviceCode xmlns="${ID_NS}">${serviceCode}</serviceCode></service>
<id xmlns="${XROAD_NS}">id-1</id><protocolVersion xmlns="${XROAD_NS}">4.1</protocolVersion>
<representedParty xmlns="${REPR_NS}"><partyClass>COM</partyClass><partyCode>12345</partyCode></representedParty>
</Header>
<Body><${serviceCode} xmlns="http://population.dev/producer"><code>1</code></${serviceCode}></Body>
</Envelope>`;
}

/** A multipart/related body with CRLF line ends: `parts` are [header lines, body]. */
export function multipart(boundary: string, parts: readonly [string[], string | Buffer][], { preamble = '', epilogue = '' } = {}): Buffer {
  const chunks: Buffer[] = [Buffer.from(preamble ? `${preamble}\r\n` : '')];
  for (const [headers, body] of parts) {
    chunks.push(Buffer.from(`--${boundary}\r\n${headers.map((line) => `${line}\r\n`).join('')}\r\n`), Buffer.from(body), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--${epilogue ? `\r\n${epilogue}` : ''}`));
  return Buffer.concat(chunks);
}

export const ATTACHMENT = Buffer.from([0x00, 0xff, 0x0d, 0x0a, 0x2d, 0x2d, 0x41, 0xc3]); // binary, with CRLF and "--"
