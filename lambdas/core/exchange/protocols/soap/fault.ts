/**
 * SOAP 1.1 Faults (§4.4) as X-Road's security server renders its own (`SoapFault.createFaultXml`; PR-MESS annex D):
 * `faultcode` is the X-Road error type as text (`Server.ClientProxy.UnknownMember`, unqualified, as X-Road writes it),
 * `faultstring` the message, and `detail/faultDetail` (no namespace) the id operators find the cause under.
 */
import { escapeXml } from '../../../kernel/xml-text';
import { isNamed, SOAP_ENV } from './namespaces';
import { readEnvelope, type SoapEnvelope } from './structure';

/** A Fault's code and string. */
export interface FaultSummary {
  readonly code: string;
  /** @default - the Fault has no faultstring */
  readonly string?: string;
}

/** A SOAP 1.1 Fault envelope, every value XML-escaped. */
export function soapFault(faultCode: string, faultString: string, detail: string): Buffer {
  return Buffer.from(
    '<?xml version="1.0" encoding="UTF-8"?>' +
      `<SOAP-ENV:Envelope xmlns:SOAP-ENV="${SOAP_ENV}"><SOAP-ENV:Body><SOAP-ENV:Fault>` +
      `<faultcode>${escapeXml(faultCode)}</faultcode><faultstring>${escapeXml(faultString)}</faultstring>` +
      `<detail><faultDetail xmlns="">${escapeXml(detail)}</faultDetail></detail>` +
      '</SOAP-ENV:Fault></SOAP-ENV:Body></SOAP-ENV:Envelope>',
    'utf8',
  );
}

/** The Fault a SOAP message's Body holds; undefined when it holds none or is not a SOAP message. Never throws. */
export function readFault(body: Buffer): FaultSummary | undefined {
  try {
    return faultIn(readEnvelope(body));
  } catch {
    return undefined;
  }
}

/** The Fault an envelope's Body holds as its first element (X-Road reads it so), else undefined. */
export function faultIn(soap: SoapEnvelope): FaultSummary | undefined {
  const fault = soap.body?.children[0];
  if (!fault || !isNamed(fault, SOAP_ENV, 'Fault')) return undefined;
  // SOAP 1.1 §4.4: faultcode and faultstring are unqualified children of Fault.
  const field = (name: string) => fault.children.find((child) => child.namespace === '' && child.localName === name)?.text.trim();
  const faultString = field('faultstring');
  return { code: field('faultcode') ?? '', ...(faultString === undefined ? {} : { string: faultString }) };
}
