/**
 * X-Road's SOAP header (PR-MESS §2.2, annex B): reading its fields in document order with X-Road's checks, then
 * completing and validating them. X-Road's `SaxSoapParserImpl` checks fields as it streams (a duplicate, a wrong
 * `objectType`, an unsupported protocol version fail where they occur) and required fields when the Envelope ends;
 * `readHeaderFields` and `soapHeaderOf` split the same way. Elements the header does not define — in any namespace,
 * the X-Road one included — are ignored, as X-Road ignores them; so is a `requestHash` (only answers carry one).
 */
import { clientError } from '../../../kernel/errors';
import { clientIdOf, invalidPartReason, serviceIdOf, type ClientId, type ServiceId } from '../../../kernel/identifiers';
import { freeTextProblem, parseRepresentedParty } from '../../xroad-headers';
import { IDENTIFIERS_NS, REPRESENTATION_NS, XROAD_NS } from './namespaces';
import { quote, type XmlElement } from './xml';

export interface SoapHeader {
  /** objectType MEMBER → no `subsystemCode` (the consumer side refuses a member client later). */
  readonly client: ClientId;
  readonly service: ServiceId;
  readonly id: string;
  /** `4.x`. */
  readonly protocolVersion: string;
  readonly userId?: string;
  readonly issue?: string;
  /** As REST's `X-Road-Represented-Party`: `[CLASS/]CODE`. */
  readonly representedParty?: string;
}

/** An identifier field as written: its `objectType` and its parts by local name. */
interface Identifier {
  readonly objectType: string;
  readonly parts: ReadonlyMap<string, string>;
}

/** The header's fields as read, before the required ones are checked. */
export interface HeaderFields {
  client?: Identifier;
  service?: Identifier;
  securityServer?: Identifier;
  id?: string;
  userId?: string;
  issue?: string;
  protocolVersion?: string;
  representedParty?: ReadonlyMap<string, string>;
}

type TextField = 'id' | 'userId' | 'issue' | 'protocolVersion';
const TEXT_FIELDS = new Set<string>(['id', 'userId', 'issue', 'protocolVersion']);

/** Each identifier field: the objectTypes it may have and the parts it reads (PR-MESS annex A). */
const IDENTIFIERS = {
  client: { types: ['MEMBER', 'SUBSYSTEM'], parts: ['xRoadInstance', 'memberClass', 'memberCode', 'subsystemCode'] },
  service: { types: ['SERVICE'], parts: ['xRoadInstance', 'memberClass', 'memberCode', 'subsystemCode', 'serviceCode', 'serviceVersion'] },
  securityServer: { types: ['SERVER'], parts: ['xRoadInstance', 'memberClass', 'memberCode', 'serverCode'] },
} as const;
type IdentifierField = keyof typeof IDENTIFIERS;

/** X-Road's protocol version check (`ProtocolVersion`): any 4.x, compared as sent. */
const SUPPORTED_VERSION = '4.';

/**
 * Reads the X-Road fields of a Header in document order. Throws `Client.DuplicateHeaderField` for a field (or an
 * identifier part) stated twice, `Client.InvalidXml` for an identifier without the `objectType` it must have, and
 * `Client.InvalidProtocolVersion` for a version other than 4.x.
 */
export function readHeaderFields(header: XmlElement, fields: HeaderFields = {}): HeaderFields {
  for (const field of header.children) {
    const name = field.localName;
    if (field.namespace === XROAD_NS && TEXT_FIELDS.has(name)) {
      once(fields, name as TextField);
      if (name === 'protocolVersion' && !field.text.startsWith(SUPPORTED_VERSION)) {
        throw clientError('InvalidProtocolVersion', `Invalid protocol version (supported: 4.x, provided: ${quote(field.text)})`);
      }
      fields[name as TextField] = field.text;
    } else if (field.namespace === XROAD_NS && Object.hasOwn(IDENTIFIERS, name)) {
      once(fields, name as IdentifierField);
      fields[name as IdentifierField] = identifier(field, name as IdentifierField);
    } else if (field.namespace === REPRESENTATION_NS && name === 'representedParty') {
      once(fields, 'representedParty');
      fields.representedParty = partsOf(field, REPRESENTATION_NS, ['partyClass', 'partyCode'], name);
    }
  }
  return fields;
}

function once(fields: HeaderFields, name: keyof HeaderFields): void {
  if (fields[name] !== undefined) throw clientError('DuplicateHeaderField', `SOAP header contains duplicate field '${name}'`);
}

function identifier(field: XmlElement, name: IdentifierField): Identifier {
  const { types, parts } = IDENTIFIERS[name];
  const objectType = field.attributes.find((attribute) => attribute.namespace === IDENTIFIERS_NS && attribute.localName === 'objectType')?.value;
  if (objectType === undefined) throw clientError('InvalidXml', `The ${name} field has no id:objectType attribute`);
  if (!(types as readonly string[]).includes(objectType)) {
    throw clientError('InvalidXml', `The ${name} field has objectType ${quote(objectType)}, expected ${types.join(' or ')}`);
  }
  return { objectType, parts: partsOf(field, IDENTIFIERS_NS, parts, name) };
}

function partsOf(field: XmlElement, namespace: string, names: readonly string[], fieldName: string): Map<string, string> {
  const parts = new Map<string, string>();
  for (const part of field.children) {
    if (part.namespace !== namespace || !names.includes(part.localName)) continue;
    if (parts.has(part.localName)) throw clientError('DuplicateHeaderField', `SOAP header contains duplicate field '${fieldName}/${part.localName}'`);
    parts.set(part.localName, part.text);
  }
  return parts;
}

/**
 * The header from its fields once the Envelope is read. Throws `Client.MissingHeaderField` for a missing
 * protocolVersion, client, id or service (X-Road's order) or identifier part — a service without `subsystemCode`
 * too: X-Road's schema allows one, but every Sild service belongs to a subsystem — and, as the REST side does, an
 * error for an identifier part or a free-text value that may not be sent on.
 */
export function soapHeaderOf(fields: HeaderFields): SoapHeader {
  const { protocolVersion, client, service } = fields;
  if (protocolVersion === undefined) throw missing('protocolVersion');
  if (client === undefined) throw missing('client');
  if (trim(fields.id) === '') throw missing('id');
  if (service === undefined) throw missing('service');
  const id = freeText(fields.id, 'id')!;
  const userId = freeText(fields.userId, 'userId');
  const issue = freeText(fields.issue, 'issue');
  const representedParty = representedPartyOf(fields.representedParty);
  return {
    client: clientOf(client),
    service: serviceOf(service),
    id,
    protocolVersion,
    ...(userId === undefined ? {} : { userId }),
    ...(issue === undefined ? {} : { issue }),
    ...(representedParty === undefined ? {} : { representedParty }),
  };
}

function clientOf({ objectType, parts }: Identifier): ClientId {
  const values = required(parts, 'client', ['xRoadInstance', 'memberClass', 'memberCode']);
  const subsystem = parts.get('subsystemCode');
  if (objectType === 'SUBSYSTEM' && subsystem === undefined) throw missing('client/subsystemCode');
  if (objectType === 'MEMBER' && subsystem !== undefined)
    throw clientError('InvalidXml', 'The client field has objectType MEMBER but a subsystemCode');
  return clientIdOf(subsystem === undefined ? values : [...values, subsystem], 'InvalidClientIdentifier');
}

function serviceOf({ parts }: Identifier): ServiceId {
  const service = serviceIdOf(required(parts, 'service', ['xRoadInstance', 'memberClass', 'memberCode', 'subsystemCode', 'serviceCode']));
  const version = parts.get('serviceVersion');
  if (version === undefined) return service;
  const reason = invalidPartReason(version);
  if (reason) throw clientError('BadRequest', `Service version ${quote(version)} ${reason}`);
  return { ...service, serviceVersion: version };
}

function required(parts: ReadonlyMap<string, string>, field: string, names: readonly string[]): string[] {
  return names.map((name) => {
    const value = parts.get(name);
    if (value === undefined) throw missing(`${field}/${name}`);
    return value;
  });
}

/** A free-text field as REST reads its header: XML white space trimmed, empty is absent, control characters refused. */
function freeText(value: string | undefined, name: string): string | undefined {
  const trimmed = trim(value);
  if (trimmed === '') return undefined;
  const problem = freeTextProblem(trimmed);
  if (problem) throw clientError('BadRequest', `SOAP header field ${name} ${problem}`);
  return trimmed;
}

/** Without leading and trailing XML white space (a loop: an anchored regex would backtrack quadratically on long runs). */
function trim(value: string | undefined): string {
  const text = value ?? '';
  const space = (index: number) => ' \t\r\n'.includes(text[index]);
  let start = 0;
  let end = text.length;
  while (start < end && space(start)) start++;
  while (end > start && space(end - 1)) end--;
  return text.slice(start, end);
}

function representedPartyOf(parts: ReadonlyMap<string, string> | undefined): string | undefined {
  if (parts === undefined) return undefined;
  const code = parts.get('partyCode');
  if (code === undefined) throw missing('representedParty/partyCode');
  const partyClass = parts.get('partyClass');
  return parseRepresentedParty(partyClass === undefined ? code : `${partyClass}/${code}`);
}

function missing(field: string) {
  return clientError('MissingHeaderField', `Required field '${field}' is missing`);
}
