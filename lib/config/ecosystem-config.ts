/**
 * The all-in-one ecosystem config (`config/ecosystem.json`): one validated file that describes an instance — the
 * central deployment, member classes, and the agencies (member, subsystems, services with their backends, access
 * rights). The demo app, `npm start` and the tests read it; it splits into the documents each party owns — the
 * central operator's (`central-config.ts`) and each agency's (`gateway-config.ts`). A validation failure names the
 * field and the reason.
 */
import { dirname } from 'node:path';
import * as z from 'zod';
import { checkAllowList, checkCentralFields, checkFederation, centralFieldsSchema, type CentralConfig } from './central-config';
import { ConfigError, configError, part, readJsonConfig, strictObject } from './config-parts';
import { checkGatewayFields, gatewayFieldsSchema, readServiceDescriptions, type GatewayConfig } from './gateway-config';
import { checkVpcLayout, executeApiRegionOf } from './vpc-layout';

export { ConfigError };

export const ecosystemConfigSchema = strictObject({
  instance: part('Instance'),
  memberClasses: z.array(part('Member class')).min(1),
  central: centralFieldsSchema,
  /** Each agency's gateway fields (the same document an agency keeps on its own). */
  agencies: z.array(gatewayFieldsSchema).min(1),
  /**
   * Subsystems outside this file that access rights and groups may name — another instance's (federation) or an
   * agency deploying from its own repository. Any other subject must be a subsystem an agency here declares.
   * @default []
   */
  externalSubsystems: z.array(z.string().regex(/^[^/:]+\/[^/]+\/[^/]+\/[^/]+$/, 'must be INSTANCE/CLASS/CODE/SUBSYSTEM')).default([]),
  /** Local runtime: ports on 127.0.0.1. */
  local: strictObject({
    /** Central API on basePort, then consumer/provider ports of each agency in order. @default 4000 */
    basePort: z.number().int().min(1024).max(65000).default(4000),
    /** Port of the sample population registry backend. @default 4080 */
    sampleBackendPort: z.number().int().min(1024).max(65535).default(4080),
  }).default({ basePort: 4000, sampleBackendPort: 4080 }),
}).superRefine((config, context) => {
  checkAllowList(config, context);
  config.agencies.forEach((agency, index) => checkGatewayFields(agency, context, ['agencies', index]));
  checkSubjects(config, context);
  checkFederation(config, context);
  checkCentralFields(config.central, context);
  checkAccountRoleSetters(config, context);
  config.agencies.forEach((agency, index) => {
    const central = {
      url: config.central.apiUrl,
      configurationUrl: config.central.configurationUrl,
      configurationCdn: config.central.configurationCdn,
    };
    checkVpcLayout({ ...agency, central }, (field, message) =>
      context.addIssue({ code: 'custom', path: ['agencies', index, 'vpc', field], message }),
    );
    // A federated instance's configuration comes from its CDN first and its central API last (a gateway reads it to
    // verify that instance's gateways): without a CDN URL, only the API, which private DNS may put out of reach.
    if (!agency.vpc?.executeApiPrivateDns) return;
    agency.federation.forEach((instance, entry) => {
      const partner = config.central.federation.find((federated) => federated.instance === instance);
      if (partner && partner.configurationUrl === undefined && executeApiRegionOf(partner.centralUrl) === agency.region) {
        context.addIssue({
          code: 'custom',
          path: ['agencies', index, 'federation', entry],
          message: `the provider side in this agency's VPC cannot reach ${instance}'s central API (${partner.centralUrl}: execute-api names of ${agency.region} resolve to the VPC's interface endpoint): give ${instance} its configurationUrl in central.federation`,
        });
      }
    });
  });
  config.agencies.forEach((agency, index) =>
    agency.federation.forEach((instance, entry) => {
      if (!config.central.federation.some((federated) => federated.instance === instance)) {
        context.addIssue({
          code: 'custom',
          path: ['agencies', index, 'federation', entry],
          message: `instance ${instance} is not in central.federation (${config.central.federation.map((federated) => federated.instance).join(', ') || 'none'})`,
        });
      }
    }),
  );
});

/**
 * Every subsystem a right or group names is declared by an agency of this file or listed in `externalSubsystems`,
 * and every global group of this instance a right names is defined: a mistyped subject would otherwise grant
 * nothing (or the wrong party) without a word.
 */
function checkSubjects(
  config: {
    instance: string;
    externalSubsystems: readonly string[];
    central: { globalGroups: readonly { code: string; members: readonly string[] }[] };
    agencies: readonly {
      member: { class: string; code: string };
      subsystems: readonly string[];
      accessRights: readonly { subject: string }[];
      localGroups: Record<string, readonly string[]>;
    }[];
  },
  context: z.RefinementCtx,
): void {
  const known = new Set([
    ...config.externalSubsystems,
    ...config.agencies.flatMap((agency) =>
      agency.subsystems.map((subsystem) => `${config.instance}/${agency.member.class}/${agency.member.code}/${subsystem}`),
    ),
  ]);
  const groups = new Set(config.central.globalGroups.map((group) => group.code));
  const check = (subject: string, path: (string | number)[]) => {
    const group = /^globalgroup:([^/]+)\/(.+)$/.exec(subject);
    if (group) {
      if (group[1] === config.instance && !groups.has(group[2]))
        context.addIssue({
          code: 'custom',
          path,
          message: `global group ${group[2]} is not defined in central.globalGroups (${[...groups].join(', ') || 'none'})`,
        });
      return;
    }
    if (subject.startsWith('localgroup:') || known.has(subject)) return;
    context.addIssue({
      code: 'custom',
      path,
      message: `${subject} is not a subsystem of any agency in this file; if it is outside it (another instance, an agency deploying from its own repository), list it in externalSubsystems`,
    });
  };
  config.agencies.forEach((agency, index) => {
    agency.accessRights.forEach((right, rightIndex) => check(right.subject, ['agencies', index, 'accessRights', rightIndex, 'subject']));
    Object.entries(agency.localGroups).forEach(([code, members]) =>
      members.forEach((member, memberIndex) => check(member, ['agencies', index, 'localGroups', code, memberIndex])),
    );
  });
  config.central.globalGroups.forEach((group, index) =>
    group.members.forEach((member, memberIndex) => check(member, ['central', 'globalGroups', index, 'members', memberIndex])),
  );
}

/**
 * The API Gateway CloudWatch Logs role is one setting per account and Region: two stacks setting it there would each
 * overwrite the other's on every deploy, and deleting either would leave the setting pointing at a retained role.
 */
function checkAccountRoleSetters(
  config: {
    central: { account: string; region: string; apiGatewayAccountRole: boolean };
    agencies: readonly { account: string; region: string; apiGatewayAccountRole: boolean }[];
  },
  context: z.RefinementCtx,
): void {
  const setters = [
    ...(config.central.apiGatewayAccountRole
      ? [{ where: `${config.central.account}/${config.central.region}`, path: ['central', 'apiGatewayAccountRole'], name: 'central' }]
      : []),
    ...config.agencies.flatMap((agency, index) =>
      agency.apiGatewayAccountRole
        ? [{ where: `${agency.account}/${agency.region}`, path: ['agencies', index, 'apiGatewayAccountRole'], name: `agencies.${index}` }]
        : [],
    ),
  ];
  setters.forEach((setter, index) => {
    const first = setters.slice(0, index).find((other) => other.where === setter.where);
    if (first) {
      context.addIssue({
        code: 'custom',
        path: setter.path,
        message: `${first.name} already sets the API Gateway CloudWatch Logs role of account and Region ${setter.where} (one setting per account and Region): set apiGatewayAccountRoleExists here instead`,
      });
    }
  });
}

export type EcosystemConfig = z.infer<typeof ecosystemConfigSchema>;
export type AgencyConfig = EcosystemConfig['agencies'][number];

/** The central operator's part of an ecosystem: the instance, the central, the join allow-list. */
export function centralConfigOf(config: EcosystemConfig): CentralConfig {
  return {
    instance: config.instance,
    memberClasses: config.memberClasses,
    central: config.central,
    agencies: config.agencies.map((agency) => ({ name: agency.name, account: agency.account, member: agency.member })),
  };
}

/** One agency's own part of an ecosystem: its fields, the instance, and where the central is. */
export function gatewayConfigOf(config: EcosystemConfig, agency: AgencyConfig): GatewayConfig {
  return {
    ...agency,
    instance: config.instance,
    central: {
      url: config.central.apiUrl,
      configurationUrl: config.central.configurationUrl,
      anchor: config.central.anchorPublicKey,
      account: config.central.account,
      region: config.central.region,
    },
  };
}

/** The all-in-one file, split into the documents each party owns. */
export function splitEcosystemConfig(config: EcosystemConfig): { central: CentralConfig; gateways: GatewayConfig[] } {
  return { central: centralConfigOf(config), gateways: config.agencies.map((agency) => gatewayConfigOf(config, agency)) };
}

/**
 * Validates a parsed config; the error lists every problem as `field: reason`. Service descriptions named by
 * `openapi` and `wsdl` are read from `baseDir` (the config file's folder) first.
 */
export function parseEcosystemConfig(value: unknown, source = 'config', baseDir = process.cwd()): EcosystemConfig {
  const agencies = (value as { agencies?: unknown })?.agencies;
  const unreadable = Array.isArray(agencies)
    ? agencies.flatMap((agency: { services?: unknown }, index) => readServiceDescriptions(agency?.services, baseDir, `agencies.${index}.services`))
    : [];
  const parsed = ecosystemConfigSchema.safeParse(value);
  if (!parsed.success || unreadable.length > 0) throw configError(`Invalid ecosystem config ${source}`, parsed.error?.issues ?? [], unreadable);
  return parsed.data;
}

export function loadEcosystemConfig(path: string): EcosystemConfig {
  return parseEcosystemConfig(readJsonConfig(path, 'ecosystem config'), path, dirname(path));
}

/** The demo ecosystem `npm start` and the tests use. */
export const DEFAULT_CONFIG_PATH = 'config/ecosystem.json';
