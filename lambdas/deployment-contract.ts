/**
 * The contract between what deploys a function (the CDK constructs, the local runtime, the benchmark) and the
 * function that runs: the environment variable names and the settings documents, defined once. Deployers build the
 * environment with `gatewayEnvironment` / `centralEnvironment`; functions read it with `readGatewayDeployment` /
 * `readCentralDeployment`, which validate it and name what is missing or wrong.
 */
import { centralSettingsSchema, type CentralSettings, type CentralSettingsInput } from './core/central';
import { parseGatewaySettings, type GatewaySettings, type GatewaySettingsInput } from './core/gateway-settings';

/** The environment variables of every gateway function (consumer, provider, sealer). */
export const GATEWAY_ENVIRONMENT = {
  /** JSON of the gateway settings (`gatewaySettingsSchema`). */
  settings: 'SILD_GATEWAY_SETTINGS',
  /** The gateway's KMS key (ARN, id or alias). */
  signingKey: 'SILD_SIGNING_KEY_ID',
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
  registryTable: 'SILD_REGISTRY_TABLE',
  /** The bucket the published configurations go to (served through the CDN). */
  configurationBucket: 'SILD_CONFIGURATION_BUCKET',
} as const;

/** What a gateway function is deployed with. Values may be CDK tokens when a stack builds it. */
export interface GatewayDeployment<Settings = GatewaySettingsInput> {
  readonly settings: Settings;
  readonly signingKeyId: string;
  readonly messageLogTable: string;
  readonly logRetentionDays: number;
  readonly bodyBucket: string;
}

/** What the central function is deployed with. */
export interface CentralDeployment<Settings = CentralSettingsInput> {
  readonly settings: Settings;
  readonly signingKeyId: string;
  readonly registryTable: string;
  readonly configurationBucket: string;
}

type Environment = Readonly<Record<string, string | undefined>>;

export function gatewayEnvironment(deployment: GatewayDeployment): Record<string, string> {
  return {
    [GATEWAY_ENVIRONMENT.settings]: JSON.stringify(deployment.settings),
    [GATEWAY_ENVIRONMENT.signingKey]: deployment.signingKeyId,
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
    messageLogTable: required(env, GATEWAY_ENVIRONMENT.messageLogTable),
    logRetentionDays: retention,
    bodyBucket: required(env, GATEWAY_ENVIRONMENT.bodyBucket),
  };
}

export function centralEnvironment(deployment: CentralDeployment): Record<string, string> {
  return {
    [CENTRAL_ENVIRONMENT.settings]: JSON.stringify(deployment.settings),
    [CENTRAL_ENVIRONMENT.signingKey]: deployment.signingKeyId,
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
    registryTable: required(env, CENTRAL_ENVIRONMENT.registryTable),
    configurationBucket: required(env, CENTRAL_ENVIRONMENT.configurationBucket),
  };
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
