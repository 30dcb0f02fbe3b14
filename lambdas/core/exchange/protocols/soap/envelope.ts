/**
 * An X-Road SOAP message (PR-MESS §2): a SOAP 1.1 envelope whose Header carries X-Road's fields and whose Body wraps
 * the call in one element named after the service (§2.3).
 *
 * The checks follow X-Road's order (`SoapMessageDecoder`, `SaxSoapParserImpl`, `SoapUtils`): the content type and
 * MIME structure; well-formed XML and a SOAP 1.1 Envelope; then, in document order, each Header field (duplicates,
 * `objectType`, protocol version) and a second Body element; then, as the Envelope ends, a missing Header, missing
 * required fields, a missing Body, a Body without an element, and the Body element against the service code. Sild
 * then validates identifier parts and free text as the REST side does.
 */
import { clientError } from '../../../kernel/errors';
import { readHeaderFields, soapHeaderOf, type HeaderFields, type SoapHeader } from './header';
import { readSoapPackage, type SoapPackage } from './mime';
import { readEnvelope, type SoapEnvelope } from './structure';
import type { XmlElement } from './xml';

export type { SoapHeader } from './header';

export interface SoapMessage {
  readonly header: SoapHeader;
  /** The Body's one element: its name is the service code (a request) or starts with it (an answer). */
  readonly bodyElement: { readonly namespace: string; readonly localName: string };
  readonly package: SoapPackage;
}

/**
 * How the Body element must relate to the service code: a request's is the service code (PR-MESS §2.3; X-Road
 * accepts any name that starts with it — Sild is exact), an answer's starts with it (`fooResponse`), as X-Road checks.
 */
export type BodyRule = 'request' | 'answer';

/** A client's SOAP request (consumer side) or a forwarded one (provider side): checks in X-Road's order. */
export function readSoapRequest(contentType: string | undefined, body: Buffer): SoapMessage {
  const soapPackage = readSoapPackage(contentType, body);
  return soapMessageOf(soapPackage, readEnvelope(soapPackage.soapPart), 'request');
}

/** The X-Road message an envelope carries, checked in X-Road's order after the envelope itself (see the file's comment). */
export function soapMessageOf(soapPackage: SoapPackage, soap: SoapEnvelope, rule: BodyRule): SoapMessage {
  const fields: HeaderFields = {};
  let bodyElement: XmlElement | undefined;
  for (const part of soap.envelope.children) {
    if (part === soap.header) readHeaderFields(part, fields);
    if (part === soap.body) bodyElement = onlyElement(part);
  }
  if (!soap.header) throw clientError('MissingHeader', 'Malformed SOAP message: header missing');
  const header = soapHeaderOf(fields);
  if (!soap.body) throw clientError('MissingBody', 'Malformed SOAP message: body missing');
  if (!bodyElement) throw invalidBody();
  const serviceCode = header.service.serviceCode;
  const name = bodyElement.localName;
  if (rule === 'request' ? name !== serviceCode : !name.startsWith(serviceCode)) {
    throw clientError(
      'InconsistentHeaders',
      `Malformed SOAP message: the body element ${JSON.stringify(name.slice(0, 64))} is not the service code ${serviceCode}`,
    );
  }
  return { header, bodyElement: { namespace: bodyElement.namespace, localName: name }, package: soapPackage };
}

/** The Body's one element; a second one is refused where it occurs, as X-Road's streaming parser does. */
function onlyElement(body: XmlElement): XmlElement | undefined {
  if (body.children.length > 1) throw invalidBody();
  return body.children[0];
}

const invalidBody = () => clientError('InvalidBody', 'Malformed SOAP message: body must have exactly one child element');
