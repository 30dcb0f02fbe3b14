/**
 * What the end-to-end SOAP suites share: the demo ecosystem plus `echoPerson` v1, a SOAP service of
 * population-registry whose backend is the echo backend (it records exactly what reached it and answers as the sample
 * SOAP service does — all three forms, attachments echoed), SOAP requests as clients write them, and the checks of a
 * layer's SOAP Fault.
 */
import { readFileSync } from 'node:fs';
import { headersOf } from '../../lambdas/core/kernel/http';
import { readSoapPackage, type SoapPackage } from '../../lambdas/core/exchange/protocols/soap/mime';
import type { CallResult } from '../../lib/local/http-call';
import { answerSoapRequest, PRODUCER_NAMESPACE } from '../../lib/local/sample-soap-service';
import { startEchoBackend, type EchoBackend } from '../support/echo-backend';
import { startTestEcosystem, TAX_CLIENT, testConfig, type TestEcosystem } from './fixture';

export const POPULATION = 'DEV/GOV/70000001/population';
export const GET_PERSON = `${POPULATION}/getPerson`;
export const ECHO_PERSON = `${POPULATION}/echoPerson`;
export const XML_UTF8 = 'text/xml; charset=utf-8';
export const DEMO_WSDL = readFileSync('config/population-registry.wsdl', 'utf8');

/**
 * The demo WSDL for `echoPerson`, with a second SOAP 1.1 port and a SOAP 1.2 one: getWsdl must replace every
 * soap:address location and leave soap12:address as written.
 */
export const ECHO_WSDL = DEMO_WSDL.replaceAll('getPerson', 'echoPerson')
  .replace(' xmlns:xrd=', ' xmlns:soap12="http://schemas.xmlsoap.org/wsdl/soap12/" xmlns:xrd=')
  .replace(
    '    </wsdl:port>\n',
    '    </wsdl:port>\n' +
      '    <wsdl:port name="secondPort" binding="pr:populationRegistryBinding"><soap:address location=\'https://backend.internal:8443/echo\'/></wsdl:port>\n' +
      '    <wsdl:port name="soap12Port" binding="pr:populationRegistryBinding"><soap12:address location="https://backend.internal/soap12"/></wsdl:port>\n',
  );

export interface SoapEcosystem {
  readonly eco: TestEcosystem;
  readonly echo: EchoBackend;
  stop(): Promise<void>;
}

/** Bytes with one ASCII name replaced by another (latin1 keeps every other byte, binary attachments included). */
const renamed = (bytes: Buffer, from: string, to: string) => Buffer.from(bytes.toString('latin1').replaceAll(from, to), 'latin1');

/** The demo ecosystem with `echoPerson` v1 at the echo backend, which tax-records may call. */
export async function startSoapEcosystem(): Promise<SoapEcosystem> {
  const echo = await startEchoBackend();
  // The sample SOAP service, answering for echoPerson: the request read as getPerson, the answer renamed back.
  echo.script((request) => {
    const contentType = headersOf(request.headers)['content-type']?.[0];
    const answer = answerSoapRequest(contentType, renamed(request.body, 'echoPerson', 'getPerson'));
    const contentTypeBack = answer.contentType.replaceAll('getPerson', 'echoPerson'); // a multipart answer's start names its root part
    return { status: answer.status, headers: [['content-type', contentTypeBack]], body: renamed(answer.body, 'getPerson', 'echoPerson') };
  });
  const eco = await startTestEcosystem({
    config: testConfig((raw) => {
      const population = raw.agencies.find((agency) => agency.name === 'population-registry')!;
      population.services.push({
        subsystem: 'population',
        code: 'echoPerson',
        backendUrl: `${echo.url}/soap/echo`,
        type: 'soap',
        version: 'v1',
        wsdlDocument: ECHO_WSDL,
      });
      population.accessRights.push({ service: 'population/echoPerson', subject: TAX_CLIENT });
    }),
  });
  return {
    eco,
    echo,
    stop: async () => {
      await eco?.stop();
      await echo?.stop();
    },
  };
}

export interface SoapRequestOptions {
  readonly id?: string;
  /** `INST/CLASS/CODE[/SUB]`: without a subsystem, a MEMBER client. */
  readonly client?: string;
  /** `INST/CLASS/CODE/SUB/SERVICE`. */
  readonly service?: string;
  /** @default 'v1' — null: no serviceVersion */
  readonly version?: string | null;
  /** The Body's content. @default - `<prod:CODE><id>123</id></prod:CODE>` */
  readonly body?: string;
  readonly protocolVersion?: string;
  /** Header lines added after the standard ones. */
  readonly extraHeader?: readonly string[];
}

/** A request as SoapUI writes one: its own prefixes (soapenv, xro, iden), pretty-printed, fields in its order. */
export function soapRequest(options: SoapRequestOptions = {}): string {
  const { id = 'soap-1', client = TAX_CLIENT, service = GET_PERSON, version = 'v1', protocolVersion = '4.0' } = options;
  const [ci, cc, cm, cs] = client.split('/');
  const [si, sc, sm, ss, code] = service.split('/');
  const part = (name: string, value: string) => `<iden:${name}>${value}</iden:${name}>`;
  return [
    `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xro="http://x-road.eu/xsd/xroad.xsd" xmlns:iden="http://x-road.eu/xsd/identifiers" xmlns:prod="${PRODUCER_NAMESPACE}">`,
    '   <soapenv:Header>',
    `      <xro:protocolVersion>${protocolVersion}</xro:protocolVersion>`,
    `      <xro:id>${id}</xro:id>`,
    '      <xro:userId>EE38001010000</xro:userId>',
    `      <xro:client iden:objectType="${cs === undefined ? 'MEMBER' : 'SUBSYSTEM'}">`,
    `         ${part('xRoadInstance', ci)}${part('memberClass', cc)}${part('memberCode', cm)}${cs === undefined ? '' : part('subsystemCode', cs)}`,
    '      </xro:client>',
    '      <xro:service iden:objectType="SERVICE">',
    `         ${part('xRoadInstance', si)}${part('memberClass', sc)}${part('memberCode', sm)}${part('subsystemCode', ss)}${part('serviceCode', code)}${version === null ? '' : part('serviceVersion', version)}`,
    '      </xro:service>',
    ...(options.extraHeader ?? []).map((line) => `      ${line}`),
    '   </soapenv:Header>',
    '   <soapenv:Body>',
    `      ${options.body ?? `<prod:${code}>\n         <id>123</id>\n      </prod:${code}>`}`,
    '   </soapenv:Body>',
    '</soapenv:Envelope>',
  ].join('\n');
}

/** POSTs a SOAP message to an agency's consumer root (tax-board's unless told). */
export function postSoap(
  eco: TestEcosystem,
  body: string | Buffer,
  options: { contentType?: string | null; soapAction?: string | null; agency?: string } = {},
): Promise<CallResult> {
  const { contentType = XML_UTF8, soapAction = '""', agency } = options;
  const headers: Record<string, string> = {};
  if (contentType !== null) headers['content-type'] = contentType;
  if (soapAction !== null) headers.soapaction = soapAction;
  return eco.call('/', { method: 'POST', headers, body, ...(agency === undefined ? {} : { agency }) });
}

/** The text of the first element with this local name (any prefix), or undefined. */
export function elementText(xml: string, localName: string): string | undefined {
  return new RegExp(`<(?:[\\w.-]+:)?${localName}(?:\\s[^>]*)?>([^<]*)</(?:[\\w.-]+:)?${localName}>`).exec(xml)?.[1];
}

/** The SOAP Header element as written, start tag to end tag. */
export function headerOf(xml: string): string | undefined {
  return /<([\w.-]+:)?Header[\s>][\s\S]*<\/\1?Header>/.exec(xml)?.[0];
}

/** The Body element as written. */
export function bodyOf(xml: string): string | undefined {
  return /<([\w.-]+:)?Body[\s>][\s\S]*<\/\1?Body>/.exec(xml)?.[0];
}

/**
 * A fault of the layer as a SOAP client gets it (X-Road's client proxy): HTTP 200, `X-Road-Error` equal to the
 * faultcode, a faultstring, `detail/faultDetail` an id, and no internals.
 */
export function expectSoapFault(response: CallResult, type: string): { faultString: string } {
  const text = response.body.toString('utf8');
  const detail = /<detail><faultDetail xmlns="">([^<]*)<\/faultDetail><\/detail>/.exec(text)?.[1];
  expect({ status: response.status, header: response.headers['x-road-error'], faultcode: elementText(text, 'faultcode') }).toEqual({
    status: 200,
    header: type,
    faultcode: type,
  });
  expect(response.headers['content-type']).toMatch(/^text\/xml; charset=utf-8$/i);
  expect(text).toMatch(
    /^<\?xml version="1.0" encoding="UTF-8"\?><SOAP-ENV:Envelope xmlns:SOAP-ENV="http:\/\/schemas.xmlsoap.org\/soap\/envelope\/"><SOAP-ENV:Body><SOAP-ENV:Fault>/,
  );
  const faultString = elementText(text, 'faultstring');
  expect(faultString).toMatch(/\S/);
  expect(detail).toMatch(/^[0-9a-f-]{36}$/);
  expect(text).not.toMatch(/\bat .+\.(ts|js):\d+|node_modules|Error:/);
  return { faultString: faultString! };
}

/** A multipart/related message written by hand, as a client's MIME library puts it on the wire. */
export function multipartRequest(parts: readonly { headers: readonly string[]; body: Buffer | string }[], boundary: string): Buffer {
  const chunks: Buffer[] = [];
  for (const part of parts)
    chunks.push(
      Buffer.from(`--${boundary}\r\n${part.headers.map((line) => `${line}\r\n`).join('')}\r\n`),
      Buffer.from(part.body),
      Buffer.from('\r\n'),
    );
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

/** Reads an answer as a SOAP package (all three forms). */
export const soapPackageOf = (response: CallResult): SoapPackage => readSoapPackage(response.headers['content-type'], response.body);
