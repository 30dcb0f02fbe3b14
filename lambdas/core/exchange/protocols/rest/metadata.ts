/**
 * X-Road's REST metadata services (PR-MREST), so that existing X-Road clients can discover what they may call:
 *
 * - `GET /listClients[?xRoadInstance=DEV]` — answered by the consumer gateway from the global configuration;
 * - `GET /r1/{INST}/{CLASS}/{CODE}/{SUB}/listMethods`, `…/allowedMethods` and `…/getOpenAPI?serviceCode=CODE` —
 *   real exchanges, signed and logged like any other, answered by the provider gateway from its own service
 *   registrations, their OpenAPI descriptions and its access rights. Like X-Road, they need no access right;
 *   `allowedMethods` shows each caller only what its rights let it call.
 */
import { REST_METADATA_SERVICES } from '../metadata-services';
import { clientError, prefersXml, providerError, XRoadError } from '../../../kernel/errors';
import { escapeXml } from '../../../kernel/xml-text';
import type { GlobalConfiguration } from '../../../trust/global-configuration';
import { jsonResponse, singleHeaders, type HttpResponse } from '../../../kernel/http';
import { clientIdOf, type ServiceId } from '../../../kernel/identifiers';
import { isCatchAll, ruleCoversEndpoint, type Endpoint } from './service-description';
import type { TrustedConfigurations } from '../../../trust/federation';
import type { MetadataContext } from '../protocol';
import type { ServicePath } from './service-path';

export const LIST_CLIENTS_PATH = '/listClients';
/** Service codes X-Road reserves for metadata; no backend service may be registered under them. */
export const METADATA_SERVICES = REST_METADATA_SERVICES;

export const isMetadataRequest = (service: ServiceId, servicePath: ServicePath) =>
  METADATA_SERVICES.has(service.serviceCode) && servicePath.encoded === '';

interface XRoadClientEntry {
  readonly id: {
    readonly object_type: 'MEMBER' | 'SUBSYSTEM';
    readonly xroad_instance: string;
    readonly member_class: string;
    readonly member_code: string;
    readonly subsystem_code?: string;
  };
  readonly name: string;
}

/**
 * `listClients`: every member and subsystem of the instance — in X-Road's JSON form when the client asks for
 * `application/json`, else as PR-META §2 says: `text/xml`, the `clientList` element (what SOAP clients read).
 */
export function listClients(configuration: GlobalConfiguration, instance?: string, accept?: string): HttpResponse {
  const member: XRoadClientEntry[] = [];
  if (instance === undefined || instance === configuration.instance) {
    for (const entry of configuration.document.members) {
      const id = clientIdOf(entry.id.split('/'));
      const base = { xroad_instance: id.instance, member_class: id.memberClass, member_code: id.memberCode };
      member.push({ id: { object_type: 'MEMBER', ...base }, name: entry.name });
      for (const subsystem of entry.subsystems)
        member.push({ id: { object_type: 'SUBSYSTEM', ...base, subsystem_code: subsystem }, name: entry.name });
    }
  }
  return wantsJson(accept) ? jsonResponse(200, { member }) : clientListXml(member);
}

/** PR-META §2: JSON only for a client that asks for it (and does not prefer XML); anything else gets XML. */
const wantsJson = (accept: string | undefined) => accept !== undefined && /application\/json/i.test(accept) && !prefersXml(accept);

/** PR-META's `clientList` (annex A, C.1). */
function clientListXml(members: readonly XRoadClientEntry[]): HttpResponse {
  const part = (name: string, value: string | undefined) => (value === undefined ? '' : `<id:${name}>${escapeXml(value)}</id:${name}>`);
  const entries = members.map(
    ({ id, name }) =>
      `<xrd:member><xrd:id id:objectType="${id.object_type}">${part('xRoadInstance', id.xroad_instance)}${part('memberClass', id.member_class)}` +
      `${part('memberCode', id.member_code)}${part('subsystemCode', id.subsystem_code)}</xrd:id><xrd:name>${escapeXml(name)}</xrd:name></xrd:member>`,
  );
  const body = `<?xml version="1.0" encoding="UTF-8"?><xrd:clientList xmlns:id="http://x-road.eu/xsd/identifiers" xmlns:xrd="http://x-road.eu/xsd/xroad.xsd">${entries.join('')}</xrd:clientList>`;
  return { status: 200, headers: singleHeaders({ 'content-type': 'text/xml;charset=utf-8' }), body: Buffer.from(body) };
}

/**
 * `listClients`: the members of this instance, or of the federated instance `xRoadInstance` names; an instance this
 * gateway does not follow has none to list (as in X-Road, which lists what its configurations hold).
 */
export async function listClientsAnswer(configurations: TrustedConfigurations, rawQuery: string, accept?: string): Promise<HttpResponse> {
  const instance = new URLSearchParams(rawQuery).get('xRoadInstance') ?? undefined;
  const own = await configurations.current();
  if (instance === undefined || instance === own.instance) return listClients(own, instance, accept);
  try {
    return listClients(await configurations.forInstance(instance, 'Server.ClientProxy'), instance, accept);
  } catch (error) {
    if (error instanceof XRoadError && error.code === 'UnknownMember') return listClients(own, instance, accept);
    throw error;
  }
}

/** `listMethods`, `allowedMethods` or `getOpenAPI` of one of this gateway's subsystems. */
export async function metadataAnswer(service: ServiceId, query: string, context: MetadataContext): Promise<HttpResponse> {
  if (service.serviceCode === 'getOpenAPI') return openApiAnswer(service, query, context);
  const allowedOnly = service.serviceCode === 'allowedMethods';
  // REST's metadata lists REST services only; SOAP clients list theirs with SOAP's listMethods (PR-META).
  const own = context.policy.services.filter((entry) => entry.subsystem === service.subsystemCode && entry.type === 'rest');
  const entries = own.flatMap((entry) => {
    const rules = context.policy.accessRights.filter(
      (rule) => rule.subsystem === service.subsystemCode && rule.service === entry.code && (!allowedOnly || context.allowed(rule)),
    );
    if (allowedOnly && rules.length === 0) return [];
    const described = context.policy.endpoints[`${entry.subsystem}/${entry.code}`];
    // A described service lists its endpoints (only those a right covers, for allowedMethods); an undescribed one
    // the endpoints its rights name. X-Road leaves out the service-level catch-all (`*` on `**`).
    const endpoints: Endpoint[] = described
      ? described.filter((endpoint) => !allowedOnly || rules.some((rule) => ruleCoversEndpoint(rule, endpoint)))
      : distinct(rules.filter((rule) => !isCatchAll(rule)).map((rule) => ({ method: rule.method, path: rule.path })));
    return [
      {
        member_class: service.memberClass,
        member_code: service.memberCode,
        object_type: 'SERVICE',
        service_code: entry.code,
        service_type: described ? 'OPENAPI' : 'REST',
        subsystem_code: service.subsystemCode,
        xroad_instance: service.instance,
        endpoint_list: endpoints,
      },
    ];
  });
  return jsonResponse(200, { service: entries });
}

/** `getOpenAPI?serviceCode=CODE`: the service's OpenAPI description, as registered. */
async function openApiAnswer(service: ServiceId, query: string, context: MetadataContext): Promise<HttpResponse> {
  const code = new URLSearchParams(query).get('serviceCode');
  if (!code) throw clientError('BadRequest', 'getOpenAPI needs the query parameter serviceCode');
  if (!context.policy.services.some((entry) => entry.subsystem === service.subsystemCode && entry.code === code && entry.type === 'rest')) {
    throw providerError('UnknownService', `Service ${code} is not offered by subsystem ${service.subsystemCode}`);
  }
  const document = await context.descriptions?.get(service.subsystemCode, code);
  if (document === undefined) throw providerError('UnknownService', `Service ${code} has no OpenAPI description`);
  return { status: 200, headers: singleHeaders({ 'content-type': 'application/json' }), body: Buffer.from(JSON.stringify(document)) };
}

function distinct(endpoints: Endpoint[]): Endpoint[] {
  const seen = new Set<string>();
  return endpoints.filter((endpoint) => {
    const key = `${endpoint.method} ${endpoint.path}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
