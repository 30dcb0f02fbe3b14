/**
 * PR-META §4 "WSDL-information modifications": a WSDL leaves the provider gateway with its endpoint addresses
 * replaced, so that clients never learn where the backend is and call it only through the gateway.
 *
 * As X-Road's security server does (`OverwriteAttributeFilter.createOverwriteSoapAddressFilter`, in
 * `src/addons/metaservice/src/main/java/org/niis/xroad/proxy/core/serverproxy/OverwriteAttributeFilter.java`): the
 * unqualified `location` attribute of every WSDL 1.1 SOAP binding `address` element, wherever it is, and nothing
 * else — not SOAP 1.2's `soap12:address` nor HTTP's `http:address`, which X-Road leaves as they are. X-Road
 * re-serializes the whole document; Sild splices only the attribute values, so every other byte stays as written.
 */
import { providerError, XRoadError } from '../../../kernel/errors';
import { escapeXml } from '../../../kernel/xml-text';
import { isNamed } from './namespaces';
import { parseXml, type KeepRules, type XmlElement } from './xml';

/**
 * The address clients see (PR-META §4; X-Road's `MetadataServiceHandlerImpl.WSDL_ENDPOINT_ADDRESS`, in
 * `src/addons/metaservice/src/main/java/org/niis/xroad/proxy/core/serverproxy/MetadataServiceHandlerImpl.java`).
 */
export const WSDL_ENDPOINT_ADDRESS = 'http://example.org/xroad-endpoint';

/** WSDL 1.1's SOAP binding (WSDL 1.1 §3), whose `address` names the endpoint. */
export const WSDL_SOAP_NS = 'http://schemas.xmlsoap.org/wsdl/soap/';

// X-Road rewrites a soap:address wherever it is, so every element is kept (a child is only seen under a kept parent);
// no text is needed.
const ELEMENTS: KeepRules = { element: () => true, text: () => false };

/**
 * The WSDL's UTF-8 bytes with every `soap:address` `location` replaced by `WSDL_ENDPOINT_ADDRESS`. Throws
 * `Server.ServerProxy.InternalError` for a WSDL the hardened XML reader refuses (the deployment's, not the client's).
 */
export function hideEndpoints(wsdl: string): Buffer {
  const bytes = Buffer.from(wsdl, 'utf8');
  let root: XmlElement;
  try {
    root = parseXml(bytes, ELEMENTS);
  } catch (error) {
    if (!(error instanceof XRoadError)) throw error;
    throw providerError('InternalError', 'The service description cannot be served: it is not XML the gateway reads', error);
  }
  const chunks: Buffer[] = [];
  let at = 0;
  for (const address of soapAddresses(root)) {
    const value = locationValue(bytes, address);
    if (!value) continue;
    chunks.push(bytes.subarray(at, value.start), Buffer.from(escapeXml(WSDL_ENDPOINT_ADDRESS)));
    at = value.end;
  }
  chunks.push(bytes.subarray(at));
  return Buffer.concat(chunks);
}

/** The `soap:address` elements in document order (the reader bounds the depth, so recursion is safe). */
function soapAddresses(element: XmlElement, found: XmlElement[] = []): XmlElement[] {
  if (isNamed(element, WSDL_SOAP_NS, 'address')) found.push(element);
  for (const child of element.children) soapAddresses(child, found);
  return found;
}

// One attribute of a start tag: white space, a name, `=` and a quoted value (which holds no `<` and not its quote).
const ATTRIBUTE = /\s+([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/.source;

/**
 * The byte span of the unqualified `location` attribute's value in the element's start tag, or undefined when it has
 * none. The tag is read as latin1, one character per byte: the delimiters sought are ASCII, which in UTF-8 never
 * occur inside a multi-byte character, so string indexes are byte offsets.
 */
function locationValue(bytes: Buffer, element: XmlElement): { start: number; end: number } | undefined {
  if (!element.attributes.some((attribute) => attribute.namespace === '' && attribute.localName === 'location')) return undefined;
  const tag = bytes.toString('latin1', element.start, element.contentEnd);
  const pattern = new RegExp(ATTRIBUTE, 'y');
  pattern.lastIndex = /^<[^\s/>]+/.exec(tag)![0].length;
  for (let match = pattern.exec(tag); match; match = pattern.exec(tag)) {
    if (match[1] !== 'location') continue;
    const end = element.start + pattern.lastIndex - 1; // before the closing quote
    return { start: end - (match[2] ?? match[3]).length, end };
  }
  throw new Error('A parsed location attribute was not found in its start tag');
}
