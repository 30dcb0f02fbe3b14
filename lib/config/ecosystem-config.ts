/**
 * The ecosystem config: one validated file that describes an instance — the central deployment, member classes,
 * and the agencies (member, subsystems, services with their backends, access rights). The CDK app and the local
 * runtime both read it; a validation failure names the field and the reason.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { invalidGlobReason } from '../../lambdas/core/access-rights';
import { endpointsOf, ruleCoversEndpoint } from '../../lambdas/core/service-description';
import * as z from 'zod';
import { invalidPartReason } from '../../lambdas/core/identifiers';
import { messageLogSettingsSchema } from '../../lambdas/core/gateway-settings';
import { METADATA_SERVICES } from '../../lambdas/core/metadata';

const part = (what: string) =>
  z.string().superRefine((value, context) => {
    const reason = invalidPartReason(value);
    if (reason) context.addIssue({ code: 'custom', message: `${what} ${reason}` });
  });

const account = z.string().regex(/^\d{12}$/, 'must be a 12-digit AWS account id');
const region = z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region such as eu-north-1');

/** `INST/CLASS/CODE/SUB`, `globalgroup:INST/CODE` or `localgroup:CODE`. */
const subject = z.string().regex(/^(globalgroup:[^/]+\/[^/]+|localgroup:[^/]+|[^/:]+\/[^/]+\/[^/]+\/[^/]+)$/, 'must be INSTANCE/CLASS/CODE/SUBSYSTEM, globalgroup:INSTANCE/CODE or localgroup:CODE');

const accessRightSchema = z.object({
  /** `SUBSYSTEM/SERVICECODE` of this agency. */
  service: z.string().regex(/^[^/]+\/[^/]+$/, 'must be SUBSYSTEM/SERVICECODE'),
  subject,
  /** HTTP methods, or `*`. @default ['*'] */
  methods: z.array(z.string().regex(/^(\*|GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS)$/, 'must be an HTTP method or *')).min(1).default(['*']),
  /** Path globs (`*` within a segment, `**` across). @default ['**'] */
  paths: z.array(z.string().min(1)).min(1).default(['**']),
});

const serviceSchema = z.object({
  subsystem: part('Subsystem code'),
  code: part('Service code'),
  /** Base URL of the backend; the path after the service id and the query are appended. */
  backendUrl: z.url({ protocol: /^https?$/ }),
  /** @default 25000 */
  timeoutMs: z.number().int().positive().max(28_000).optional(),
  /** An OpenAPI 3 description (JSON or YAML file, relative to the config file): `getOpenAPI`, endpoint lists. @default - none */
  openapi: z.string().min(1).optional(),
  /** The description's content, read by the config loader from `openapi`. */
  openapiDocument: z.record(z.string(), z.unknown()).optional(),
});

/** An IAM role or user ARN. */
const principalArn = z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/[\w+=,.@/-]+$/, 'must be an IAM role or user ARN (arn:aws:iam::ACCOUNT:role/NAME)');

/** AWS WAF on an internet-facing API: a rate-based rule per source IP. */
const wafSchema = z.object({
  /** @default true */
  enabled: z.boolean().default(true),
  /** Requests per source IP per 5 minutes before WAF blocks it. @default 3000 */
  ratePer5Minutes: z.number().int().min(10).max(2_000_000_000).default(3000),
});
const WAF_DEFAULT = { enabled: true, ratePer5Minutes: 3000 };

const vpcSchema = z.object({
  vpcId: z.string().regex(/^vpc-[0-9a-f]+$/),
  subnetIds: z.array(z.string().regex(/^subnet-[0-9a-f]+$/)).min(1),
  availabilityZones: z.array(z.string()).min(1),
  securityGroupIds: z.array(z.string().regex(/^sg-[0-9a-f]+$/)).default([]),
});

export const agencySchema = z.object({
  /** Stable name: stack names, local URLs and the join allow-list use it. */
  name: z.string().regex(/^[a-z][a-z0-9-]{0,40}$/, 'must be lower-case letters, digits and dashes, starting with a letter'),
  account,
  region,
  member: z.object({ class: part('Member class'), code: part('Member code'), name: z.string().min(1) }),
  subsystems: z.array(part('Subsystem code')).min(1),
  services: z.array(serviceSchema).default([]),
  accessRights: z.array(accessRightSchema).default([]),
  /** Local groups: code → subsystem ids. */
  localGroups: z.record(z.string(), z.array(subject)).default({}),
  messageLog: messageLogSettingsSchema.partial().optional(),
  /** How the gateway signs messages: `session` (a KMS-certified in-memory key, ≤ 1 h) or `kms` (KMS per message). @default session, 3600 s */
  signing: z.object({ mode: z.enum(['session', 'kms']), sessionValiditySeconds: z.number().int().min(60).max(3600).default(3600) }).optional(),
  /** Seal interval and fail-closed limit of the message log. @default 60 s, 600 s */
  sealing: z.object({ intervalSeconds: z.number().int().min(60).max(3600).default(60), maxLagSeconds: z.number().int().min(120).default(600) }).optional(),
  /** Days log records are kept before TTL removes them. @default 30 */
  logRetentionDays: z.number().int().min(1).max(3650).default(30),
  /** Places the gateway functions in the agency's VPC, to reach backends there. @default - not in a VPC */
  vpc: vpcSchema.optional(),
  /**
   * Consumer-side access: a private API reachable from these VPC endpoints, or IAM-authorized for the listed
   * principals, each bound to the subsystems it may act as. @default - IAM with no principal: nobody may call (synth warns)
   */
  consumerAccess: z
    .discriminatedUnion('mode', [
      z.object({ mode: z.literal('private'), vpcEndpointIds: z.array(z.string().regex(/^vpce-[0-9a-f]+$/)).min(1) }),
      z.object({ mode: z.literal('iam'), principals: z.array(z.object({ arn: principalArn, subsystems: z.array(part('Subsystem code')).min(1) })).default([]) }),
    ])
    .optional(),
  /** Reserved concurrency per function (each side's ceiling, and the sealer's guaranteed floor). @default consumer 100, provider 100, sealer 2 */
  concurrency: z
    .object({ consumer: z.number().int().min(1).default(100), provider: z.number().int().min(1).default(100), sealer: z.number().int().min(1).default(2) })
    .default({ consumer: 100, provider: 100, sealer: 2 }),
  /** AWS WAF on the provider-side API. @default enabled, 3000 requests per IP per 5 minutes */
  waf: wafSchema.default(WAF_DEFAULT),
  /**
   * The provider side's API type: `rest` (WAF possible) or `http` (an HTTP API: $1.00 instead of $3.50 per million
   * requests; no WAF). Both pass messages byte for byte (the provider acts on the signed request target).
   * @default 'rest'
   */
  providerApi: z.enum(['rest', 'http']).default('rest'),
});

export const ecosystemConfigSchema = z
  .object({
    instance: part('Instance'),
    memberClasses: z.array(part('Member class')).min(1),
    central: z.object({
      account,
      region,
      /** @default 600 */
      globalConfValiditySeconds: z.number().int().min(60).max(86_400).default(600),
      /** @default 60 */
      globalConfGenerationSeconds: z.number().int().min(1).max(3600).default(60),
      globalGroups: z.array(z.object({ code: part('Global group code'), description: z.string().default(''), members: z.array(subject) })).default([]),
      /** The deployed central API's URL, known after the central stack is deployed (agency stacks need it). */
      apiUrl: z.url().optional(),
      /** The central public key (DER SPKI, base64) — the anchor agencies trust, from the central stack's output. */
      anchorPublicKey: z.string().optional(),
      /** Accept gateway URLs on private addresses (all gateways share one network). @default false */
      allowPrivateProviderUrls: z.boolean().default(false),
      /** Reserved concurrency of the central function. @default 20 */
      concurrency: z.number().int().min(1).default(20),
      /** AWS WAF on the central API. @default enabled, 3000 requests per IP per 5 minutes */
      waf: wafSchema.default(WAF_DEFAULT),
    }),
    agencies: z.array(agencySchema).min(1),
    /** Local runtime: ports on 127.0.0.1. */
    local: z
      .object({
        /** Central API on basePort, then consumer/provider ports of each agency in order. @default 4000 */
        basePort: z.number().int().min(1024).max(65000).default(4000),
        /** Port of the sample population registry backend. @default 4080 */
        sampleBackendPort: z.number().int().min(1024).max(65535).default(4080),
      })
      .default({ basePort: 4000, sampleBackendPort: 4080 }),
  })
  .superRefine((config, context) => {
    const names = new Set<string>();
    const members = new Set<string>();
    config.agencies.forEach((agency, index) => {
      if (names.has(agency.name)) context.addIssue({ code: 'custom', path: ['agencies', index, 'name'], message: `duplicate agency name ${agency.name}` });
      names.add(agency.name);
      const member = `${agency.member.class}/${agency.member.code}`;
      if (members.has(member)) context.addIssue({ code: 'custom', path: ['agencies', index, 'member'], message: `member ${member} belongs to two agencies` });
      members.add(member);
      if (!config.memberClasses.includes(agency.member.class)) {
        context.addIssue({ code: 'custom', path: ['agencies', index, 'member', 'class'], message: `unknown member class ${agency.member.class}` });
      }
      agency.services.forEach((service, serviceIndex) => {
        if (METADATA_SERVICES.has(service.code)) {
          context.addIssue({ code: 'custom', path: ['agencies', index, 'services', serviceIndex, 'code'], message: `${service.code} is reserved for X-Road's metadata services` });
        }
        if (!agency.subsystems.includes(service.subsystem)) {
          context.addIssue({ code: 'custom', path: ['agencies', index, 'services', serviceIndex, 'subsystem'], message: `not a subsystem of ${agency.name}` });
        }
      });
      if (agency.providerApi === 'http' && agency.waf.enabled) {
        context.addIssue({ code: 'custom', path: ['agencies', index, 'providerApi'], message: 'an HTTP API cannot have an AWS WAF web ACL: set waf.enabled to false, or keep providerApi "rest"' });
      }
      if (agency.consumerAccess?.mode === 'iam') {
        agency.consumerAccess.principals.forEach((principal, principalIndex) =>
          principal.subsystems.forEach((subsystem, subsystemIndex) => {
            if (!agency.subsystems.includes(subsystem)) {
              context.addIssue({ code: 'custom', path: ['agencies', index, 'consumerAccess', 'principals', principalIndex, 'subsystems', subsystemIndex], message: `not a subsystem of ${agency.name}` });
            }
          }),
        );
      }
      agency.accessRights.forEach((right, rightIndex) => {
        const [subsystem, code] = right.service.split('/');
        const service = agency.services.find((candidate) => candidate.subsystem === subsystem && candidate.code === code);
        if (!service) {
          context.addIssue({ code: 'custom', path: ['agencies', index, 'accessRights', rightIndex, 'service'], message: `${right.service} is not a service of ${agency.name}` });
          return;
        }
        right.paths.forEach((path, pathIndex) => {
          const reason = invalidGlobReason(path);
          if (reason) context.addIssue({ code: 'custom', path: ['agencies', index, 'accessRights', rightIndex, 'paths', pathIndex], message: `${path} ${reason}` });
        });
        // With a description, a right must name endpoints the service has (PR-MREST: rights are per endpoint).
        if (!service.openapiDocument) return;
        const endpoints = endpointsOf(service.openapiDocument, new URL(service.backendUrl).pathname);
        for (const method of right.methods) {
          for (const path of right.paths) {
            if (!endpoints.some((endpoint) => ruleCoversEndpoint({ method, path }, endpoint))) {
              const known = endpoints.map((endpoint) => `${endpoint.method} ${endpoint.path}`).join(', ');
              context.addIssue({ code: 'custom', path: ['agencies', index, 'accessRights', rightIndex], message: `${method} ${path} is not an endpoint of ${right.service} (its description has ${known || 'none'})` });
            }
          }
        }
      });
    });
  });

export type EcosystemConfig = z.infer<typeof ecosystemConfigSchema>;
export type AgencyConfig = EcosystemConfig['agencies'][number];

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * Validates a parsed config; the error lists every problem as `field: reason`. Service descriptions named by
 * `openapi` are read from `baseDir` (the config file's folder) first.
 */
export function parseEcosystemConfig(value: unknown, source = 'config', baseDir = process.cwd()): EcosystemConfig {
  const unreadable = readServiceDescriptions(value, baseDir);
  const parsed = ecosystemConfigSchema.safeParse(value);
  if (!parsed.success || unreadable.length > 0) {
    const problems = [...unreadable, ...(parsed.error?.issues ?? []).map((issue) => `  ${issue.path.join('.') || '(root)'}: ${issue.message}`)];
    throw new ConfigError(`Invalid ecosystem config ${source}:\n${problems.join('\n')}`);
  }
  return parsed.data;
}

export function loadEcosystemConfig(path: string): EcosystemConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`Cannot read ecosystem config ${path}: ${(error as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`Ecosystem config ${path} is not valid JSON: ${(error as Error).message}`);
  }
  return parseEcosystemConfig(value, path, dirname(path));
}

/** Reads each service's `openapi` file (JSON or YAML) into `openapiDocument`; returns the files that cannot be read. */
function readServiceDescriptions(value: unknown, baseDir: string): string[] {
  const problems: string[] = [];
  const agencies = (value as { agencies?: unknown })?.agencies;
  if (!Array.isArray(agencies)) return problems;
  agencies.forEach((agency: { services?: unknown }, index) => {
    if (!Array.isArray(agency?.services)) return;
    agency.services.forEach((service: { openapi?: unknown; openapiDocument?: unknown }, serviceIndex) => {
      if (typeof service?.openapi !== 'string' || service.openapiDocument !== undefined) return;
      const file = resolve(baseDir, service.openapi);
      try {
        const text = readFileSync(file, 'utf8');
        service.openapiDocument = /\.ya?ml$/i.test(file) ? parseYaml(text) : JSON.parse(text);
      } catch (error) {
        problems.push(`  agencies.${index}.services.${serviceIndex}.openapi: cannot read ${file}: ${(error as Error).message.split('\n')[0]}`);
      }
    });
  });
  return problems;
}

/** The demo ecosystem `npm start` and the tests use. */
export const DEFAULT_CONFIG_PATH = 'config/ecosystem.json';
