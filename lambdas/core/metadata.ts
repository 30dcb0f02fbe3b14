/**
 * X-Road's REST metadata services, so that existing X-Road clients can discover what they may call:
 *
 * - `GET /listClients[?xRoadInstance=DEV]` — answered by the consumer gateway from the global configuration;
 * - `GET /r1/{INST}/{CLASS}/{CODE}/{SUB}/listMethods` and `…/allowedMethods` — real exchanges, signed and logged
 *   like any other, answered by the provider gateway from its own service registrations and access rights.
 *
 * `getOpenAPI` is not offered (Sild registers no service descriptions); it is answered `UnknownService`.
 */
import type { AccessRule } from './access-rights';
import type { GlobalConfiguration } from './global-configuration';
import type { GatewaySettings } from './gateway-settings';
import { jsonResponse, type HttpResponse } from './http';
import { clientIdOf, type ServiceId } from './identifiers';
import type { ServicePath } from './service-path';

export const LIST_CLIENTS_PATH = '/listClients';
/** Service codes X-Road reserves for metadata; no backend service may be registered under them. */
export const METADATA_SERVICES: ReadonlySet<string> = new Set(['listMethods', 'allowedMethods']);

export const isMetadataRequest = (service: ServiceId, servicePath: ServicePath) => METADATA_SERVICES.has(service.serviceCode) && servicePath.encoded === '';

interface XRoadClientEntry {
  readonly id: { readonly object_type: 'MEMBER' | 'SUBSYSTEM'; readonly xroad_instance: string; readonly member_class: string; readonly member_code: string; readonly subsystem_code?: string };
  readonly name: string;
}

/** `listClients`: every member and subsystem of the instance, in X-Road's JSON form. */
export function listClients(configuration: GlobalConfiguration, instance?: string): HttpResponse {
  const member: XRoadClientEntry[] = [];
  if (instance === undefined || instance === configuration.instance) {
    for (const entry of configuration.document.members) {
      const id = clientIdOf(entry.id.split('/'));
      const base = { xroad_instance: id.instance, member_class: id.memberClass, member_code: id.memberCode };
      member.push({ id: { object_type: 'MEMBER', ...base }, name: entry.name });
      for (const subsystem of entry.subsystems) member.push({ id: { object_type: 'SUBSYSTEM', ...base, subsystem_code: subsystem }, name: entry.name });
    }
  }
  return jsonResponse(200, { member });
}

/** `listMethods` / `allowedMethods` of one of this gateway's subsystems, in X-Road's JSON form. */
export function metadataAnswer(service: ServiceId, settings: GatewaySettings, accessRights: readonly AccessRule[], allowed: (rule: AccessRule) => boolean): HttpResponse {
  const own = settings.services.filter((entry) => entry.subsystem === service.subsystemCode);
  const rules = accessRights.filter((rule) => rule.subsystem === service.subsystemCode && allowed(rule));
  const offered = service.serviceCode === 'allowedMethods' ? own.filter((entry) => rules.some((rule) => rule.service === entry.code)) : own;
  return jsonResponse(200, {
    service: offered.map((entry) => ({
      xroad_instance: service.instance,
      member_class: service.memberClass,
      member_code: service.memberCode,
      subsystem_code: service.subsystemCode,
      service_code: entry.code,
      service_type: 'REST',
      endpoint_list:
        service.serviceCode === 'allowedMethods'
          ? rules.filter((rule) => rule.service === entry.code).map((rule) => ({ method: rule.method, path: rule.path }))
          : [],
    })),
  });
}
