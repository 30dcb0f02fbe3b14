/**
 * What Sild accepts as a SOAP service's WSDL (checked at synth and at `npm start`, beside the OpenAPI descriptions):
 *
 * - XML the gateway's own reader takes (`parseXml`, the hardened reader SOAP messages are read with): well-formed, in
 *   UTF-8, without a DOCTYPE or processing instructions — so what passes here, `getWsdl` can answer;
 * - a WSDL 1.1 document: its root is `definitions` in `http://schemas.xmlsoap.org/wsdl/`;
 * - at least one binding with a SOAP 1.1 binding (`soap:binding`, `http://schemas.xmlsoap.org/wsdl/soap/`): X-Road's
 *   message protocol (PR-MESS) is SOAP 1.1;
 * - the service's code is an operation of such a binding;
 * - with a service version in the config, that binding operation carries `<xrd:version>` equal to it (X-Road's
 *   security server reads a service's version from there when a WSDL is added);
 * - a `service/port` with a `soap:address` (its location is a placeholder: the metadata service rewrites it).
 *
 * Nothing else is read: types, messages and port types are the backend's business.
 */
import { XRoadError } from '../../lambdas/core/kernel/errors';
import { parseXml, type XmlElement, type XmlName } from '../../lambdas/core/exchange/protocols/soap/xml';

export const WSDL_NAMESPACE = 'http://schemas.xmlsoap.org/wsdl/';
export const SOAP11_BINDING_NAMESPACE = 'http://schemas.xmlsoap.org/wsdl/soap/';
export const XROAD_NAMESPACE = 'http://x-road.eu/xsd/xroad.xsd';

/** The service a WSDL is checked for: its code and, when the config sets one, its version. */
export interface WsdlService {
  readonly code: string;
  readonly version?: string;
}

const isElement = (element: XmlName | undefined, uri: string, local: string) => element?.namespace === uri && element.localName === local;
const named = (elements: readonly XmlElement[], uri: string, local: string) => elements.filter((element) => isElement(element, uri, local));

/** definitions/binding/operation/xrd:version and definitions/service/port/soap:address: all a check reads. */
const READ = {
  element: (path: readonly XmlName[]) => path.length <= 4,
  text: (path: readonly XmlName[]) => path.length === 4 && isElement(path[3], XROAD_NAMESPACE, 'version'),
};

/** The reasons `text` is not a valid WSDL for `service`; empty when it is. */
export function wsdlProblems(text: string, service: WsdlService): string[] {
  let root: XmlElement;
  try {
    root = parseXml(Buffer.from(text, 'utf8'), READ);
  } catch (error) {
    if (error instanceof XRoadError) return [`is not XML the gateway reads: ${error.message.replace(/^The SOAP message is refused: /, '')}`];
    throw error;
  }
  if (!isElement(root, WSDL_NAMESPACE, 'definitions')) {
    return [`its root is <${root.localName}> (${root.namespace || 'no namespace'}), not WSDL 1.1's definitions (${WSDL_NAMESPACE})`];
  }
  const problems: string[] = [];
  const soapBindings = named(root.children, WSDL_NAMESPACE, 'binding').filter(
    (binding) => named(binding.children, SOAP11_BINDING_NAMESPACE, 'binding').length > 0,
  );
  if (soapBindings.length === 0) problems.push(`has no SOAP 1.1 binding (a wsdl:binding with a soap:binding of ${SOAP11_BINDING_NAMESPACE})`);
  else {
    const operations = soapBindings.flatMap((binding) => named(binding.children, WSDL_NAMESPACE, 'operation'));
    const matching = operations.filter(
      (operation) => operation.attributes.find((attribute) => attribute.localName === 'name' && attribute.namespace === '')?.value === service.code,
    );
    const versions = matching.map((operation) => named(operation.children, XROAD_NAMESPACE, 'version')[0]?.text.trim());
    if (matching.length === 0) {
      const known = [
        ...new Set(operations.map((operation) => operation.attributes.find((attribute) => attribute.localName === 'name')?.value ?? '')),
      ].join(', ');
      problems.push(`no SOAP 1.1 binding has the operation ${service.code} (its operations: ${known || 'none'})`);
    } else if (service.version !== undefined && !versions.includes(service.version)) {
      const carried = versions.filter((value) => value !== undefined);
      problems.push(
        carried.length === 0
          ? `the binding operation ${service.code} carries no xrd:version (${XROAD_NAMESPACE}), and the config sets version ${service.version}`
          : `the binding operation ${service.code} carries xrd:version ${carried.join(', ')}, not the config's version ${service.version}`,
      );
    }
  }
  const addressed = named(root.children, WSDL_NAMESPACE, 'service')
    .flatMap((wsdlService) => named(wsdlService.children, WSDL_NAMESPACE, 'port'))
    .flatMap((port) => named(port.children, SOAP11_BINDING_NAMESPACE, 'address'))
    .some((address) => Boolean(address.attributes.find((attribute) => attribute.localName === 'location')?.value));
  if (!addressed) problems.push('has no service port with a soap:address location');
  return problems;
}
