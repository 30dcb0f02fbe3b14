/**
 * X-Road's SOAP metadata services (PR-META §3–4), real exchanges answered by the provider gateway from its own
 * registrations: `listMethods` lists the subsystem's SOAP services, `allowedMethods` those the caller has a right to,
 * and `getWsdl` returns one service's WSDL as an attachment, its endpoint addresses hidden (`wsdl-endpoints.ts`).
 * REST services are never listed (REST's own `listMethods` lists them).
 *
 * Where PR-META leaves room Sild does what X-Road's security server does (`MetadataServiceHandlerImpl`, in
 * `src/addons/metaservice/src/main/java/org/niis/xroad/proxy/core/serverproxy/`): none of the three needs an access
 * right (`shouldVerifyAccess()` is false), and an answer is the request with its Body replaced (`SoapUtils.toResponse`
 * keeps the request's envelope): the Header, and the namespace declarations in scope for it, restate the request's
 * byte for byte, so the provider's `answerFromService` accepts the answer and adds the `requestHash` as for any service.
 */
import { SOAP_METADATA_SERVICES } from '../metadata-services';
import { randomUUID } from 'node:crypto';
import { clientError, providerError } from '../../../kernel/errors';
import { singleHeaders, type HttpResponse } from '../../../kernel/http';
import type { ServiceId } from '../../../kernel/identifiers';
import type { OfferedService } from '../../settings';
import type { MetadataContext } from '../protocol';
import type { SoapMessage } from './envelope';
import { escapeXml } from '../../../kernel/xml-text';
import { multipartBody } from './mime';
import { IDENTIFIERS_NS, isNamed, SOAP_ENV, XROAD_NS } from './namespaces';
import { hideEndpoints } from './wsdl-endpoints';
import { parseXml, quote, type KeepRules, type XmlElement, type XmlName } from './xml';

/** The SOAP metadata services (PR-META): reserved service codes. */
export const METADATA_SERVICES = SOAP_METADATA_SERVICES;

const TEXT_XML = 'text/xml; charset=UTF-8';

/** Answers a SOAP metadata request on the provider side. `message` is the parsed request (readSoapRequest). */
export async function metadataAnswer(message: SoapMessage, context: MetadataContext): Promise<HttpResponse> {
  const { soapPart } = message.package;
  const { body, element } = requestBody(soapPart);
  const service = message.header.service;
  switch (service.serviceCode) {
    case 'listMethods':
      return xmlAnswer(answerPart(soapPart, body, methodList('listMethodsResponse', service, soapServices(service, context, false))));
    case 'allowedMethods':
      return xmlAnswer(answerPart(soapPart, body, methodList('allowedMethodsResponse', service, soapServices(service, context, true))));
    case 'getWsdl':
      return wsdlAnswer(service, wsdlRequest(element), context, (content) => answerPart(soapPart, body, content));
    default:
      throw new Error(`${service.serviceCode} is not a SOAP metadata service`);
  }
}

const inBody = (path: readonly XmlName[]) => path.length > 1 && isNamed(path[1], SOAP_ENV, 'Body');

/** Envelope, Header and Body (their spans), the Body's element and its children with their text (getWsdl's fields). */
const REQUEST_BODY: KeepRules = {
  element: (path) => path.length <= 2 || (path.length <= 4 && inBody(path)),
  text: (path) => path.length === 4 && inBody(path),
};

/** The request's Body and its element; `readSoapRequest` has checked there is exactly one of each. */
function requestBody(soapPart: Buffer): { body: XmlElement; element: XmlElement } {
  const body = parseXml(soapPart, REQUEST_BODY).children.find((child) => isNamed(child, SOAP_ENV, 'Body'));
  if (!body?.children[0]) throw new Error('A SOAP request without a Body element reached the metadata services');
  return { body, element: body.children[0] };
}

/**
 * The request's SOAP part with its Body replaced by one holding `content`. The new Body declares its own prefixes, so
 * it reads the same whatever the request bound where; everything before and after the Body stays as the client sent it.
 */
function answerPart(soapPart: Buffer, body: XmlElement, content: string): Buffer {
  const replaced = `<SOAP-ENV:Body xmlns:SOAP-ENV="${SOAP_ENV}">${content}</SOAP-ENV:Body>`;
  return Buffer.concat([soapPart.subarray(0, body.start), Buffer.from(replaced, 'utf8'), soapPart.subarray(body.end)]);
}

const xmlAnswer = (soapPart: Buffer): HttpResponse => ({ status: 200, headers: singleHeaders({ 'content-type': TEXT_XML }), body: soapPart });

/**
 * The subsystem's SOAP services — for `allowedMethods` only those the caller may call. Rights are per service code,
 * as X-Road's ACLs (`ServerConfImpl.getAllowedServicesByDescriptionType`): a right to a code covers its every version.
 * PR-META §3: the metadata services themselves are never listed (the config refuses their codes anyway).
 */
function soapServices(provider: ServiceId, context: MetadataContext, allowedOnly: boolean): OfferedService[] {
  const subsystem = provider.subsystemCode;
  const permitted = (code: string) =>
    context.policy.accessRights.some((rule) => rule.subsystem === subsystem && rule.service === code && context.allowed(rule));
  return context.policy.services.filter(
    (entry) =>
      entry.subsystem === subsystem && entry.type === 'soap' && !METADATA_SERVICES.has(entry.code) && (!allowedOnly || permitted(entry.code)),
  );
}

/** PR-META §3's `MethodListType`: one `xrd:service` (`id:XRoadServiceIdentifierType`) per service, as annex C shows. */
function methodList(name: string, provider: ServiceId, services: readonly OfferedService[]): string {
  const part = (localName: string, value: string) => `<id:${localName}>${escapeXml(value)}</id:${localName}>`;
  const items = services.map(
    (entry) =>
      '<xrd:service id:objectType="SERVICE">' +
      part('xRoadInstance', provider.instance) +
      part('memberClass', provider.memberClass) +
      part('memberCode', provider.memberCode) +
      part('subsystemCode', provider.subsystemCode) +
      part('serviceCode', entry.code) +
      (entry.version === undefined ? '' : part('serviceVersion', entry.version)) +
      '</xrd:service>',
  );
  return `<xrd:${name} xmlns:xrd="${XROAD_NS}" xmlns:id="${IDENTIFIERS_NS}">${items.join('')}</xrd:${name}>`;
}

interface WsdlRequest {
  readonly serviceCode: string;
  readonly serviceVersion?: string;
}

/**
 * getWsdl's fields (PR-META §4): `serviceCode` and an optional `serviceVersion`, children of the body element in the
 * X-Road namespace, as annex C.6 shows and X-Road's `WsdlRequestData` binds them (an unqualified one is not read).
 * Values are taken as written. A blank or missing `serviceCode` is X-Road's `InvalidRequest`, which Sild's error codes
 * do not have: `Client.BadRequest`, as REST's `getOpenAPI` without `serviceCode`. A field stated twice is refused.
 */
function wsdlRequest(element: XmlElement): WsdlRequest {
  const field = (localName: string) => {
    const found = element.children.filter((child) => isNamed(child, XROAD_NS, localName));
    if (found.length > 1) throw clientError('BadRequest', `The getWsdl request states ${localName} more than once`);
    return found[0]?.text;
  };
  const serviceCode = field('serviceCode');
  const serviceVersion = field('serviceVersion');
  if (serviceCode === undefined || serviceCode.trim() === '') {
    throw clientError('BadRequest', `Missing serviceCode (in namespace ${XROAD_NS}) in the getWsdl request body`);
  }
  return serviceVersion === undefined ? { serviceCode } : { serviceCode, serviceVersion };
}

/**
 * getWsdl's answer (PR-META §4, annexes C.7–C.8): `multipart/related`, the SOAP part restating the request's fields in
 * `getWsdlResponse`, then the WSDL (`text/xml`) with X-Road's part headers (`Content-Transfer-Encoding: binary`,
 * `Content-ID: <wsdl=UUID@x-road.eu>`). As X-Road looks the service up: code and version must match exactly (no
 * version asked finds only a service without one), else `UnknownService`; a REST service is X-Road's `ServiceType`.
 */
async function wsdlAnswer(
  provider: ServiceId,
  request: WsdlRequest,
  context: MetadataContext,
  answer: (content: string) => Buffer,
): Promise<HttpResponse> {
  const { serviceCode, serviceVersion } = request;
  const subsystem = provider.subsystemCode;
  const named = `${quote(serviceCode)}${serviceVersion === undefined ? '' : ` version ${quote(serviceVersion)}`}`;
  const offered = context.policy.services.find(
    (entry) => entry.subsystem === subsystem && entry.code === serviceCode && entry.version === serviceVersion,
  );
  if (!offered) throw providerError('UnknownService', `Could not find the WSDL of service ${named} of subsystem ${subsystem}`);
  if (offered.type !== 'soap') throw providerError('ServiceType', `Service ${named} is a REST service and has no WSDL`);
  const wsdl = await context.descriptions?.wsdl(subsystem, serviceCode);
  if (wsdl === undefined) throw providerError('UnknownService', `Service ${named} of subsystem ${subsystem} has no WSDL`);

  const version = serviceVersion === undefined ? '' : `<xrd:serviceVersion>${escapeXml(serviceVersion)}</xrd:serviceVersion>`;
  const content =
    `<xrd:getWsdlResponse xmlns:xrd="${XROAD_NS}">` + `<xrd:serviceCode>${escapeXml(serviceCode)}</xrd:serviceCode>${version}</xrd:getWsdlResponse>`;
  const attachment = {
    'Content-Type': TEXT_XML,
    'Content-Transfer-Encoding': 'binary',
    'Content-ID': `<wsdl=${randomUUID()}@x-road.eu>`,
  };
  const { contentType, body } = multipartBody(
    [
      { headers: { 'Content-Type': TEXT_XML }, body: answer(content) },
      { headers: attachment, body: hideEndpoints(wsdl) },
    ],
    `sild-${randomUUID()}`,
  );
  return { status: 200, headers: singleHeaders({ 'content-type': contentType }), body };
}
