/**
 * What Sild accepts as a SOAP service's WSDL (checked at synth and at `npm start`, beside the OpenAPI descriptions):
 *
 * - well-formed XML (read with sax in strict mode, with namespaces) without a DOCTYPE — a WSDL needs no entity
 *   declarations, and refusing them keeps entity expansion out of every reader of the document;
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
import * as sax from 'sax';

export const WSDL_NAMESPACE = 'http://schemas.xmlsoap.org/wsdl/';
export const SOAP11_BINDING_NAMESPACE = 'http://schemas.xmlsoap.org/wsdl/soap/';
export const XROAD_NAMESPACE = 'http://x-road.eu/xsd/xroad.xsd';

/** The service a WSDL is checked for: its code and, when the config sets one, its version. */
export interface WsdlService {
  readonly code: string;
  readonly version?: string;
}

interface Binding {
  soap11: boolean;
  /** Operation name → the `xrd:version` it carries (undefined: none). */
  readonly operations: Map<string, string | undefined>;
}

/** Stops the parse at the first problem that makes the rest unreadable. */
class Unreadable extends Error {}

/** The reasons `text` is not a valid WSDL for `service`; empty when it is. */
export function wsdlProblems(text: string, service: WsdlService): string[] {
  const bindings: Binding[] = [];
  let root: sax.QualifiedTag | undefined;
  let addressed = false;
  /** The open elements, outermost first. */
  const open: sax.QualifiedTag[] = [];
  let version: { binding: Binding; operation: string; text: string } | undefined;

  const parser = sax.parser(true, { xmlns: true });
  parser.ondoctype = () => {
    throw new Unreadable('has a DOCTYPE: refused (a WSDL needs no entity declarations)');
  };
  parser.onerror = (error) => {
    throw new Unreadable(`is not well-formed XML: ${error.message.split('\n')[0]} (line ${parser.line + 1}, column ${parser.column + 1})`);
  };
  /** Whether the open elements are exactly these WSDL 1.1 elements, outermost first. */
  const within = (...path: string[]) => open.length === path.length && path.every((local, depth) => isElement(open[depth], WSDL_NAMESPACE, local));
  parser.onopentag = (node) => {
    const tag = node as sax.QualifiedTag;
    if (open.length === 0) {
      if (root) throw new Unreadable(`is not well-formed XML: a second root element <${tag.name}> (line ${parser.line + 1})`);
      root = tag;
    } else if (within('definitions') && isElement(tag, WSDL_NAMESPACE, 'binding')) bindings.push({ soap11: false, operations: new Map() });
    else if (within('definitions', 'binding')) {
      if (isElement(tag, SOAP11_BINDING_NAMESPACE, 'binding')) bindings.at(-1)!.soap11 = true;
      if (isElement(tag, WSDL_NAMESPACE, 'operation')) bindings.at(-1)!.operations.set(tag.attributes.name?.value ?? '', undefined);
    } else if (within('definitions', 'binding', 'operation') && isElement(tag, XROAD_NAMESPACE, 'version')) {
      version = { binding: bindings.at(-1)!, operation: open[2].attributes.name?.value ?? '', text: '' };
    } else if (within('definitions', 'service', 'port') && isElement(tag, SOAP11_BINDING_NAMESPACE, 'address')) {
      addressed ||= Boolean(tag.attributes.location?.value);
    }
    open.push(tag);
  };
  parser.ontext = parser.oncdata = (chunk) => {
    if (version) version.text += chunk;
  };
  parser.onclosetag = () => {
    const closed = open.pop();
    if (version && isElement(closed, XROAD_NAMESPACE, 'version')) {
      version.binding.operations.set(version.operation, version.text.trim());
      version = undefined;
    }
  };
  try {
    parser.write(text).close();
  } catch (error) {
    if (error instanceof Unreadable) return [error.message];
    throw error;
  }

  if (!root) return ['is not well-formed XML: no root element'];
  if (!isElement(root, WSDL_NAMESPACE, 'definitions')) {
    return [`its root is <${root.name}> (${root.uri || 'no namespace'}), not WSDL 1.1's definitions (${WSDL_NAMESPACE})`];
  }
  const problems: string[] = [];
  const soapBindings = bindings.filter((binding) => binding.soap11);
  if (soapBindings.length === 0) problems.push(`has no SOAP 1.1 binding (a wsdl:binding with a soap:binding of ${SOAP11_BINDING_NAMESPACE})`);
  else {
    const operations = soapBindings.filter((binding) => binding.operations.has(service.code));
    const versions = operations.map((binding) => binding.operations.get(service.code));
    if (operations.length === 0) {
      const known = [...new Set(soapBindings.flatMap((binding) => [...binding.operations.keys()]))].join(', ');
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
  if (!addressed) problems.push('has no service port with a soap:address location');
  return problems;
}

const isElement = (element: sax.QualifiedTag | undefined, uri: string, local: string) => element?.uri === uri && element.local === local;
