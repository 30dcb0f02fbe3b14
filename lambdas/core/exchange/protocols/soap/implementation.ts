/**
 * X-Road's SOAP message protocol (PR-MESS 4.0) behind the protocol seam: a client POSTs a SOAP 1.1 message to the
 * consumer gateway's root — plain `text/xml`, SOAP with attachments or MTOM — and names the service in its X-Road
 * header. The message travels between the gateways byte for byte (its SOAP part hashed as sent); the provider
 * checks the header states what the consumer gateway signed, calls the service's URL as it is, and adds the
 * `requestHash` to the answer's header before it signs it. Rights are per service code, as in X-Road; faults are SOAP
 * 1.1 `Fault`s, answered to clients with HTTP 200 as X-Road's security server answers them.
 *
 * This is the work a SOAP message takes; what the gateway asks of every request (which protocol it is in, its routes,
 * its reserved codes) is `protocol.ts`, which loads this module, and the XML parser with it, on the first SOAP
 * message a container sees.
 */
import { clientError, providerError, type XRoadError } from '../../../kernel/errors';
import { headersOf, headerValue, headerValues, singleHeaders, type Headers } from '../../../kernel/http';
import { formatClientId } from '../../../kernel/identifiers';
import type { OpmonAnswerFields, OpmonFields } from '../../opmon';
import { XROAD } from '../../xroad-headers';
import type { MessageProtocol, ProviderMessage } from '../protocol';
import { readSoapRequest, type SoapMessage } from './envelope';
import { readFault, soapFault } from './fault';
import { metadataAnswer, METADATA_SERVICES } from './metadata';
import { readSoapPackage } from './mime';
import { answerFromService } from './response';

const SOAP_CONTENT_TYPE = 'text/xml; charset=utf-8';

/** What the message's sizes and header give opmon (PR-OPMON: the SOAP part's size, the MIME message's, attachments). */
function requestOpmon(message: SoapMessage): OpmonFields {
  const { package: soap, header } = message;
  return {
    serviceVersion: header.service.serviceVersion,
    messageProtocolVersion: header.protocolVersion,
    requestSize: soap.soapPart.length,
    ...(soap.form === 'xml' ? {} : { requestMimeSize: soap.mimeSize, requestAttachmentCount: soap.attachments.length }),
  };
}

/**
 * A message's one Content-Type. Stated twice, readers differ — this gateway's `headerValue` takes the last, Node and
 * most servlet containers the first — so the gateway would check one SOAP message (a text/xml envelope) and the
 * service read another (a multipart body whose root part hides in the first one's CDATA): refused, as `refuse` says.
 */
function contentTypeOf(headers: Headers, refuse: () => XRoadError): string | undefined {
  const values = headerValues(headers, 'content-type');
  if (values !== undefined && values.length > 1) throw refuse();
  return values?.[0];
}

const readMessage = (headers: Headers, body: Buffer) =>
  readSoapRequest(
    contentTypeOf(headers, () => clientError('InvalidContentType', 'The SOAP message states its Content-Type more than once')),
    body,
  );

/** The parts of the protocol the gateway needs for every request, SOAP or not (`protocol.ts` answers them). */
export type SoapHead = 'serviceType' | 'offeredType' | 'metadataServices' | 'routes' | 'claims';
/** What a SOAP message takes, past the questions every request is asked. */
export type SoapMessages = Required<Omit<MessageProtocol, SoapHead | 'localAnswer'>>;

export const soapMessages: SoapMessages = {
  readClientRequest(request) {
    const message = readMessage(request.headers, request.body);
    const { header } = message;
    return {
      client: header.client,
      service: header.service,
      xRoadId: header.id,
      ...(header.userId === undefined ? {} : { userId: header.userId }),
      ...(header.issue === undefined ? {} : { issue: header.issue }),
      ...(header.representedParty === undefined ? {} : { representedParty: header.representedParty }),
      method: 'POST',
      target: '/',
      metadata: METADATA_SERVICES.has(header.service.serviceCode),
      opmon: requestOpmon(message),
    };
  },

  readForwardedRequest(request): ProviderMessage {
    const message = readMessage(request.headers, request.body);
    const { header } = message;
    const service = header.service;
    return {
      service,
      metadata: METADATA_SERVICES.has(service.serviceCode),
      // The header is what the service reads: it must state what the consumer gateway signed.
      stated: {
        client: formatClientId(header.client),
        xRoadId: header.id,
        userId: header.userId,
        issue: header.issue,
        representedParty: header.representedParty,
      },
      // Rights are per service code (X-Road's): one view, the service as a whole.
      accessViews: [{ method: 'POST', segments: [] }],
      callName: service.serviceVersion === undefined ? service.serviceCode : `${service.serviceCode} (${service.serviceVersion})`,
      opmon: requestOpmon(message),
      refusal: () => undefined,
      // The service's URL as registered, the client's message as sent (X-Road's server proxy adds nothing to it). The
      // provider reads the answer to add the requestHash, so the client's `Accept-Encoding` (SoapUI sends gzip) must not
      // invite a compressed one — as X-Road's server proxy, which makes its own request, never passes it on.
      backendCall: (offered, headers, body) => ({ method: 'POST', url: offered.backendUrl, headers: withoutAcceptEncoding(headers), body }),
      metadataAnswer: (context) => metadataAnswer(message, context),
      backendAnswer(answer) {
        const contentType = contentTypeOf(answer.headers, () =>
          providerError('ServiceFailed', "The service's answer states its Content-Type more than once"),
        );
        const encoding = headerValue(answer.headers, 'content-encoding')?.trim().toLowerCase();
        if (encoding !== undefined && encoding !== 'identity') {
          throw providerError(
            'ServiceFailed',
            `The service's answer is compressed (Content-Encoding: ${encoding.slice(0, 32)}), though the gateway asked for none`,
          );
        }
        const rewritten = answerFromService(message, contentType, answer.body);
        const headers = rewritten.contentType === undefined ? answer.headers : { ...answer.headers, 'content-type': [rewritten.contentType] };
        return { ...answer, headers, body: rewritten.body };
      },
    };
  },

  // A fault of the layer reaches the client with HTTP 200, as X-Road's client proxy sends it; the signed status stays
  // in the log. A service's own answer (a fault with HTTP 500 included) passes unchanged.
  clientAnswer: (answer) => (headerValue(answer.headers, XROAD.error) === undefined ? answer : { ...answer, status: 200 }),

  errorAnswer: (error: XRoadError, detail, _request, side) => ({
    status: side === 'consumer' ? 200 : error.status,
    headers: singleHeaders({ 'content-type': SOAP_CONTENT_TYPE }),
    body: soapFault(error.type, error.message, detail),
  }),

  errorBody(body) {
    const fault = readFault(body);
    return fault ? { types: [fault.code], ...(fault.string === undefined ? {} : { message: fault.string }) } : { types: [] };
  },

  opmonFields: () => ({ serviceType: 'WSDL' }),

  opmonAnswerFields(answer): OpmonAnswerFields {
    try {
      const soap = readSoapPackage(headerValue(answer.headers, 'content-type'), answer.body);
      return {
        responseSize: soap.soapPart.length,
        ...(soap.form === 'xml' ? {} : { responseMimeSize: soap.mimeSize, responseAttachmentCount: soap.attachments.length }),
      };
    } catch {
      // Not a SOAP answer (an API front's refusal): its body size stands.
      return {};
    }
  },
};

const withoutAcceptEncoding = (headers: Headers): Headers =>
  headersOf(Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'accept-encoding'));
