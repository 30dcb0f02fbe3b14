/**
 * The contract between what deploys a function (the CDK constructs, the local runtime, the benchmark) and the
 * function that runs: the environment variable names and the settings documents, defined once. Deployers build the
 * environment with `gatewayEnvironment` / `centralEnvironment`; functions read it with `readGatewayDeployment` /
 * `readCentralDeployment`, which validate it and name what is missing or wrong.
 */
import * as z from './core/kernel/schema';
import { centralSettingsSchema, type CentralSettings, type CentralSettingsInput } from './core/central/settings';
import type { GatewayRegistration } from './core/central/join-request';
import { parseGatewaySettings, type GatewaySettings, type GatewaySettingsInput } from './core/exchange/settings';

/** Set to `true` on every function of a stack whose config turns `tracing` on (Lambda active tracing is on then too). */
export const TRACING_ENV = 'SILD_TRACING';

/** The environment variables of every gateway function (consumer, provider, sealer). */
export const GATEWAY_ENVIRONMENT = {
  /** JSON of the gateway settings (`gatewaySettingsSchema`). */
  settings: 'SILD_GATEWAY_SETTINGS',
  /** The gateway's KMS key (ARN, id or alias). */
  signingKey: 'SILD_SIGNING_KEY_ID',
  /** Every key the deployment publishes, comma-separated, when more than the signing key (a rotation under way). */
  publishedKeys: 'SILD_PUBLISHED_KEY_IDS',
  messageLogTable: 'SILD_MESSAGE_LOG_TABLE',
  /** Days before DynamoDB's TTL removes a record. */
  logRetentionDays: 'SILD_LOG_RETENTION_DAYS',
  /** The gateway's body store (S3 bucket). */
  bodyBucket: 'SILD_BODY_BUCKET',
} as const;

/** The environment variables of the central function. */
export const CENTRAL_ENVIRONMENT = {
  /** JSON of the central settings (`centralSettingsSchema`). */
  settings: 'SILD_CENTRAL_SETTINGS',
  signingKey: 'SILD_SIGNING_KEY_ID',
  /** Every key the deployment holds, comma-separated, when more than the signing key (a hand-over under way). */
  publishedKeys: 'SILD_PUBLISHED_KEY_IDS',
  registryTable: 'SILD_REGISTRY_TABLE',
  /** The bucket the published configurations go to (served through the CDN). */
  configurationBucket: 'SILD_CONFIGURATION_BUCKET',
} as const;

/** What a gateway function is deployed with. Values may be CDK tokens when a stack builds it. */
export interface GatewayDeployment<Settings = GatewaySettingsInput> {
  readonly settings: Settings;
  readonly signingKeyId: string;
  /** The keys published beside it (including it). @default - the signing key alone */
  readonly publishedKeyIds?: readonly string[];
  readonly messageLogTable: string;
  readonly logRetentionDays: number;
  readonly bodyBucket: string;
}

/** What the central function is deployed with. */
export interface CentralDeployment<Settings = CentralSettingsInput> {
  readonly settings: Settings;
  readonly signingKeyId: string;
  /** The keys held beside it (including it): the previous one signs the hand-over. @default - the signing key alone */
  readonly publishedKeyIds?: readonly string[];
  readonly registryTable: string;
  readonly configurationBucket: string;
}

type Environment = Readonly<Record<string, string | undefined>>;

export function gatewayEnvironment(deployment: GatewayDeployment): Record<string, string> {
  return {
    [GATEWAY_ENVIRONMENT.settings]: JSON.stringify(deployment.settings),
    [GATEWAY_ENVIRONMENT.signingKey]: deployment.signingKeyId,
    ...publishedKeysEnvironment(GATEWAY_ENVIRONMENT.publishedKeys, deployment),
    [GATEWAY_ENVIRONMENT.messageLogTable]: deployment.messageLogTable,
    [GATEWAY_ENVIRONMENT.logRetentionDays]: String(deployment.logRetentionDays),
    [GATEWAY_ENVIRONMENT.bodyBucket]: deployment.bodyBucket,
  };
}

export function readGatewayDeployment(env: Environment): GatewayDeployment<GatewaySettings> {
  const retention = Number(required(env, GATEWAY_ENVIRONMENT.logRetentionDays));
  if (!Number.isInteger(retention) || retention < 1)
    throw new Error(`Environment variable ${GATEWAY_ENVIRONMENT.logRetentionDays} must be a whole number of days`);
  return {
    settings: parseGatewaySettings(parseJson(env, GATEWAY_ENVIRONMENT.settings)),
    signingKeyId: required(env, GATEWAY_ENVIRONMENT.signingKey),
    publishedKeyIds: publishedKeysOf(env, GATEWAY_ENVIRONMENT),
    messageLogTable: required(env, GATEWAY_ENVIRONMENT.messageLogTable),
    logRetentionDays: retention,
    bodyBucket: required(env, GATEWAY_ENVIRONMENT.bodyBucket),
  };
}

export function centralEnvironment(deployment: CentralDeployment): Record<string, string> {
  return {
    [CENTRAL_ENVIRONMENT.settings]: JSON.stringify(deployment.settings),
    [CENTRAL_ENVIRONMENT.signingKey]: deployment.signingKeyId,
    ...publishedKeysEnvironment(CENTRAL_ENVIRONMENT.publishedKeys, deployment),
    [CENTRAL_ENVIRONMENT.registryTable]: deployment.registryTable,
    [CENTRAL_ENVIRONMENT.configurationBucket]: deployment.configurationBucket,
  };
}

export function readCentralDeployment(env: Environment): CentralDeployment<CentralSettings> {
  const parsed = centralSettingsSchema.safeParse(parseJson(env, CENTRAL_ENVIRONMENT.settings));
  if (!parsed.success)
    throw new Error(
      `Invalid ${CENTRAL_ENVIRONMENT.settings} at ${parsed.error.issues[0]?.path.join('.') || '(root)'}: ${parsed.error.issues[0]?.message}`,
    );
  return {
    settings: parsed.data,
    signingKeyId: required(env, CENTRAL_ENVIRONMENT.signingKey),
    publishedKeyIds: publishedKeysOf(env, CENTRAL_ENVIRONMENT),
    registryTable: required(env, CENTRAL_ENVIRONMENT.registryTable),
    configurationBucket: required(env, CENTRAL_ENVIRONMENT.configurationBucket),
  };
}

const nonEmpty = z.string().check(z.minLength(1));

/**
 * The properties of the registration custom resource (`Custom::SildGatewayRegistration`), which the agency stack
 * writes (`registrationProperties`) and the registrar function reads (`readRegistrationProperties`): exactly what the
 * join carries — what the central publishes about the gateway (`GatewayRegistration`), its provider URL and keys —
 * and where the central is. CloudFormation re-runs the join (an Update) when one of them changes and only then, so a
 * change of a backend, of maintenance mode or of any other gateway setting deploys without the central.
 * CloudFormation passes scalars as strings and lists as lists.
 */
const registrationPropertiesSchema = z.object({
  Agency: nonEmpty,
  MemberId: nonEmpty,
  GatewayId: nonEmpty,
  Subsystems: z.array(nonEmpty).check(z.minLength(1)),
  /** `SUBSYSTEM/CODE` of each offered service (one line each in `cdk diff`). CloudFormation may leave out an empty list. */
  Services: z._default(z.array(z.string().check(z.regex(/^[^/]+\/[^/]+$/, 'must be SUBSYSTEM/CODE'))), []),
  ProviderUrl: nonEmpty,
  SigningKeyId: nonEmpty,
  /** Every key to register, comma-separated, while a rotation publishes more than one. @default - SigningKeyId alone */
  PublishedKeyIds: z.optional(z.string()),
  CentralUrl: nonEmpty,
  CentralRegion: nonEmpty,
});

/** The registration resource's properties, as the construct writes them and the registrar reads them: one schema. */
export type RegistrationProperties = Readonly<z.output<typeof registrationPropertiesSchema>>;

/** A registration as deployed: what the join says, with which keys, to which central. Values may be CDK tokens. */
export interface RegistrationDeployment {
  readonly registration: GatewayRegistration;
  readonly providerUrl: string;
  readonly signingKeyId: string;
  /** The keys published beside it (including it). @default - the signing key alone */
  readonly publishedKeyIds?: readonly string[];
  readonly centralUrl: string;
  readonly centralRegion: string;
}

export function registrationProperties(deployment: RegistrationDeployment): RegistrationProperties {
  const { registration } = deployment;
  return {
    Agency: registration.agency,
    MemberId: registration.member,
    GatewayId: registration.gatewayId,
    Subsystems: [...registration.subsystems],
    Services: registration.services.map((service) => `${service.subsystem}/${service.code}`),
    ProviderUrl: deployment.providerUrl,
    SigningKeyId: deployment.signingKeyId,
    // Only while more than one key is published, so an unrotated gateway's resource is unchanged.
    ...(publishedKeysEnvironment('PublishedKeyIds', deployment) as { PublishedKeyIds?: string }),
    CentralUrl: deployment.centralUrl,
    CentralRegion: deployment.centralRegion,
  };
}

/**
 * The properties templates wrote before this contract: the whole settings JSON (`Settings`) instead of the ids. A
 * stack update that fails after the registrar's code changed rolls the resource back to them while the new code
 * runs, so they are still read (the join is the same).
 */
const earlierRegistrationSchema = z.object({
  Settings: z.pipe(
    z.pipe(
      z.string(),
      z.transform((json: string, context) => {
        try {
          return JSON.parse(json) as unknown;
        } catch {
          context.issues.push({ code: 'custom', message: 'is not JSON', input: json });
          return z.NEVER;
        }
      }),
    ),
    z.object({
      member: nonEmpty,
      gatewayId: nonEmpty,
      subsystems: z.array(nonEmpty).check(z.minLength(1)),
      services: z._default(z.array(z.object({ subsystem: nonEmpty, code: nonEmpty })), []),
    }),
  ),
});

/** Reads the resource's properties as CloudFormation passes them, naming what is missing or malformed. */
export function readRegistrationProperties(properties: Readonly<Record<string, unknown>>): RegistrationDeployment {
  if (properties.Settings !== undefined && properties.MemberId === undefined) {
    const earlier = earlierRegistrationSchema.safeParse(properties);
    if (!earlier.success)
      throw new Error(
        `Invalid registration property Settings: ${earlier.error.issues[0].path.slice(1).join('.')} ${earlier.error.issues[0].message}`,
      );
    const { member, gatewayId, subsystems, services } = earlier.data.Settings;
    return readRegistrationProperties({
      ...properties,
      Settings: undefined,
      MemberId: member,
      GatewayId: gatewayId,
      Subsystems: subsystems,
      Services: services.map((service) => `${service.subsystem}/${service.code}`),
    });
  }
  const parsed = registrationPropertiesSchema.safeParse(properties);
  if (!parsed.success) {
    const missing = [
      ...new Set(
        parsed.error.issues
          .filter((issue) => properties[String(issue.path[0])] === undefined || properties[String(issue.path[0])] === '')
          .map((issue) => String(issue.path[0])),
      ),
    ];
    if (missing.length > 0) throw new Error(`Missing registration properties: ${missing.join(', ')}`);
    const issue = parsed.error.issues[0];
    throw new Error(`Invalid registration property ${issue.path.join('.')}: ${issue.message}`);
  }
  const props = parsed.data;
  const published = (props.PublishedKeyIds ?? '').split(',').filter(Boolean);
  return {
    registration: {
      agency: props.Agency,
      member: props.MemberId,
      gatewayId: props.GatewayId,
      subsystems: props.Subsystems,
      services: props.Services.map((id) => ({ subsystem: id.slice(0, id.indexOf('/')), code: id.slice(id.indexOf('/') + 1) })),
    },
    providerUrl: props.ProviderUrl,
    signingKeyId: props.SigningKeyId,
    publishedKeyIds: published.length > 0 ? published : [props.SigningKeyId],
    centralUrl: props.CentralUrl,
    centralRegion: props.CentralRegion,
  };
}

/** The variable only while a rotation has more than one key, so an unrotated deployment's environment is unchanged. */
function publishedKeysEnvironment(
  name: string,
  deployment: { readonly signingKeyId: string; readonly publishedKeyIds?: readonly string[] },
): Record<string, string> {
  const published = deployment.publishedKeyIds ?? [deployment.signingKeyId];
  return published.length === 1 && published[0] === deployment.signingKeyId ? {} : { [name]: published.join(',') };
}

function publishedKeysOf(env: Environment, names: { readonly signingKey: string; readonly publishedKeys: string }): string[] {
  const listed = (env[names.publishedKeys] ?? '').split(',').filter(Boolean);
  const signing = required(env, names.signingKey);
  if (listed.length > 0 && !listed.includes(signing))
    throw new Error(`Environment variable ${names.publishedKeys} must list the signing key ${signing}`);
  return listed.length > 0 ? listed : [signing];
}

/** The key ring a deployment starts from (before any rotation the operator writes to the table). */
export function deploymentKeyRing(deployment: { readonly signingKeyId: string; readonly publishedKeyIds?: readonly string[] }): {
  current: string;
  published: readonly string[];
} {
  return { current: deployment.signingKeyId, published: deployment.publishedKeyIds ?? [deployment.signingKeyId] };
}

function required(env: Environment, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`Environment variable ${name} is not set`);
  return value;
}

function parseJson(env: Environment, name: string): unknown {
  try {
    return JSON.parse(required(env, name));
  } catch (error) {
    throw new Error(`Environment variable ${name} is not valid JSON: ${(error as Error).message}`, { cause: error });
  }
}
