/**
 * The central operator's config: the instance, its member classes, where the central deploys, how long a global
 * configuration lives, the global groups, and the join allow-list — which agency (deploying from which account)
 * may register which member. It knows nothing of the agencies' services or access rights (`SildCentral`).
 */
import * as z from 'zod';
import {
  accountSchema,
  anchorKeySchema,
  agencyNameSchema,
  configError,
  readJsonConfig,
  memberSchema,
  part,
  regionSchema,
  signingKeysSchema,
  subjectSchema,
  alarmEmailsSchema,
  WAF_DEFAULT,
  wafSchema,
  strictObject,
  DEFAULT_LAMBDA_CONCURRENCY_QUOTA,
  permissionsBoundaryProblem,
  permissionsBoundarySchema,
} from './config-parts';
import { apiGatewayLoggingProblem } from './api-gateway-logging';

/** One entry of the join allow-list. */
export const allowedAgencySchema = strictObject({
  name: agencyNameSchema,
  /** The account the agency's gateway joins from. */
  account: accountSchema,
  /** The member it may register (its display name is published as given here). */
  member: memberSchema,
});

/** The central deployment's own settings (the `central` object of the ecosystem file). */
export const centralFieldsSchema = strictObject({
  account: accountSchema,
  region: regionSchema,
  /** @default 600 */
  globalConfValiditySeconds: z.number().int().min(60).max(86_400).default(600),
  /** @default 60 */
  globalConfGenerationSeconds: z.number().int().min(1).max(3600).default(60),
  globalGroups: z
    .array(strictObject({ code: part('Global group code'), description: z.string().default(''), members: z.array(subjectSchema) }))
    .default([]),
  /** The deployed central API's URL, known after the central stack is deployed (agency stacks need it). */
  apiUrl: z.url({ protocol: /^https$/, error: "must be the central API's https:// URL" }).optional(),
  /**
   * The central distributes the configuration through a CloudFront CDN (ADR 0007: reading it costs the central
   * nothing, and a flood lands on CloudFront). `false` deploys the central without it — for an account CloudFront does
   * not yet accept distributions from (a new account, until AWS verifies it) —; gateways then read `GET /globalconf`
   * from the central API (`configurationDistribution`). @default true
   */
  configurationCdn: z.boolean().default(true),
  /** Where the central distributes the configuration (the `GlobalConfigurationUrl` output: its CDN); gateways read it there first. */
  configurationUrl: z.url({ protocol: /^https$/, error: 'must be the https:// URL of the GlobalConfigurationUrl output' }).optional(),
  /** The central public key (DER SPKI, base64) — the anchor agencies trust, from the central stack's output. */
  anchorPublicKey: anchorKeySchema.optional(),
  /** The central's KMS signing keys by name, and the one that signs (central key rotation). @default { published: ['initial'], current: 'initial' } */
  signingKeys: signingKeysSchema.optional(),
  /** Accept gateway URLs on private addresses (all gateways share one network). @default false */
  allowPrivateProviderUrls: z.boolean().default(false),
  /**
   * Reserved concurrency of the central function (its ceiling and floor), opt-in; checked at synth against
   * `lambdaConcurrencyQuota` like the gateways'. @default - none reserved (the stage throttle and WAF bound a flood)
   */
  concurrency: z.number().int().min(1).optional(),
  /** The central account's Lambda concurrency quota in its Region (Service Quotas L-B99A9384). @default 1000 */
  lambdaConcurrencyQuota: z.number().int().min(1).default(DEFAULT_LAMBDA_CONCURRENCY_QUOTA),
  /** AWS WAF on the central API. @default enabled, 3000 requests per IP per 5 minutes */
  waf: wafSchema.default(WAF_DEFAULT),
  /** X-Ray tracing of the central's functions. @default false */
  tracing: z.boolean().default(false),
  /** Sets the account's API Gateway CloudWatch Logs role (one per account and Region; see the agencies' field). @default false */
  apiGatewayAccountRole: z.boolean().default(false),
  /** The account already has that role in this Region, so the central API's stage may log (see the agencies' field). @default false */
  apiGatewayAccountRoleExists: z.boolean().default(false),
  /**
   * The instances this one federates with (X-Road's trusted anchors of other instances), published in every global
   * configuration; each agency opts in with `federation`. From the partner's central stack outputs. @default none
   */
  federation: z
    .array(
      strictObject({
        instance: part('Instance'),
        /** The partner central's public key (its `AnchorPublicKey` output). */
        anchorPublicKey: anchorKeySchema,
        /** The partner's central API (its `CentralApiUrl` output); its configuration is read there last. */
        centralUrl: z.url({ protocol: /^https?$/ }),
        /** The partner's distribution (its `GlobalConfigurationUrl` output), read first. @default - none */
        configurationUrl: z.url({ protocol: /^https?$/ }).optional(),
      }),
    )
    .default([]),
  /** Alarms and dashboard of the central (README, Operations). @default no e-mail (the topic only) */
  monitoring: strictObject({ alarmEmails: alarmEmailsSchema }).default({ alarmEmails: [] }),
  /** An IAM managed policy ARN set as the permissions boundary of every role the central's stack creates. @default - no boundary */
  permissionsBoundary: permissionsBoundarySchema.optional(),
}).superRefine((central, context) => {
  const problem = permissionsBoundaryProblem(central.permissionsBoundary, central.account);
  if (problem) context.addIssue({ code: 'custom', path: ['permissionsBoundary'], message: problem });
});

/** The central operator's document: instance, member classes, the central's settings, and the join allow-list. */
export const centralConfigSchema = strictObject({
  instance: part('Instance'),
  memberClasses: z.array(part('Member class')).min(1),
  central: centralFieldsSchema,
  /** The join allow-list. */
  agencies: z.array(allowedAgencySchema).default([]),
}).superRefine((config, context) => {
  checkAllowList(config, context);
  checkFederation(config, context);
  checkCentralFields(config.central, context);
});

export type CentralConfig = z.infer<typeof centralConfigSchema>;
export type CentralConfigInput = z.input<typeof centralConfigSchema>;

/** Agency names and members are unique, and members of a known class. */
export function checkAllowList(
  config: { memberClasses: readonly string[]; agencies: readonly { name: string; member: { class: string; code: string } }[] },
  context: z.RefinementCtx,
): void {
  const names = new Set<string>();
  const members = new Set<string>();
  config.agencies.forEach((agency, index) => {
    if (names.has(agency.name))
      context.addIssue({ code: 'custom', path: ['agencies', index, 'name'], message: `duplicate agency name ${agency.name}` });
    names.add(agency.name);
    const member = `${agency.member.class}/${agency.member.code}`;
    if (members.has(member))
      context.addIssue({ code: 'custom', path: ['agencies', index, 'member'], message: `member ${member} belongs to two agencies` });
    members.add(member);
    if (!config.memberClasses.includes(agency.member.class)) {
      context.addIssue({ code: 'custom', path: ['agencies', index, 'member', 'class'], message: `unknown member class ${agency.member.class}` });
    }
  });
}

/** The checks across the central's own fields, reporting under `central`. */
export function checkCentralFields(central: CentralFields, context: z.RefinementCtx): void {
  const logging = apiGatewayLoggingProblem(central);
  if (logging) context.addIssue({ code: 'custom', path: ['central', 'apiGatewayAccountRoleExists'], message: logging });
  if (!central.configurationCdn && central.configurationUrl !== undefined) {
    context.addIssue({
      code: 'custom',
      path: ['central', 'configurationUrl'],
      message:
        'names a distribution the central does not deploy (central.configurationCdn is false): remove it, and gateways read the configuration from the central API',
    });
  }
}

export type CentralFields = z.infer<typeof centralFieldsSchema>;

/** A federated instance is another instance, named once. */
export function checkFederation(
  config: { instance: string; central: { federation: readonly { instance: string }[] } },
  context: z.RefinementCtx,
): void {
  const seen = new Set<string>();
  config.central.federation.forEach((entry, index) => {
    const path = ['central', 'federation', index, 'instance'];
    if (entry.instance === config.instance)
      context.addIssue({ code: 'custom', path, message: `an instance cannot federate with itself (${entry.instance})` });
    if (seen.has(entry.instance)) context.addIssue({ code: 'custom', path, message: `instance ${entry.instance} is listed twice` });
    seen.add(entry.instance);
  });
}

export function parseCentralConfig(value: unknown, source = 'central config'): CentralConfig {
  const parsed = centralConfigSchema.safeParse(value);
  if (!parsed.success) throw configError(`Invalid ${source}`, parsed.error.issues);
  return parsed.data;
}

/** Reads and validates the central operator's config file (JSON). */
export function loadCentralConfig(path: string): CentralConfig {
  return parseCentralConfig(readJsonConfig(path, 'central config'), path);
}
