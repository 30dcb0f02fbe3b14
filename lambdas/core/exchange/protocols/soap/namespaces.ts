/** The XML namespaces of X-Road's SOAP messages (PR-MESS §2 and its annexes A and B). */

/** SOAP 1.1's envelope, the only SOAP version X-Road speaks. */
export const SOAP_ENV = 'http://schemas.xmlsoap.org/soap/envelope/';
/** SOAP 1.2's envelope: named only to refuse it clearly. */
export const SOAP12_ENV = 'http://www.w3.org/2003/05/soap-envelope';
/** The X-Road header fields (`client`, `service`, `id`, `userId`, `issue`, `protocolVersion`, `requestHash`). */
export const XROAD_NS = 'http://x-road.eu/xsd/xroad.xsd';
/** The identifier parts and the `objectType` attribute. */
export const IDENTIFIERS_NS = 'http://x-road.eu/xsd/identifiers';
/** The represented-party extension (PR-REPR). */
export const REPRESENTATION_NS = 'http://x-road.eu/xsd/representation.xsd';

/** Whether `element` is `{namespace}localName`. */
export const isNamed = (element: { namespace: string; localName: string }, namespace: string, localName: string): boolean =>
  element.namespace === namespace && element.localName === localName;
