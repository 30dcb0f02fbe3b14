/**
 * Derives each deployment's run-time settings from the ecosystem config — once, for both the CDK stacks (which pass
 * them to the functions' environment) and the local runtime.
 */
import type { AllowedAgency, CentralSettingsInput, GlobalGroup } from '../../lambdas/core/central';
import type { AccessPolicyInput, GatewaySettingsInput } from '../../lambdas/core/gateway-settings';
import { endpointsOf } from '../../lambdas/core/service-description';
import type { AgencyConfig, EcosystemConfig } from './ecosystem-config';

export const memberIdOf = (config: EcosystemConfig, agency: AgencyConfig) => `${config.instance}/${agency.member.class}/${agency.member.code}`;

/** X-Road's security server id: the owner member plus a server code (Sild uses the agency name). */
export const gatewayIdOf = (config: EcosystemConfig, agency: AgencyConfig) => `${memberIdOf(config, agency)}/${agency.name}`;

export function centralSettings(config: EcosystemConfig): CentralSettingsInput {
  return {
    instance: config.instance,
    memberClasses: config.memberClasses,
    validitySeconds: config.central.globalConfValiditySeconds,
    generationSeconds: config.central.globalConfGenerationSeconds,
    allowPrivateProviderUrls: config.central.allowPrivateProviderUrls,
  };
}

/** The global groups: written into the registry at deploy time, published in the global configuration. */
export function globalGroups(config: EcosystemConfig): GlobalGroup[] {
  return config.central.globalGroups.map((group) => ({ code: group.code, description: group.description, members: group.members }));
}

/** Who may join as which agency and member: written into the registry at deploy time. */
export function joinAllowList(config: EcosystemConfig): AllowedAgency[] {
  return config.agencies.map((agency) => ({ name: agency.name, account: agency.account, member: memberIdOf(config, agency), memberName: agency.member.name }));
}

/** An agency's access policy: one rule per service, subject, method and path; its local groups. */
export function accessPolicy(agency: AgencyConfig): AccessPolicyInput {
  return {
    accessRights: agency.accessRights.flatMap((right) => {
      const [subsystem, service] = right.service.split('/');
      return right.methods.flatMap((method) => right.paths.map((path) => ({ subsystem, service, subject: right.subject, method, path })));
    }),
    localGroups: agency.localGroups,
    endpoints: Object.fromEntries(
      agency.services.filter((service) => service.openapiDocument).map((service) => [`${service.subsystem}/${service.code}`, endpointsOf(service.openapiDocument, new URL(service.backendUrl).pathname)]),
    ),
  };
}

/** The services' OpenAPI descriptions: written into the gateway's table at deploy time (`getOpenAPI`). */
export function serviceDescriptions(agency: AgencyConfig): { subsystem: string; code: string; document: unknown }[] {
  return agency.services.filter((service) => service.openapiDocument).map((service) => ({ subsystem: service.subsystem, code: service.code, document: service.openapiDocument }));
}

export interface GatewayEndpoints {
  readonly centralUrl: string;
  readonly anchorPublicKey: string;
}

export function gatewaySettings(config: EcosystemConfig, agency: AgencyConfig, endpoints: GatewayEndpoints): GatewaySettingsInput {
  return {
    instance: config.instance,
    gatewayId: gatewayIdOf(config, agency),
    member: memberIdOf(config, agency),
    subsystems: agency.subsystems,
    services: agency.services.map((service) => ({ subsystem: service.subsystem, code: service.code, backendUrl: service.backendUrl.replace(/\/+$/, ''), timeoutMs: service.timeoutMs })),
    centralUrl: endpoints.centralUrl,
    anchor: { instance: config.instance, publicKey: endpoints.anchorPublicKey },
    messageLog: agency.messageLog,
    signing: agency.signing,
    sealing: agency.sealing,
    // IAM consumer access (the default): only these principals; unset, nobody. A private API needs no binding.
    ...(agency.consumerAccess?.mode === 'private' ? {} : { consumerPrincipals: agency.consumerAccess?.principals ?? [] }),
  };
}
