/**
 * One agency's gateway, run locally as its stack deploys it: each function on the deployment contract and as its own
 * principal, the items the stack writes at deploy time (access policy, service descriptions, WSDLs), the consumer and
 * provider API fronts, the registration with the central (the stack's custom resource), and the sealer's and the
 * canary's schedules.
 */
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import type { AwsClients } from '../../lambdas/adapters/aws-clients';
import { canaryLine, EmfOperationalMonitor } from '../../lambdas/adapters/emf-operational-monitor';
import { KmsSigner } from '../../lambdas/adapters/kms-signer';
import { joinCentral } from '../../lambdas/adapters/sigv4-central-client';
import { runCanary, type CanaryResult } from '../../lambdas/core/exchange/canary';
import type { GatewayRegistration } from '../../lambdas/core/central/join-request';
import type { GatewayDeps } from '../../lambdas/core/exchange/gateway';
import type { GatewaySettings, GatewaySettingsInput } from '../../lambdas/core/exchange/settings';
import type { Clock } from '../../lambdas/core/kernel/ports';
import type { SealHeader } from '../../lambdas/core/log/seal';
import { runSealer } from '../../lambdas/core/log/sealer';
import { gatewayEnvironment, readGatewayDeployment, registrationProperties, type GatewayDeployment } from '../../lambdas/deployment-contract';
import { createGatewayDeps, type GatewayRuntime } from '../../lambdas/gateway/gateway-deps';
import { createConsumerHandler, createProviderHandler } from '../../lambdas/gateway/handlers';
import { createRegistrationHandler } from '../../lambdas/gateway/registrar-resource';
import { gatewayConfigOf, type AgencyConfig, type EcosystemConfig } from '../config/ecosystem-config';
import { accessPolicy, gatewayRegistration, gatewaySettings, serviceDescriptions, serviceWsdls } from '../config/runtime-settings';
import { apiTypeOf } from '../routes';
import { startApiFront, type ApiFront } from './api-front';
import { localApiArn } from './iam/local-iam';
import { sessionArn } from './iam/model';
import type { LocalIamSetup } from './iam/setup';
import type { LocalAws } from './local-aws';
import { bodyBucketName, LOCAL_REGION, messageLogTableName } from './names';
import type { OpmonFiles } from './opmon-files';
import type { LocalPorts } from './ports';
import type { SampleBackend } from './sample-backend';
import type { Shutdown } from './shutdown';
import type { LocalCredential } from './sigv4-verifier';

export interface LocalAgency {
  readonly name: string;
  readonly consumerUrl: string;
  readonly providerUrl: string;
  readonly logTable: string;
  /** The gateway as the operator reaches it (administrator credentials): what tests and the CLI read and write with. */
  readonly deps: GatewayRuntime;
  /** Each function's own runtime, calling AWS as the function's principal (what the handlers and schedules use). */
  readonly functions: {
    readonly consumer: GatewayRuntime;
    readonly provider: GatewayRuntime;
    readonly sealer: GatewayRuntime;
    readonly canary: GatewayRuntime;
  };
  /** The deployment its functions read (a test builds a fresh container from it). */
  readonly deployment: GatewayDeployment<GatewaySettings>;
  /** What its registration joins with (besides its provider URL and keys). */
  readonly registration: GatewayRegistration;
  /** Runs the sealer once now (what the schedule triggers). */
  seal(): Promise<SealHeader[]>;
  /** Runs the canary once now (what its schedule triggers). */
  canary(): Promise<CanaryResult>;
  /** The API fronts, to take a side offline in fault tests. */
  readonly fronts: { readonly consumer: ApiFront; readonly provider: ApiFront };
  /** IAM consumer access: one local credential per configured principal (same order). */
  readonly consumerCredentials: readonly LocalCredential[];
  /** Its opmon records (EMF lines), as `sild monitor` reads them. */
  readonly opmonFile: string;
}

export interface LocalGatewayOptions {
  readonly config: EcosystemConfig;
  readonly agency: AgencyConfig;
  /** Its place in the config's agencies (its ports). */
  readonly index: number;
  readonly clock: Clock;
  /** The gateway's signing key's ARN. */
  readonly signingKeyId: string;
  /** The running central: its API, where it distributes the configuration, and its anchor. */
  readonly central: { readonly url: string; readonly configurationUrl: string; readonly anchorPublicKey: string };
  /** The agency's registrar principal (`registrarCredential`). */
  readonly registrar: LocalCredential;
  /** The sample backend, when running: backends configured at its configured address reach it where it listens. */
  readonly backend?: SampleBackend;
  readonly opmon: OpmonFiles;
  readonly gatewayOverrides?: Partial<GatewaySettingsInput>;
  readonly events?: GatewayDeps['events'];
  /** @default true */
  readonly sealOnTimer?: boolean;
  /** @default true */
  readonly canaryOnTimer?: boolean;
}

export async function startLocalGateway(options: LocalGatewayOptions, aws: LocalAws, ports: LocalPorts, shutdown: Shutdown): Promise<LocalAgency> {
  const { agency, clock } = options;
  const deployment = readGatewayDeployment(gatewayEnvironmentOf(options));
  const opmonSink = options.opmon.sink(agency.name);
  const monitor = new EmfOperationalMonitor(deployment.settings.gatewayId, opmonSink);
  const runtimeOf = (clients: AwsClients) => createGatewayDeps(deployment, clients, { clock, events: options.events, monitor });
  const deps = runtimeOf(aws.clients);
  // Each function as its own principal, as each is its own Lambda function in AWS.
  const functions = {
    consumer: runtimeOf(aws.clientsOf(`${agency.name}/consumer`)),
    provider: runtimeOf(aws.clientsOf(`${agency.name}/provider`)),
    sealer: runtimeOf(aws.clientsOf(`${agency.name}/sealer`)),
    canary: runtimeOf(aws.clientsOf(`${agency.name}/canary`)),
  };
  await writeDeploymentItems(deps, agency, options);
  const consumerCredentials = consumerCredentialsOf(agency, aws.setup);
  const fronts = await startApiFronts(options, aws, functions, ports, shutdown);
  const registration = gatewayRegistration(gatewayConfigOf(options.config, agency));
  await register(options, aws, registration, fronts.provider.url);

  const seal = () => runSealer(functions.sealer.sealer);
  // The canary: a synthetic exchange through both sides, its figures as EMF.
  const canary = async () => {
    const result = await runCanary(functions.canary);
    opmonSink(canaryLine(deps.settings.gatewayId, result, clock.now()));
    return result;
  };
  if (options.sealOnTimer !== false) {
    const sealed = () => seal().catch((error) => options.events?.('seal-failed', { agency: agency.name, cause: error }));
    // The schedule's first run, as it fires soon after a deploy: in the background (a first seal reaches back an
    // hour of windows, ~1 s), finished before the ecosystem stops.
    const first = sealed();
    shutdown.add(async () => void (await first));
    shutdown.every(deps.settings.sealing.intervalSeconds * 1000, sealed);
  }
  // The canary's schedule (EventBridge in AWS).
  if (options.canaryOnTimer !== false) {
    shutdown.every(agency.monitoring.canaryMinutes * 60_000, () =>
      canary().catch((error) => options.events?.('canary-failed', { agency: agency.name, cause: error })),
    );
  }
  return {
    name: agency.name,
    consumerUrl: fronts.consumer.url,
    providerUrl: fronts.provider.url,
    logTable: messageLogTableName(agency.name),
    deps,
    functions,
    deployment,
    registration,
    seal,
    canary,
    fronts,
    consumerCredentials,
    opmonFile: options.opmon.fileOf(agency.name),
  };
}

/**
 * The environment the gateway's functions read, through the same contract as in AWS; each party gets only its own
 * document, as when deployed from separate apps.
 */
function gatewayEnvironmentOf(options: LocalGatewayOptions): Record<string, string> {
  const { agency, central } = options;
  const settings = gatewaySettings(gatewayConfigOf(options.config, agency), { centralUrl: central.url, anchorPublicKey: central.anchorPublicKey });
  const resolved: GatewaySettingsInput = {
    ...settings,
    globalConfSources: [central.configurationUrl],
    insecureLoopbackHttp: true,
    // Locally an agency without consumerAccess has an open consumer side on loopback (in AWS: nobody may call it).
    consumerPrincipals: agency.consumerAccess ? settings.consumerPrincipals : undefined,
    ...options.gatewayOverrides,
  };
  return gatewayEnvironment({
    settings: resolved,
    signingKeyId: options.signingKeyId,
    messageLogTable: messageLogTableName(agency.name),
    logRetentionDays: agency.logRetentionDays,
    bodyBucket: bodyBucketName(agency.name),
  });
}

/** What the agency stack writes at deploy time: the access policy, the service descriptions and the WSDLs. */
async function writeDeploymentItems(
  deps: GatewayRuntime,
  agency: AgencyConfig,
  options: Pick<LocalGatewayOptions, 'config' | 'backend'>,
): Promise<void> {
  const policy = accessPolicy(agency);
  // Backends configured at the sample backend's address reach it wherever it actually listens.
  const configuredBackend = `http://127.0.0.1:${options.config.local.sampleBackendPort}`;
  const { backend } = options;
  const services = (policy.services ?? []).map((service) => ({
    ...service,
    backendUrl: backend ? service.backendUrl.replace(configuredBackend, backend.url) : service.backendUrl,
  }));
  await deps.config.putAccessPolicy({ ...policy, services });
  for (const { subsystem, code, document } of serviceDescriptions(agency)) await deps.config.putServiceDescription(subsystem, code, document);
  for (const { subsystem, code, text } of serviceWsdls(agency)) await deps.config.putServiceWsdl(subsystem, code, text);
}

/** The consumer and provider sides, each behind an API front invoking its function's handler. */
async function startApiFronts(
  options: LocalGatewayOptions,
  aws: LocalAws,
  functions: LocalAgency['functions'],
  ports: LocalPorts,
  shutdown: Shutdown,
): Promise<LocalAgency['fronts']> {
  const { agency, clock } = options;
  const party = aws.iam.party(agency.name)!;
  const consumer = await startApiFront({
    api: 'consumer',
    type: apiTypeOf('consumer', { consumerAccess: agency.consumerAccess?.mode }),
    handler: createConsumerHandler(functions.consumer),
    port: ports.consumer(options.index),
    now: () => clock.now(),
    iamOnly: agency.consumerAccess?.mode === 'iam',
    iam: { local: aws.iam, resource: (method, path) => ({ arn: localApiArn(party, 'consumer', method, path), account: party.account }) },
  });
  shutdown.add(consumer.stop);
  const provider = await startApiFront({
    api: 'provider',
    type: apiTypeOf('provider', { providerApi: agency.providerApi }),
    handler: createProviderHandler(functions.provider),
    port: ports.provider(options.index),
    now: () => clock.now(),
  });
  shutdown.add(provider.stop);
  return { consumer, provider };
}

/**
 * The registration, as the stack's custom resource runs it: the registrar function proves possession of the
 * gateway's key and joins as its own principal.
 */
async function register(options: LocalGatewayOptions, aws: LocalAws, registration: GatewayRegistration, providerUrl: string): Promise<void> {
  const { registrar } = options;
  const registrarKms = aws.clientsOf(`${options.agency.name}/registrar`).kms;
  const handler = createRegistrationHandler({
    signer: (keyId) => new KmsSigner(registrarKms, keyId),
    join: joinCentral,
    credentials: { accessKeyId: registrar.accessKeyId, secretAccessKey: registrar.secretAccessKey },
  });
  const properties = registrationProperties({
    registration,
    providerUrl,
    signingKeyId: options.signingKeyId,
    centralUrl: options.central.url,
    centralRegion: LOCAL_REGION,
  });
  await handler({
    RequestType: 'Create',
    ResourceProperties: { ServiceToken: 'local', ...properties },
  } as unknown as CloudFormationCustomResourceEvent);
}

/**
 * IAM consumer access: the agency's own roles (the configured principals) may invoke it; the handler binds each to
 * its subsystems. An HTTP API has no resource policy: another account's principal is refused.
 */
function consumerCredentialsOf(agency: AgencyConfig, setup: LocalIamSetup): LocalCredential[] {
  if (agency.consumerAccess?.mode !== 'iam') return [];
  return agency.consumerAccess.principals.map((principal) => {
    const caller = setup.callers.find((candidate) => candidate.name === principal.arn && candidate.account !== undefined)!;
    return { accessKeyId: caller.accessKeyId, secretAccessKey: caller.secretAccessKey, account: caller.account!, arn: caller.arn };
  });
}

/** An agency's registrar principal as the central's API front knows it. */
export function registrarCredential(setup: LocalIamSetup, agency: string, account: string): LocalCredential {
  const name = `${agency}/registrar`;
  const fn = setup.model.functions.find((candidate) => candidate.name === name)!;
  return { ...setup.credentials[name], account, arn: sessionArn(account, fn.roleName) };
}
