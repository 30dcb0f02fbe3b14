/**
 * A SOAP 1.1 envelope's skeleton: the Envelope, its Header and Body, the Header's fields with their parts, and the
 * Body's top-level elements (a Fault with its fields). Deeper content is only checked by the parser.
 */
import { clientError } from '../../../kernel/errors';
import { isNamed, SOAP12_ENV, SOAP_ENV } from './namespaces';
import { parseXml, quote, type KeepRules, type XmlElement, type XmlName } from './xml';

export interface SoapEnvelope {
  readonly envelope: XmlElement;
  /** @default - the envelope has no Header */
  readonly header?: XmlElement;
  /** @default - the envelope has no Body */
  readonly body?: XmlElement;
}

const under = (path: readonly XmlName[], localName: string) => path.length > 1 && isNamed(path[1], SOAP_ENV, localName);
const inFault = (path: readonly XmlName[]) => under(path, 'Body') && isNamed(path[2], SOAP_ENV, 'Fault');

/** Envelope, Header, Body (depth 1–2), their children (3); a Header field's parts and a Fault's fields (4). */
const SKELETON: KeepRules = {
  element: (path) => path.length <= 3 || (path.length === 4 && (under(path, 'Header') || inFault(path))),
  text: (path) => (path.length >= 3 && under(path, 'Header')) || (path.length === 4 && inFault(path)),
};

/**
 * Parses a SOAP part and finds its Envelope, Header and Body. Throws `Client.InvalidSoap` for XML the parser
 * refuses, a root that is not a SOAP 1.1 Envelope, or a second Header or Body (SOAP 1.1 §4: at most one Header,
 * exactly one Body; X-Road itself reads the last Body — Sild refuses the ambiguity), or a Header that is not the
 * Envelope's first child or a Body that does not directly follow it (§4.2–4.3).
 */
export function readEnvelope(soapPart: Buffer): SoapEnvelope {
  const envelope = parseXml(soapPart, SKELETON);
  if (!isNamed(envelope, SOAP_ENV, 'Envelope')) {
    const why = envelope.namespace === SOAP12_ENV ? 'a SOAP 1.2 envelope (X-Road speaks SOAP 1.1)' : `root element ${quote(envelope.localName)}`;
    throw clientError('InvalidSoap', `Malformed SOAP message: envelope missing, found ${why}`);
  }
  const only = (localName: string) => {
    const found = envelope.children.filter((child) => isNamed(child, SOAP_ENV, localName));
    if (found.length > 1) throw clientError('InvalidSoap', `Malformed SOAP message: more than one ${localName}`);
    return found[0];
  };
  const header = only('Header');
  const body = only('Body');
  // SOAP 1.1 §4.2–4.3: the Header is the Envelope's first child, the Body the next (or the first). A Body read before
  // the Header would put its content first in document order, where a client looks for the header's fields.
  const { children } = envelope;
  if ((header && children[0] !== header) || (body && children[header ? 1 : 0] !== body)) {
    throw clientError('InvalidSoap', 'Malformed SOAP message: the Header must be the first child of the Envelope and the Body directly follow it');
  }
  return { envelope, header, body };
}
