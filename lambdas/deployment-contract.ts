/**
 * The contract between what deploys a function (the CDK constructs, the local runtime, the benchmark) and the
 * function that runs: the environment variable names and the settings documents, defined once. Deployers build the
 * environment with `gatewayEnvironment` / `centralEnvironment`; functions read it with `readGatewayDeployment` /
 * `readCentralDeployment`, which validate it and name what is missing or wrong.
 */
import { centralSettingsSchema, type CentralSettings, type CentralSettingsInput } from './core/central';
import { parseGatewaySettings, type GatewaySettings, type GatewaySettingsInput } from './core/gateway-settings';

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
  if (!Number.isInteger(retention) || retention < 1) throw new Error(`Environment variable ${GATEWAY_ENVIRONMENT.logRetentionDays} must be a whole number of days`);
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
  if (!parsed.success) throw new Error(`Invalid ${CENTRAL_ENVIRONMENT.settings} at ${parsed.error.issues[0]?.path.join('.') || '(root)'}: ${parsed.error.issues[0]?.message}`);
  return {
    settings: parsed.data,
    signingKeyId: required(env, CENTRAL_ENVIRONMENT.signingKey),
    publishedKeyIds: publishedKeysOf(env, CENTRAL_ENVIRONMENT),
    registryTable: required(env, CENTRAL_ENVIRONMENT.registryTable),
    configurationBucket: required(env, CENTRAL_ENVIRONMENT.configurationBucket),
  };
}

/** The variable only while a rotation has more than one key, so an unrotated deployment's environment is unchanged. */
function publishedKeysEnvironment(name: string, deployment: { readonly signingKeyId: string; readonly publishedKeyIds?: readonly string[] }): Record<string, string> {
  const published = deployment.publishedKeyIds ?? [deployment.signingKeyId];
  return published.length === 1 && published[0] === deployment.signingKeyId ? {} : { [name]: published.join(',') };
}

function publishedKeysOf(env: Environment, names: { readonly signingKey: string; readonly publishedKeys: string }): string[] {
  const listed = (env[names.publishedKeys] ?? '').split(',').filter(Boolean);
  const signing = required(env, names.signingKey);
  if (listed.length > 0 && !listed.includes(signing)) throw new Error(`Environment variable ${names.publishedKeys} must list the signing key ${signing}`);
  return listed.length > 0 ? listed : [signing];
}

/** The key ring a deployment starts from (before any rotation the operator writes to the table). */
export function deploymentKeyRing(deployment: { readonly signingKeyId: string; readonly publishedKeyIds?: readonly string[] }): { current: string; published: readonly string[] } {
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
    throw new Error(`Environment variable ${name} is not valid JSON: ${(error as Error).message}`);
  }
}
