/**
 * X-Road identifiers: members `INST/CLASS/CODE`, subsystems `INST/CLASS/CODE/SUB`, services
 * `INST/CLASS/CODE/SUB/SERVICECODE`. Parts use X-Road's allowed characters: `A–Z a–z 0–9 ' ( ) + , - . = ?`.
 */
import { clientError, type ErrorCode } from './errors';

/** A member, or a subsystem of one when `subsystemCode` is set: the `X-Road-Client` of a message. */
export interface ClientId {
  readonly instance: string;
  readonly memberClass: string;
  readonly memberCode: string;
  readonly subsystemCode?: string;
}

/** A service offered by a subsystem. */
export interface ServiceId {
  readonly instance: string;
  readonly memberClass: string;
  readonly memberCode: string;
  readonly subsystemCode: string;
  readonly serviceCode: string;
  /**
   * SOAP services only (X-Road's `serviceVersion`): not part of the formatted id, which stays the REST form, but
   * carried beside it (the signed manifest's `serviceVersion`). @default - none
   */
  readonly serviceVersion?: string;
}

/** Longest part Sild accepts; X-Road stores identifiers in 255-character columns. */
export const MAX_PART_LENGTH = 255;

const PART = /^[A-Za-z0-9'()+,\-.=?]+$/;

/** Why a part is invalid, or undefined when it is valid. */
export function invalidPartReason(part: string): string | undefined {
  if (part.length === 0) return 'is empty';
  if (part.length > MAX_PART_LENGTH) return `is longer than ${MAX_PART_LENGTH} characters`;
  if (!PART.test(part)) return "contains a character outside A-Z a-z 0-9 ' ( ) + , - . = ?";
  return undefined;
}

function checkPart(kind: string, part: string, code: ErrorCode): string {
  const reason = invalidPartReason(part);
  if (reason) throw clientError(code, `${kind} ${JSON.stringify(part.slice(0, 64))} ${reason}`);
  return part;
}

/** Builds a client id from parts, validating each. */
export function clientIdOf(parts: readonly string[], code: ErrorCode = 'InvalidClientIdentifier'): ClientId {
  if (parts.length !== 3 && parts.length !== 4) {
    throw clientError(code, `A client identifier has 3 or 4 parts (INSTANCE/CLASS/CODE[/SUBSYSTEM]), got ${parts.length}`);
  }
  const [instance, memberClass, memberCode, subsystemCode] = parts;
  return {
    instance: checkPart('Instance', instance, code),
    memberClass: checkPart('Member class', memberClass, code),
    memberCode: checkPart('Member code', memberCode, code),
    ...(subsystemCode === undefined ? {} : { subsystemCode: checkPart('Subsystem code', subsystemCode, code) }),
  };
}

/** Parses `INST/CLASS/CODE[/SUB]` as sent in `X-Road-Client` (each part percent-decoded on its own). */
/** The instance an identifier (`INST/…`) belongs to; empty when it names none. */
export const instanceOfId = (id: string) => id.slice(0, Math.max(0, id.indexOf('/')));

export function parseClientId(text: string): ClientId {
  return clientIdOf(text.split('/').map((part) => decodePart(part, 'InvalidClientIdentifier')));
}

/** Parses `INST/CLASS/CODE/SUB/SERVICE` (each part percent-decoded on its own). */
export function parseServiceId(text: string): ServiceId {
  const parts = text.split('/').map((part) => decodePart(part, 'BadRequest'));
  if (parts.length !== 5) {
    throw clientError('BadRequest', `A service identifier has 5 parts (INSTANCE/CLASS/CODE/SUBSYSTEM/SERVICE), got ${parts.length}`);
  }
  return serviceIdOf(parts);
}

/** Builds a service id from its five parts, validating each. */
export function serviceIdOf(parts: readonly string[]): ServiceId {
  const owner = clientIdOf(parts.slice(0, 4), 'BadRequest');
  return { ...owner, subsystemCode: owner.subsystemCode!, serviceCode: checkPart('Service code', parts[4], 'BadRequest') };
}

/** Percent-decodes one identifier part; a malformed escape is the caller's error. */
export function decodePart(part: string, code: ErrorCode = 'BadRequest'): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw clientError(code, `Malformed percent-encoding in ${JSON.stringify(part.slice(0, 64))}`);
  }
}

/** `INST/CLASS/CODE[/SUB]`, each part percent-encoded so that the text parses back to the same id. */
export function formatClientId(id: ClientId): string {
  const parts = [id.instance, id.memberClass, id.memberCode];
  if (id.subsystemCode !== undefined) parts.push(id.subsystemCode);
  return parts.map(encodePart).join('/');
}

/** `INST/CLASS/CODE/SUB/SERVICE`, each part percent-encoded. */
export function formatServiceId(id: ServiceId): string {
  return [id.instance, id.memberClass, id.memberCode, id.subsystemCode, id.serviceCode].map(encodePart).join('/');
}

/** The subsystem that offers a service. */
export function serviceOwner(id: ServiceId): ClientId {
  return { instance: id.instance, memberClass: id.memberClass, memberCode: id.memberCode, subsystemCode: id.subsystemCode };
}

/** The member a client belongs to (drops the subsystem). */
export function memberOf(id: ClientId): ClientId {
  return { instance: id.instance, memberClass: id.memberClass, memberCode: id.memberCode };
}

function encodePart(part: string): string {
  return encodeURIComponent(part);
}
