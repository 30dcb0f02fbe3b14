/**
 * Derives each deployment's run-time settings from its config document — once, for the constructs (which pass them
 * to the functions through the deployment contract) and the local runtime.
 */
import type { AllowedAgency, GlobalGroup } from '../../lambdas/core/central/registry';
import type { CentralSettingsInput } from '../../lambdas/core/central/settings';
import type { GatewayRegistration } from '../../lambdas/core/central/join-request';
import { DEFAULT_BACKEND_TIMEOUT_MS, type AccessPolicyInput, type GatewaySettingsInput } from '../../lambdas/core/exchange/settings';
import type { FederatedInstance } from '../../lambdas/core/trust/global-configuration';
import { endpointsOf } from '../../lambdas/core/exchange/protocols/rest/service-description';
import type { CentralConfig } from './central-config';
import { rightScope, type GatewayConfig, type GatewayFields } from './gateway-config';

/** `INST/CLASS/CODE`. */
export const memberIdOf = (instance: string, member: { class: string; code: string }) => `${instance}/${member.class}/${member.code}`;

/** X-Road's security server id: the owner member plus a server code (Sild uses the agency name). */
export const gatewayIdOf = (gateway: Pick<GatewayConfig, 'instance' | 'member' | 'name'>) =>
  `${memberIdOf(gateway.instance, gateway.member)}/${gateway.name}`;

export function centralSettings(config: CentralConfig): CentralSettingsInput {
  return {
    instance: config.instance,
    memberClasses: config.memberClasses,
    validitySeconds: config.central.globalConfValiditySeconds,
    generationSeconds: config.central.globalConfGenerationSeconds,
    allowPrivateProviderUrls: config.central.allowPrivateProviderUrls,
  };
}

/** The global groups: written into the registry at deploy time, published in the global configuration. */
export function globalGroups(config: CentralConfig): GlobalGroup[] {
  return config.central.globalGroups.map((group) => ({ code: group.code, description: group.description, members: group.members }));
}

/** The federated instances: written into the registry at deploy time, published in the global configuration. */
export function federatedInstances(config: CentralConfig): FederatedInstance[] {
  return config.central.federation.map((entry) => ({
    instance: entry.instance,
    anchorPublicKey: entry.anchorPublicKey,
    centralUrl: entry.centralUrl.replace(/\/+$/, ''),
    ...(entry.configurationUrl ? { configurationUrl: entry.configurationUrl } : {}),
  }));
}

/** Who may join as which agency and member: written into the registry at deploy time. */
export function joinAllowList(config: CentralConfig): AllowedAgency[] {
  return config.agencies.map((agency) => ({
    name: agency.name,
    account: agency.account,
    member: memberIdOf(config.instance, agency.member),
    memberName: agency.member.name,
  }));
}

/**
 * An agency's access policy: the services it offers and their backends, one rule per service, subject, method and
 * path, its local groups, the described REST services' endpoints, and maintenance mode.
 */
export function accessPolicy(agency: GatewayFields): AccessPolicyInput {
  return {
    services: agency.services.map((service) => ({
      subsystem: service.subsystem,
      code: service.code,
      // Only a SOAP service carries its type (and version): a REST service's entry stays as it was.
      ...(service.type === 'soap' ? { type: service.type, ...(service.version !== undefined ? { version: service.version } : {}) } : {}),
      backendUrl: service.backendUrl.replace(/\/+$/, ''),
      timeoutMs: service.timeoutMs,
    })),
    // A SOAP service's right names no methods or paths, so it is one rule, `*` on `**`: the whole service.
    accessRights: agency.accessRights.flatMap((right) => {
      const [subsystem, service] = right.service.split('/');
      const { methods, paths } = rightScope(right);
      return methods.flatMap((method) => paths.map((path) => ({ subsystem, service, subject: right.subject, method, path })));
    }),
    localGroups: agency.localGroups,
    endpoints: Object.fromEntries(
      agency.services
        .filter((service) => service.type === 'rest' && service.openapiDocument)
        .map((service) => [`${service.subsystem}/${service.code}`, endpointsOf(service.openapiDocument, new URL(service.backendUrl).pathname)]),
    ),
    ...(agency.maintenance.enabled ? { maintenance: { message: agency.maintenance.message } } : {}),
  };
}

/**
 * The access policy as a reviewer reads it in `cdk diff`: one line per service (`SUBSYSTEM/SERVICE → BACKEND (TIMEOUT
 * ms)`, a SOAP service's followed by `(SOAP VERSION)`), per rule (`SUBJECT → SUBSYSTEM/SERVICE METHOD PATH`) and per local-group member (`CODE: MEMBER`), and the
 * maintenance message while the gateway is in maintenance — a change reads as the lines added and removed.
 */
export function accessPolicyReview(policy: AccessPolicyInput): Record<'services' | 'accessRights' | 'localGroups' | 'maintenance', string[]> {
  return {
    services: (policy.services ?? []).map(
      (service) =>
        `${service.subsystem}/${service.code} → ${service.backendUrl} (${service.timeoutMs ?? DEFAULT_BACKEND_TIMEOUT_MS} ms)` +
        (service.type === 'soap' ? ` (SOAP${service.version !== undefined ? ` ${service.version}` : ''})` : ''),
    ),
    accessRights: policy.accessRights.map((right) => `${right.subject} → ${right.subsystem}/${right.service} ${right.method} ${right.path}`),
    localGroups: Object.entries(policy.localGroups ?? {}).flatMap(([code, members]) => members.map((member) => `${code}: ${member}`)),
    maintenance: policy.maintenance ? [`in maintenance: ${JSON.stringify(policy.maintenance.message)}`] : [],
  };
}

/** The services' OpenAPI descriptions: written into the gateway's table at deploy time (`getOpenAPI`). */
export function serviceDescriptions(agency: GatewayFields): { subsystem: string; code: string; document: unknown }[] {
  return agency.services
    .filter((service) => service.openapiDocument)
    .map((service) => ({ subsystem: service.subsystem, code: service.code, document: service.openapiDocument }));
}

/** The SOAP services' WSDLs, as text: written into the gateway's table at deploy time (the SOAP metadata services). */
export function serviceWsdls(agency: GatewayFields): { subsystem: string; code: string; text: string }[] {
  return agency.services.flatMap((service) =>
    service.type === 'soap' && service.wsdlDocument !== undefined
      ? [{ subsystem: service.subsystem, code: service.code, text: service.wsdlDocument }]
      : [],
  );
}

/** What an agency's gateway registers with the central (the join's content besides its URL and keys). */
export function gatewayRegistration(agency: GatewayConfig): GatewayRegistration {
  return {
    agency: agency.name,
    member: memberIdOf(agency.instance, agency.member),
    gatewayId: gatewayIdOf(agency),
    subsystems: agency.subsystems,
    services: agency.services.map((service) => ({ subsystem: service.subsystem, code: service.code })),
  };
}

export interface GatewayEndpoints {
  readonly centralUrl: string;
  readonly anchorPublicKey: string;
}

export function gatewaySettings(agency: GatewayConfig, endpoints: GatewayEndpoints): GatewaySettingsInput {
  return {
    instance: agency.instance,
    gatewayId: gatewayIdOf(agency),
    member: memberIdOf(agency.instance, agency.member),
    subsystems: agency.subsystems,
    centralUrl: endpoints.centralUrl,
    globalConfSources: agency.central.configurationUrl ? [agency.central.configurationUrl] : [],
    anchor: { instance: agency.instance, publicKey: endpoints.anchorPublicKey },
    federatedInstances: agency.federation,
    messageLog: agency.messageLog,
    signing: agency.signing,
    sealing: agency.sealing,
    // IAM consumer access (the default): only these principals; unset, nobody. A private API needs no binding.
    ...(agency.consumerAccess?.mode === 'private' ? {} : { consumerPrincipals: agency.consumerAccess?.principals ?? [] }),
  };
}
