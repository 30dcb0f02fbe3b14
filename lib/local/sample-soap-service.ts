/**
 * The sample population registry's SOAP service `getPerson` (version v1, `config/population-registry.wsdl`), as an
 * X-Road SOAP service answers (PR-MESS §2.3): the request's envelope and header restated, the Body holding a
 * `getPersonResponse` wrapper in the producer's namespace. It reads all three forms X-Road carries — `text/xml`, SOAP
 * with attachments and MTOM — and answers in the form it was asked in, echoing the attachments (with their MIME
 * headers) so that a demo shows them crossing both ways. An unknown person or operation is a SOAP Fault with HTTP
 * 500, which the layer passes through unchanged.
 */
import { XRoadError } from '../../lambdas/core/kernel/errors';
import { readSoapRequest, type SoapMessage } from '../../lambdas/core/exchange/protocols/soap/envelope';
import { escapeXml } from '../../lambdas/core/kernel/xml-text';
import { soapFault } from '../../lambdas/core/exchange/protocols/soap/fault';
import { multipartBody } from '../../lambdas/core/exchange/protocols/soap/mime';
import { isNamed, SOAP_ENV } from '../../lambdas/core/exchange/protocols/soap/namespaces';
import { parseXml, type XmlName } from '../../lambdas/core/exchange/protocols/soap/xml';
import { personById, type Person } from './sample-persons';

export const PRODUCER_NAMESPACE = 'http://population-registry.dev/producer';

export interface SoapAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly body: Buffer;
}

const XML_TYPE = 'text/xml; charset=utf-8';
const fault = (code: 'Client' | 'Server', message: string): SoapAnswer => ({
  status: 500,
  contentType: XML_TYPE,
  body: soapFault(code, message, 'population-registry'),
});

/** Answers one SOAP request to the sample service; never throws. */
export function answerSoapRequest(contentType: string | undefined, body: Buffer): SoapAnswer {
  let message: SoapMessage;
  try {
    message = readSoapRequest(contentType, body);
  } catch (error) {
    return fault('Client', error instanceof XRoadError ? error.message : 'The request is not an X-Road SOAP message');
  }
  const { bodyElement } = message;
  if (!isNamed(bodyElement, PRODUCER_NAMESPACE, 'getPerson')) {
    return fault('Client', `No operation ${bodyElement.localName} in namespace ${bodyElement.namespace}`);
  }
  const id = requestedId(message.package.soapPart);
  const person = id === undefined ? undefined : personById(id);
  if (!person) return fault('Server', id === undefined ? 'getPerson needs an id' : `No person with id ${id}`);
  return answerOf(message, person);
}

/** The text of `getPerson/id` (unqualified, as the WSDL's `elementFormDefault="unqualified"` says). */
function requestedId(soapPart: Buffer): string | undefined {
  const inRequest = (path: readonly XmlName[]) =>
    path.length <= 2 || (isNamed(path[1], SOAP_ENV, 'Body') && (path.length === 3 || (path.length === 4 && path[3].localName === 'id')));
  const envelope = parseXml(soapPart, { element: inRequest, text: (path) => path.length === 4 });
  const call = envelope.children.find((child) => isNamed(child, SOAP_ENV, 'Body'))?.children[0];
  const id = call?.children.find((child) => child.localName === 'id')?.text.trim();
  return id || undefined;
}

/** The request's SOAP part with its Body's element replaced by the answer: envelope, header and whitespace kept. */
function answerOf(message: SoapMessage, person: Person): SoapAnswer {
  const { soapPart, form, attachments } = message.package;
  const envelope = parseXml(soapPart, { element: (path) => path.length <= 3, text: () => false });
  const call = envelope.children.find((child) => isNamed(child, SOAP_ENV, 'Body'))!.children[0];
  const response = [
    `<prod:getPersonResponse xmlns:prod="${PRODUCER_NAMESPACE}">`,
    ...(['id', 'givenName', 'familyName', 'dateOfBirth'] as const).map((field) => `<${field}>${escapeXml(person[field])}</${field}>`),
    '</prod:getPersonResponse>',
  ].join('');
  const answer = Buffer.concat([soapPart.subarray(0, call.start), Buffer.from(response), soapPart.subarray(call.end)]);
  if (form === 'xml') return { status: 200, contentType: XML_TYPE, body: answer };
  const rootType = form === 'mtom' ? 'application/xop+xml; charset=UTF-8; type="text/xml"' : XML_TYPE;
  const parts = [
    { headers: { 'Content-Type': rootType, 'Content-ID': '<getPersonResponse@population-registry.dev>' }, body: answer },
    ...attachments.map((part) => ({
      headers: Object.fromEntries(Object.entries(part.headers).map(([name, values]) => [name, values.join(', ')])),
      body: part.body,
    })),
  ];
  const { contentType, body } = multipartBody(parts, 'population-registry-answer', form === 'mtom' ? 'application/xop+xml' : 'text/xml');
  return { status: 200, contentType: form === 'mtom' ? `${contentType}; start-info="text/xml"` : contentType, body };
}
