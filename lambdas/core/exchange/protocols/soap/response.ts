/**
 * The provider gateway's rewrite of a service's SOAP answer before it signs it (PR-MESS §2.2): a Fault passes as it
 * is; any other answer must be an X-Road SOAP message that restates the request's header, and gets the request's
 * hash as its `requestHash` field. As X-Road's `ServerMessageProcessor` does, the answer is read with the request's
 * parser (any of the three forms), so a failure is the service's (`ServiceFailed`); the header comparison is X-Road's
 * `SoapUtils.checkConsistency` over the fields `SoapHeader` marks `@CheckConsistency`: client, service (with its
 * version), id, userId, issue and representedParty — X-Road makes it on the consumer side, Sild before signing.
 */
import { createHash } from 'node:crypto';
import { providerError, XRoadError } from '../../../kernel/errors';
import { formatClientId, formatServiceId, type ServiceId } from '../../../kernel/identifiers';
import { soapMessageOf, type SoapHeader, type SoapMessage } from './envelope';
import { faultIn, type FaultSummary } from './fault';
import { readSoapPackage, type SoapPackage } from './mime';
import { withRequestHash } from './request-hash';
import { readEnvelope } from './structure';

/** The base64 SHA-512 of a SOAP part's bytes as sent: the value of an answer's `requestHash`. */
export function soapPartDigest(soapPart: Buffer): string {
  return createHash('sha512').update(soapPart).digest('base64');
}

/**
 * The service's answer as the provider gateway signs it: a Fault byte for byte (with its code and string), any other
 * answer with its `requestHash` replaced and every other byte kept (in a multipart answer only the SOAP part changes).
 * Throws `Server.ServerProxy.ServiceFailed` (502) for an answer that is not an X-Road SOAP message and
 * `Server.ServerProxy.InconsistentResponse` for one whose header does not restate the request's.
 */
export function answerFromService(
  request: SoapMessage,
  contentType: string | undefined,
  body: Buffer,
): { body: Buffer; contentType?: string; fault?: FaultSummary } {
  const kept = contentType === undefined ? {} : { contentType };
  const { soapPackage, soap } = serviceFailure(() => {
    const soapPackage = readSoapPackage(contentType, body);
    return { soapPackage, soap: readEnvelope(soapPackage.soapPart) };
  });
  const fault = faultIn(soap);
  if (fault) return { body, ...kept, fault };
  const answer = serviceFailure(() => soapMessageOf(soapPackage, soap, 'answer'));
  checkConsistency(request.header, answer.header);
  const soapPart = withRequestHash(soapPackage.soapPart, soap.header!, soapPartDigest(request.package.soapPart));
  return { body: spliceSoapPart(body, soapPackage, soapPart), ...kept };
}

/** Runs a read of the answer; a `Client.*` refusal becomes the service's failure. */
function serviceFailure<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (!(error instanceof XRoadError) || error.origin !== 'Client') throw error;
    throw providerError('ServiceFailed', `The service's answer is not an X-Road SOAP message (${error.code}): ${error.message}`, error);
  }
}

type Compared = keyof Pick<SoapHeader, 'client' | 'service' | 'id' | 'userId' | 'issue' | 'representedParty'>;

const COMPARED: Record<Compared, (header: SoapHeader) => string | undefined> = {
  client: (header) => formatClientId(header.client),
  service: (header) => serviceKey(header.service),
  id: (header) => header.id,
  userId: (header) => header.userId,
  issue: (header) => header.issue,
  representedParty: (header) => header.representedParty,
};

const serviceKey = (service: ServiceId) => `${formatServiceId(service)}#${service.serviceVersion ?? ''}`;

function checkConsistency(request: SoapHeader, answer: SoapHeader): void {
  for (const [field, value] of Object.entries(COMPARED)) {
    if (value(request) !== value(answer)) throw providerError('InconsistentResponse', `Field '${field}' does not match in request and response`);
  }
}

/** The whole body with its SOAP part replaced; the other parts and the boundaries stay byte for byte. */
function spliceSoapPart(body: Buffer, soapPackage: SoapPackage, soapPart: Buffer): Buffer {
  const start = soapPackage.soapPartStart;
  return Buffer.concat([body.subarray(0, start), soapPart, body.subarray(start + soapPackage.soapPart.length)]);
}
