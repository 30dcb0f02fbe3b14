/**
 * An agency's gateway config: what an agency decides about its own gateway — its member and subsystems, its services
 * and their backends, who may call them, and how the gateway logs, signs, seals and is reached. An agency deploying
 * from its own repository needs only this, plus the central API's URL and anchor (`SildGateway`); the all-in-one
 * ecosystem file holds the same fields per agency.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import * as z from 'zod';
import { parse as parseYaml } from 'yaml';
import { invalidGlobReason } from '../../lambdas/core/exchange/access-rights';
import { messageLogSettingsSchema, sealingSettingsSchema, type SealingSettings } from '../../lambdas/core/log/settings';
import { signingSettingsSchema } from '../../lambdas/core/trust/settings';
import { RESERVED_SERVICE_CODES } from '../../lambdas/core/exchange/protocols/metadata-services';
import { endpointsOf, ruleCoversEndpoint } from '../../lambdas/core/exchange/protocols/rest/service-description';
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
  PROVIDER_WAF_DEFAULT,
  providerWafSchema,
  strictObject,
  DEFAULT_LAMBDA_CONCURRENCY_QUOTA,
  permissionsBoundaryProblem,
  permissionsBoundarySchema,
} from './config-parts';
import { apiGatewayLoggingProblem } from './api-gateway-logging';
import { checkVpcLayout } from './vpc-layout';

const accessRightSchema = strictObject({
  /** `SUBSYSTEM/SERVICECODE` of this agency. */
  service: z.string().regex(/^[^/]+\/[^/]+$/, 'must be SUBSYSTEM/SERVICECODE'),
  subject: subjectSchema,
  /**
   * HTTP methods, or `*`; REST services only (a SOAP service's rights are per service code, as in X-Road). Left unset
   * in the parsed config, so a SOAP right that names them can be refused: `rightScope` fills in the default.
   * @default ['*']
   */
  methods: z
    .array(z.string().regex(/^(\*|GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS)$/, 'must be an HTTP method or *'))
    .min(1)
    .optional(),
  /** Path globs (`*` within a segment, `**` across); REST services only, as `methods`. @default ['**'] */
  paths: z.array(z.string().min(1)).min(1).optional(),
});

export type AccessRightConfig = z.infer<typeof accessRightSchema>;

/** The methods and paths a right covers: those it names, else every one — what a SOAP service's rights always cover. */
export function rightScope(right: Pick<AccessRightConfig, 'methods' | 'paths'>): { methods: string[]; paths: string[] } {
  return { methods: right.methods ?? ['*'], paths: right.paths ?? ['**'] };
}

const serviceSchema = strictObject({
  subsystem: part('Subsystem code'),
  code: part('Service code'),
  /** The message protocol the service speaks: X-Road REST (PR-REST) or SOAP (X-Road message protocol v4.0, PR-MESS). @default 'rest' */
  type: z.enum(['rest', 'soap']).default('rest'),
  /** SOAP only: X-Road's `serviceVersion`, a part of the service's identifier (the WSDL's `xrd:version`). @default - none */
  version: part('Service version').optional(),
  /**
   * Base URL of the backend; for REST the path after the service id and the query are appended, a SOAP backend is
   * called at this URL.
   */
  backendUrl: z.url({ protocol: /^https?$/ }),
  /** @default 25000 */
  timeoutMs: z.number().int().positive().max(28_000).optional(),
  /** REST only: an OpenAPI 3 description (JSON or YAML file, relative to the config file): `getOpenAPI`, endpoint lists. @default - none */
  openapi: z.string().min(1).optional(),
  /** The description's content: read from `openapi` by the loader, or given directly. */
  openapiDocument: z.record(z.string(), z.unknown()).optional(),
  /** SOAP only, and required there: the service's WSDL 1.1 description (a file relative to the config file; `wsdl.ts`: what is valid). */
  wsdl: z.string().min(1).optional(),
  /** The WSDL's text: read from `wsdl` by the loader, or given directly. */
  wsdlDocument: z.string().min(1).optional(),
});

/** An IAM role or user ARN. */
const principalArn = z
  .string()
  .regex(/^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/[\w+=,.@/-]+$/, 'must be an IAM role or user ARN (arn:aws:iam::ACCOUNT:role/NAME)');

/** The agency VPC the gateway's functions run in (`vpc-layout.ts`: what each layout needs, and which cannot work). */
const vpcSchema = strictObject({
  vpcId: z.string().regex(/^vpc-[0-9a-f]{8,17}$/, 'must be a VPC id (vpc-…)'),
  /** Subnets with a route to a NAT gateway: the configuration, other gateways and S3 presigned URLs are on the internet. */
  subnetIds: z.array(z.string().regex(/^subnet-[0-9a-f]{8,17}$/, 'must be a subnet id (subnet-…)')).min(1),
  availabilityZones: z.array(z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d[a-z]$/, 'must be an Availability Zone name (eu-north-1a)')).min(1),
  securityGroupIds: z.array(z.string().regex(/^sg-[0-9a-f]{8,17}$/, 'must be a security group id (sg-…)')).default([]),
  /**
   * Which gateway functions run in the VPC: the provider side only (it calls the backends there), or all of them
   * (consumer side, sealer and canary too: every call leaves through the agency's network). @default 'provider'
   */
  functions: z.enum(['provider', 'all']).default('provider'),
  /**
   * Whether this VPC resolves execute-api names through an interface endpoint with private DNS (as a private consumer
   * side's endpoint usually does): functions there cannot call regional APIs of that Region — the central API, other
   * gateways. No default: the answer decides which layouts work.
   */
  executeApiPrivateDns: z.boolean({
    error:
      "must say whether this VPC resolves execute-api names through an interface endpoint with private DNS (true or false: `aws ec2 describe-vpc-endpoints --filters Name=vpc-id,Values=<vpc> Name=service-name,Values=com.amazonaws.<region>.execute-api --query 'VpcEndpoints[].PrivateDnsEnabled'`): with it, functions in the VPC cannot call the central API or other gateways",
  }),
});

/** The fields an agency decides about its gateway; each agency of the ecosystem file has exactly these. */
export const gatewayFieldsSchema = strictObject({
  /** Stable name: stack names, local URLs, the join allow-list; the gateway's server code. */
  name: agencyNameSchema,
  /** Where the gateway deploys; the account is the one the central allows to join. */
  account: accountSchema,
  region: regionSchema,
  member: memberSchema,
  subsystems: z.array(part('Subsystem code')).min(1),
  services: z.array(serviceSchema).default([]),
  accessRights: z.array(accessRightSchema).default([]),
  /** Local groups: code → subsystem ids. */
  localGroups: z.record(z.string(), z.array(subjectSchema)).default({}),
  messageLog: strictObject(messageLogSettingsSchema.shape).partial().optional(),
  /** How the gateway signs messages: `session` (a KMS-certified in-memory key, ≤ 1 h) or `kms` (KMS per message). @default session, 3600 s */
  signing: strictObject(signingSettingsSchema.shape).optional(),
  /** The gateway's KMS signing keys by name, and the one that signs (key rotation). @default { published: ['initial'], current: 'initial' } */
  signingKeys: signingKeysSchema.optional(),
  /** Seal interval (whole minutes: the sealer runs on a schedule) and fail-closed limit of the message log. @default 60 s, 600 s */
  sealing: strictObject(sealingSettingsSchema.shape).partial().optional(),
  /** Days log records are kept before TTL removes them. @default 30 */
  logRetentionDays: z.number().int().min(1).max(3650).default(30),
  /**
   * An IAM managed policy ARN set as the permissions boundary of every role the gateway's stack creates (its functions',
   * the custom resources' providers', the API Gateway logging role). @default - no boundary
   */
  permissionsBoundary: permissionsBoundarySchema.optional(),
  /** Places the gateway functions in the agency's VPC, to reach backends there. @default - not in a VPC */
  vpc: vpcSchema.optional(),
  /**
   * Consumer-side access: a private API reachable from these VPC endpoints, or IAM-authorized for the listed
   * principals, each bound to the subsystems it may act as. @default - IAM with no principal: nobody may call (synth warns)
   */
  consumerAccess: z
    .discriminatedUnion('mode', [
      strictObject({
        mode: z.literal('private'),
        vpcEndpointIds: z.array(z.string().regex(/^vpce-[0-9a-f]{8,17}$/, 'must be a VPC endpoint id (vpce-…)')).min(1),
      }),
      strictObject({
        mode: z.literal('iam'),
        principals: z.array(strictObject({ arn: principalArn, subsystems: z.array(part('Subsystem code')).min(1) })).default([]),
      }),
    ])
    .optional(),
  /**
   * Reserved concurrency per function, each opt-in: a reservation is the function's ceiling and its floor (the
   * sealer's keeps sealing going under a flood). It is taken from the account's pool in this Region, so synth refuses
   * reservations above `lambdaConcurrencyQuota` less what Lambda keeps unreserved (`concurrency-plan.ts`).
   * @default - none reserved: the functions share the account's unreserved pool; the stage throttles and WAF bound a flood
   */
  concurrency: strictObject({
    consumer: z.number().int().min(1).optional(),
    provider: z.number().int().min(1).optional(),
    sealer: z.number().int().min(1).optional(),
  }).default({}),
  /**
   * The account's Lambda concurrency quota in this Region (Service Quotas, "Concurrent executions", L-B99A9384): what
   * the reservations are checked against at synth, and what the account-concurrency alarm watches. A new account may
   * have 10. @default 1000
   */
  lambdaConcurrencyQuota: z.number().int().min(1).default(DEFAULT_LAMBDA_CONCURRENCY_QUOTA),
  /**
   * AWS WAF on the provider-side API, per source IP and 5 minutes: requests with a signed Sild message (peer gateways)
   * and without one. @default enabled, 60000 signed, 3000 others
   */
  waf: providerWafSchema.default(PROVIDER_WAF_DEFAULT),
  /**
   * The provider side's API type: `rest` (WAF possible) or `http` (an HTTP API: $1.00 instead of $3.50 per million
   * requests; no WAF). Both pass messages byte for byte (the provider acts on the signed request target).
   * @default 'rest'
   */
  providerApi: z.enum(['rest', 'http']).default('rest'),
  /**
   * Alarms, canary and dashboard (README, Operations): who is mailed when an alarm fires, and how often the canary
   * runs a synthetic exchange. @default no e-mail (the topic only), canary every 5 minutes
   */
  /** X-Ray tracing of the gateway's functions (Lambda active tracing + Powertools Tracer on every AWS SDK call). @default false */
  tracing: z.boolean().default(false),
  /**
   * Sets the account's API Gateway CloudWatch Logs role (one setting per account and Region, needed before any REST
   * stage can log): set it in exactly one stack per account and Region, unless the account has it already.
   * @default false
   */
  apiGatewayAccountRole: z.boolean().default(false),
  /**
   * The account already has the API Gateway CloudWatch Logs role in this Region (another stack or an administrator
   * set it), so the REST API stages may log. With neither this nor `apiGatewayAccountRole`, REST stages do not log —
   * a fresh account has no role, and a stage that logs would fail to deploy (`restApiLogging`).
   * @default false
   */
  apiGatewayAccountRoleExists: z.boolean().default(false),
  /**
   * Maintenance mode, as X-Road's: the provider side answers every other gateway `Server.ServerProxy.Maintenance`
   * (503) with `message`, until a deploy turns it off. @default not in maintenance
   */
  maintenance: strictObject({
    enabled: z.boolean().default(false),
    message: z.string().min(1).max(500).default('The provider gateway is in maintenance; try again later'),
  }).default({ enabled: false, message: 'The provider gateway is in maintenance; try again later' }),
  /**
   * The federated instances this gateway takes part in (opt-in per gateway and instance, X-Road's): its clients may
   * call their services and their members may call this gateway's, as access rights allow. Each must be in the
   * central's `federation`. @default none
   */
  federation: z.array(part('Instance')).default([]),
  monitoring: strictObject({
    alarmEmails: alarmEmailsSchema,
    canaryMinutes: z.number().int().min(1).max(60).default(5),
  }).default({ alarmEmails: [], canaryMinutes: 5 }),
});

export type GatewayFields = z.infer<typeof gatewayFieldsSchema>;

/** Where the central is, as an agency knows it: its API and the anchor key, from the central stack's outputs. */
export const centralReferenceSchema = strictObject({
  /** The central API's URL (https). @default - not known yet: the gateway gets placeholders and does not register (synth warns) */
  url: z.url({ protocol: /^https$/, error: "must be the central API's https:// URL" }).optional(),
  /** Where the central distributes the configuration (its `GlobalConfigurationUrl` output). @default - read from the central API only */
  configurationUrl: z.url({ protocol: /^https$/, error: 'must be the https:// URL of the GlobalConfigurationUrl output' }).optional(),
  /** The central public key (DER SPKI, base64) — the anchor the gateway trusts. @default - not known yet (as for `url`) */
  anchor: anchorKeySchema.optional(),
  /** The central deployment's account (for the gateway's permission to call `POST /join`). @default - any account */
  account: accountSchema.optional(),
  /** The central deployment's Region. @default - read from `url`, else the gateway's own Region */
  region: regionSchema.optional(),
});

/** An agency's own gateway config: its fields, plus the instance and where the central is. */
export const gatewayConfigSchema = gatewayFieldsSchema
  .extend({
    /** The X-Road instance code. */
    instance: part('Instance'),
    central: centralReferenceSchema,
  })
  .superRefine((gateway, context) => {
    checkGatewayFields(gateway, context, []);
    checkVpcLayout(gateway, (field, message) => context.addIssue({ code: 'custom', path: ['vpc', field], message }));
  });

export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;
export type GatewayConfigInput = z.input<typeof gatewayConfigSchema>;

/** The checks across an agency's fields (services, rights, principals, API type), reporting under `path`. */
export function checkGatewayFields(agency: GatewayFields, context: z.RefinementCtx, path: readonly (string | number)[]): void {
  const issue = (at: readonly (string | number)[], message: string) => context.addIssue({ code: 'custom', path: [...path, ...at], message });
  const seen = new Map<string, number>();
  agency.services.forEach((service, index) => {
    if (RESERVED_SERVICE_CODES.has(service.code)) issue(['services', index, 'code'], `${service.code} is reserved for X-Road's metadata services`);
    if (!agency.subsystems.includes(service.subsystem)) issue(['services', index, 'subsystem'], `not a subsystem of ${agency.name}`);
    const id = `${service.subsystem}/${service.code}`;
    if (seen.has(id)) issue(['services', index], `${id} is declared twice (also services.${seen.get(id)})`);
    seen.set(id, index);
    checkServiceType(service, (field, message) => issue(['services', index, field], message));
  });
  checkSealing(agency.sealing ?? {}, (at, message) => issue(['sealing', at], message));
  agency.accessRights.forEach((right, index) => {
    const group = /^localgroup:(.+)$/.exec(right.subject)?.[1];
    if (group !== undefined && !(group in agency.localGroups))
      issue(
        ['accessRights', index, 'subject'],
        `local group ${group} is not defined in localGroups (${Object.keys(agency.localGroups).join(', ') || 'none'})`,
      );
  });
  Object.entries(agency.localGroups).forEach(([code, members]) =>
    members.forEach((member, index) => {
      if (member.includes(':')) issue(['localGroups', code, index], 'a local group lists subsystems (INSTANCE/CLASS/CODE/SUBSYSTEM), not groups');
    }),
  );
  const logging = apiGatewayLoggingProblem(agency);
  if (logging) issue(['apiGatewayAccountRoleExists'], logging);
  const boundaryProblem = permissionsBoundaryProblem(agency.permissionsBoundary, agency.account);
  if (boundaryProblem) issue(['permissionsBoundary'], boundaryProblem);
  if (agency.providerApi === 'http' && agency.waf.enabled) {
    issue(['providerApi'], 'an HTTP API cannot have an AWS WAF web ACL: set waf.enabled to false, or keep providerApi "rest"');
  }
  if (agency.consumerAccess?.mode === 'iam') {
    agency.consumerAccess.principals.forEach((principal, principalIndex) => {
      // IAM consumer access is an HTTP API, and HTTP APIs have no resource policy, which cross-account IAM
      // authorization needs: a principal of another account could never call it, only a role it assumes in this
      // account (https://repost.aws/knowledge-center/api-gateway-iam-cross-account).
      const account = /^arn:[^:]+:iam::(\d{12}):/.exec(principal.arn)?.[1];
      if (account !== undefined && account !== agency.account) {
        issue(
          ['consumerAccess', 'principals', principalIndex, 'arn'],
          `${principal.arn} is in account ${account}, not ${agency.name}'s account ${agency.account}: the IAM consumer side is an HTTP API without a resource policy, so only principals of ${agency.account} can be allowed to call it (let the caller assume a role in ${agency.account}, or use a private consumer side)`,
        );
      }
      principal.subsystems.forEach((subsystem, subsystemIndex) => {
        if (!agency.subsystems.includes(subsystem))
          issue(['consumerAccess', 'principals', principalIndex, 'subsystems', subsystemIndex], `not a subsystem of ${agency.name}`);
      });
    });
  }
  agency.accessRights.forEach((right, index) => {
    const [subsystem, code] = right.service.split('/');
    const service = agency.services.find((candidate) => candidate.subsystem === subsystem && candidate.code === code);
    if (!service) return issue(['accessRights', index, 'service'], `${right.service} is not a service of ${agency.name}`);
    if (service.type === 'soap') {
      for (const field of ['methods', 'paths'] as const) {
        if (right[field] !== undefined)
          issue(
            ['accessRights', index, field],
            `methods and paths do not apply to a SOAP service: rights on ${right.service} are per service code, as in X-Road`,
          );
      }
      return;
    }
    const { methods, paths } = rightScope(right);
    paths.forEach((glob, pathIndex) => {
      const reason = invalidGlobReason(glob);
      if (reason) issue(['accessRights', index, 'paths', pathIndex], `${glob} ${reason}`);
    });
    // With a description, a right must name endpoints the service has (PR-MREST: rights are per endpoint).
    if (!service.openapiDocument) return;
    const endpoints = endpointsOf(service.openapiDocument, new URL(service.backendUrl).pathname);
    for (const method of methods) {
      for (const glob of paths) {
        if (!endpoints.some((endpoint) => ruleCoversEndpoint({ method, path: glob }, endpoint))) {
          const known = endpoints.map((endpoint) => `${endpoint.method} ${endpoint.path}`).join(', ');
          issue(['accessRights', index], `${method} ${glob} is not an endpoint of ${right.service} (its description has ${known || 'none'})`);
        }
      }
    }
  });
}

/** What a service's type allows: a REST service is described by OpenAPI, a SOAP one by its WSDL and may have a version. */
function checkServiceType(service: z.infer<typeof serviceSchema>, issue: (field: string, message: string) => void): void {
  if (service.type === 'soap') {
    if (service.openapi !== undefined || service.openapiDocument !== undefined)
      issue(service.openapi !== undefined ? 'openapi' : 'openapiDocument', 'a SOAP service is described by its wsdl, not by OpenAPI');
    if (service.wsdl === undefined && service.wsdlDocument === undefined)
      issue('wsdl', 'a SOAP service needs its WSDL 1.1 description (a file relative to the config file)');
    return;
  }
  for (const field of ['wsdl', 'wsdlDocument', 'version'] as const) {
    if (service[field] !== undefined) issue(field, `${field} applies to SOAP services only (type "soap")`);
  }
}

/**
 * Sealing settings that can work: the sealer runs on a whole-minute schedule, a window is sealed `graceSeconds` after
 * it closes, so the newest seal can be up to two intervals plus the grace old in normal operation; `maxLagSeconds`
 * (fail closed) must leave a minute of margin above that, or the gateway refuses messages while sealing is healthy.
 */
function checkSealing(sealing: Partial<SealingSettings>, issue: (field: string, message: string) => void): void {
  const { intervalSeconds, graceSeconds, maxLagSeconds } = { ...sealingSettingsSchema.parse({}), ...sealing };
  if (intervalSeconds % 60 !== 0) issue('intervalSeconds', 'must be a whole number of minutes (the sealer runs on a schedule)');
  const needed = 2 * intervalSeconds + graceSeconds + 60;
  if (maxLagSeconds < needed)
    issue(
      'maxLagSeconds',
      `must be at least ${needed} (two seal intervals of ${intervalSeconds} s, the grace of ${graceSeconds} s and a minute of margin): below that the gateway fails closed while sealing works`,
    );
}

/** Validates an agency's gateway config, reading its services' `openapi` and `wsdl` files from `baseDir`. */
export function parseGatewayConfig(value: unknown, source = 'gateway config', baseDir = '.'): GatewayConfig {
  // The descriptions are read into a copy: the caller's object (a construct's props) is left as given.
  const input = structuredClone(value);
  const unreadable = readServiceDescriptions((input as { services?: unknown })?.services, baseDir, 'services');
  const parsed = gatewayConfigSchema.safeParse(input);
  if (!parsed.success || unreadable.length > 0) throw configError(`Invalid ${source}`, parsed.error?.issues ?? [], unreadable);
  return parsed.data;
}

/** Reads and validates an agency's gateway config file (JSON); `openapi` and `wsdl` files are relative to it. */
export function loadGatewayConfig(path: string): GatewayConfig {
  return parseGatewayConfig(readJsonConfig(path, 'gateway config'), path, dirname(path));
}

/** The description files a service may name, the field their content is read into, and how it is read. */
const DESCRIPTION_FILES = [
  {
    file: 'openapi',
    content: 'openapiDocument',
    read: (text: string, path: string): unknown => (/\.ya?ml$/i.test(path) ? parseYaml(text) : JSON.parse(text)),
  },
  // The WSDL stays text: it is checked (wsdl.ts) and served as written.
  { file: 'wsdl', content: 'wsdlDocument', read: (text: string): unknown => text },
] as const;

/**
 * Reads each service's `openapi` file (JSON or YAML) into `openapiDocument` and its `wsdl` file into `wsdlDocument`
 * (in place, before validation); returns the files that cannot be read as `field: reason` lines.
 */
export function readServiceDescriptions(services: unknown, baseDir: string, field: string): string[] {
  const problems: string[] = [];
  if (!Array.isArray(services)) return problems;
  services.forEach((service: Record<string, unknown> | undefined, index) => {
    for (const { file: name, content, read } of DESCRIPTION_FILES) {
      if (typeof service?.[name] !== 'string' || service[content] !== undefined) continue;
      const file = resolve(baseDir, service[name]);
      try {
        service[content] = read(readFileSync(file, 'utf8'), file);
      } catch (error) {
        problems.push(`  ${field}.${index}.${name}: cannot read ${file}: ${(error as Error).message.split('\n')[0]}`);
      }
    }
  });
  return problems;
}
