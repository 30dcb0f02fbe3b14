/**
 * The local ecosystem: the whole instance in one process, on the production code paths. dynalite serves DynamoDB,
 * `LocalKmsEndpoint` serves KMS, API fronts serve the shared route table and invoke the same Lambda handlers
 * (built per agency with factories), and agencies join the central registry through the same SigV4-signed join
 * call the cloud deployment makes.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { CreateAliasCommand, CreateKeyCommand, DescribeKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { createAwsClients, type AwsClients } from '../../lambdas/adapters/aws-clients';
import { MESSAGE_LOG_TABLE, REGISTRY_TABLE } from '../../lambdas/adapters/tables';
import { createCentralDeps } from '../../lambdas/central/central-deps';
import { createCentralHandler } from '../../lambdas/central/handlers';
import type { CentralSettings, CentralSettingsInput } from '../../lambdas/core/central';
import type { Anchor, FederatedInstance } from '../../lambdas/core/global-configuration';
import type { GatewayDeps } from '../../lambdas/core/gateway';
import type { SealHeader } from '../../lambdas/core/seal';
import { runSealer } from '../../lambdas/core/sealer';
import type { GatewaySettings, GatewaySettingsInput } from '../../lambdas/core/gateway-settings';
import { systemClock, type Clock } from '../../lambdas/core/ports';
import { centralEnvironment, gatewayEnvironment, readCentralDeployment, readGatewayDeployment, type GatewayDeployment } from '../../lambdas/deployment-contract';
import { createGatewayDeps, type GatewayRuntime } from '../../lambdas/gateway/gateway-deps';
import { createConsumerHandler, createProviderHandler } from '../../lambdas/gateway/handlers';
import { joinCentral } from '../../lambdas/adapters/sigv4-central-client';
import { signedJoinRequest } from '../../lambdas/core/central';
import { centralConfigOf, gatewayConfigOf, type EcosystemConfig } from '../config/ecosystem-config';
import { accessPolicy, centralSettings, federatedInstances, gatewaySettings, globalGroups, joinAllowList, serviceDescriptions } from '../config/runtime-settings';
import { apiTypeOf } from '../routes';
import { startApiFront, type ApiFront } from './api-front';
import { startConfigurationCdn, type ConfigurationCdn } from './configuration-cdn';
import { CURRENT_CONFIGURATION_KEY } from '../../lambdas/adapters/s3-configuration-distribution';
import { ensureTable } from './dynamodb';
import { canaryLine, EmfOperationalMonitor } from '../../lambdas/adapters/emf-operational-monitor';
import { runCanary, type CanaryResult } from '../../lambdas/core/canary';
import { openOpmonFiles } from './opmon-files';
import { LOCAL_CREDENTIALS, startEmulators, type EmulatorEndpoints, type Emulators } from './emulators';
import { startSampleBackend, type SampleBackend } from './sample-backend';
import type { LocalCredential } from './sigv4-verifier';

import { bodyBucketName, configurationBucketName, LOCAL_REGION, messageLogTableName, registryTableName, signingKeyAlias } from './names';

export { bodyBucketName, LOCAL_REGION, messageLogTableName, registryTableName, signingKeyAlias };

export interface LocalEcosystemOptions {
  readonly config: EcosystemConfig;
  /** Folder for persistent state (DynamoDB data, KMS keys). @default - memory only */
  readonly stateDir?: string;
  /** Listen on ephemeral ports instead of the config's `local` ports (tests run in parallel). @default false */
  readonly ephemeralPorts?: boolean;
  /** The clock every handler uses. @default system clock */
  readonly clock?: Clock;
  /** Overrides merged into every gateway's settings (tests: short timeouts, small log limits). @default none */
  readonly gatewayOverrides?: Partial<GatewaySettingsInput>;
  /** Overrides merged into the central's settings (tests: a fast key ring refresh). @default none */
  readonly centralOverrides?: Partial<CentralSettingsInput>;
  /** Gateway events (payload-free). @default ignored */
  readonly events?: GatewayDeps['events'];
  /** Use emulators already running elsewhere (the benchmark's own process). @default - started here */
  readonly emulatorEndpoints?: EmulatorEndpoints;
  /** Start the sample population-registry backend. @default true */
  readonly sampleBackend?: boolean;
  /** Run each gateway's sealer on a timer (and once at start), as the schedule does in AWS. @default true */
  readonly sealOnTimer?: boolean;
  /** Publish the global configuration every `generationSeconds`, as the central's schedule does in AWS. @default true */
  readonly publishOnTimer?: boolean;
  /** Run each gateway's canary every `monitoring.canaryMinutes`, as its schedule does in AWS. @default true */
  readonly canaryOnTimer?: boolean;
}

/** Locally the test clock may run ahead of CloudWatch's window; Powertools' notes about that are not news. */
const QUIET_METRICS_LOGGER = { trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: console.error };

export interface LocalAgency {
  readonly name: string;
  readonly consumerUrl: string;
  readonly providerUrl: string;
  readonly logTable: string;
  readonly deps: GatewayRuntime;
  /** The deployment its functions read (a test builds a fresh container from it). */
  readonly deployment: GatewayDeployment<GatewaySettings>;
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

export interface LocalEcosystem {
  readonly config: EcosystemConfig;
  readonly centralUrl: string;
  /** The anchor every gateway trusts: the central public key (DER SPKI, base64). */
  readonly anchorPublicKey: string;
  readonly agencies: Readonly<Record<string, LocalAgency>>;
  /** The sample backend, unless `sampleBackend: false`. */
  readonly backend?: SampleBackend;
  /** The emulators, when this ecosystem started them (not with `emulatorEndpoints`). */
  readonly emulators?: Emulators;
  /** The CDN the central's configuration is distributed through. */
  readonly cdn: ConfigurationCdn;
  /** Where the emulators listen (started here or given). */
  readonly emulatorEndpoints: EmulatorEndpoints;
  /** The central's settings as its function runs with them. */
  readonly centralSettings: CentralSettings;
  /** The anchor to hand out now: the central's current key and every rotation so far (so older configurations verify). */
  anchor(): Promise<Anchor>;
  /**
   * Replaces the federated instances and publishes at once: what deploying the central stack with a changed
   * `central.federation` does (its custom resource rewrites the registry item).
   */
  federate(instances: readonly FederatedInstance[]): Promise<void>;
  readonly clients: AwsClients;
  readonly central: ApiFront;
  /** The local "IAM" credentials, one per agency (same order as the config). */
  readonly credentials: readonly LocalCredential[];
  endpoints(): { central: string; configuration: string; agencies: Record<string, { consumer: string; provider: string }> };
  stop(): Promise<void>;
}

/** Finds the key behind an alias, or creates it (what the stacks do at deploy time). */
export async function ensureSigningKey(kms: KMSClient, alias: string, description: string): Promise<string> {
  try {
    const existing = await kms.send(new DescribeKeyCommand({ KeyId: alias }));
    return existing.KeyMetadata!.Arn!;
  } catch (error) {
    if ((error as Error).name !== 'NotFoundException') throw error;
  }
  const created = await kms.send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY', Description: description }));
  await kms.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: created.KeyMetadata!.KeyId! }));
  return created.KeyMetadata!.Arn!;
}

/** A local credential for an IAM role or user ARN; a role signs as one of its sessions, as in AWS. */
function localCredential(principalArn: string): LocalCredential {
  const [, partition, , , account, resource] = /^arn:([^:]+):([^:]+):([^:]*):(\d{12}):(.+)$/.exec(principalArn) ?? [];
  const role = /^role\/(?:.*\/)?([^/]+)$/.exec(resource ?? '');
  return {
    accessKeyId: `AKIALOCAL${randomBytes(6).toString('hex').toUpperCase()}`,
    secretAccessKey: randomBytes(24).toString('base64'),
    account,
    arn: role ? `arn:${partition}:sts::${account}:assumed-role/${role[1]}/local` : principalArn,
  };
}

export async function startLocalEcosystem(options: LocalEcosystemOptions): Promise<LocalEcosystem> {
  const { config } = options;
  const clock = options.clock ?? systemClock;
  const port = (configured: number) => (options.ephemeralPorts ? 0 : configured);
  const stoppers: (() => Promise<void>)[] = [];
  try {
    if (options.stateDir) mkdirSync(options.stateDir, { recursive: true });
    let emulators: Emulators | undefined;
    if (!options.emulatorEndpoints) {
      emulators = await startEmulators({ stateDir: options.stateDir, region: LOCAL_REGION, account: config.central.account, now: () => clock.now() });
      stoppers.push(emulators.stop);
    }
    const endpoints = options.emulatorEndpoints ?? emulators!;
    const clients = createAwsClients({ region: LOCAL_REGION, endpoints: { dynamodb: endpoints.dynamodbUrl, kms: endpoints.kmsUrl, s3: endpoints.s3Url }, credentials: LOCAL_CREDENTIALS });

    // What the stacks deploy: tables and keys.
    await ensureTable(clients.dynamodb as never, registryTableName, REGISTRY_TABLE);
    await clients.s3.send(new CreateBucketCommand({ Bucket: configurationBucketName }));
    const centralKey = await ensureSigningKey(clients.kms, signingKeyAlias('central'), `Sild central server of ${config.instance}`);
    const agencyKeys: Record<string, string> = {};
    for (const agency of config.agencies) {
      await ensureTable(clients.dynamodb as never, messageLogTableName(agency.name), MESSAGE_LOG_TABLE);
      await clients.s3.send(new CreateBucketCommand({ Bucket: bodyBucketName(agency.name) }));
      agencyKeys[agency.name] = await ensureSigningKey(clients.kms, signingKeyAlias(agency.name), `Sild gateway of ${agency.name}`);
    }

    // The local "IAM": one credential per agency account; the central front verifies their SigV4 signatures.
    const credentials: LocalCredential[] = config.agencies.map((agency) => ({
      accessKeyId: `AKIALOCAL${agency.account}`,
      secretAccessKey: randomBytes(24).toString('base64'),
      account: agency.account,
      arn: `arn:aws:sts::${agency.account}:assumed-role/sild-${agency.name}-registrar/local`,
    }));

    // The functions read their deployment through the same contract as in AWS (environment → validated settings);
    // each party gets only its own document, as when deployed from separate apps.
    const centralConfig = centralConfigOf(config);
    const centralDeps = createCentralDeps(
      // Locally every gateway listens on loopback http; in AWS the central refuses that (https, public addresses).
      readCentralDeployment(
        centralEnvironment({
          settings: { ...centralSettings(centralConfig), insecureLoopbackHttp: true, ...options.centralOverrides },
          signingKeyId: centralKey,
          registryTable: registryTableName,
          configurationBucket: configurationBucketName,
        }),
      ),
      clients,
      clock,
    );
    await centralDeps.registry.putDeploymentItems(joinAllowList(centralConfig), globalGroups(centralConfig), federatedInstances(centralConfig)); // what the central stack writes at deploy time
    const anchorPublicKey = (await (await centralDeps.keys.current()).publicKey()).toString('base64');
    const central = await startApiFront({ api: 'central', handler: createCentralHandler(centralDeps), port: port(config.local.basePort), credentials, now: () => clock.now() });
    stoppers.push(central.stop);
    // The CDN in front of the configuration bucket (CloudFront in AWS), on the port after the last agency's.
    const cdn = await startConfigurationCdn({ s3: clients.s3, bucket: configurationBucketName, port: port(config.local.basePort + 1 + 2 * config.agencies.length), now: () => clock.now() });
    stoppers.push(cdn.stop);
    await centralDeps.publisher.publish();
    if (options.publishOnTimer !== false) {
      // The central's publication schedule (EventBridge in AWS).
      const timer = setInterval(() => centralDeps.publisher.publish().catch((error) => options.events?.('publish-failed', { cause: error })), centralDeps.settings.generationSeconds * 1000);
      timer.unref();
      stoppers.push(async () => clearInterval(timer));
    }

    const backend = options.sampleBackend === false ? undefined : await startSampleBackend(port(config.local.sampleBackendPort));
    if (backend) stoppers.push(backend.stop);
    const configuredBackend = `http://127.0.0.1:${config.local.sampleBackendPort}`;

    // Operational monitoring: each gateway's EMF lines in a file (CloudWatch Logs in AWS), read by `sild monitor`.
    const opmon = openOpmonFiles(options.stateDir);
    stoppers.push(opmon.close);
    const agencies: Record<string, LocalAgency> = {};
    for (const [index, agency] of config.agencies.entries()) {
      const settings = gatewaySettings(gatewayConfigOf(config, agency), { centralUrl: central.url, anchorPublicKey });
      const resolved: GatewaySettingsInput = {
        ...settings,
        globalConfSources: [`${cdn.url}/${CURRENT_CONFIGURATION_KEY}`],
        insecureLoopbackHttp: true,
        // Locally an agency without consumerAccess has an open consumer side on loopback (in AWS: nobody may call it).
        consumerPrincipals: agency.consumerAccess ? settings.consumerPrincipals : undefined,
        // Backends configured at the sample backend's address reach it wherever it actually listens.
        services: settings.services.map((service) => ({ ...service, backendUrl: backend ? service.backendUrl.replace(configuredBackend, backend.url) : service.backendUrl })),
        ...options.gatewayOverrides,
      };
      const deployment = gatewayEnvironment({ settings: resolved, signingKeyId: agencyKeys[agency.name], messageLogTable: messageLogTableName(agency.name), logRetentionDays: agency.logRetentionDays, bodyBucket: bodyBucketName(agency.name) });
      const gatewayDeployment = readGatewayDeployment(deployment);
      const opmonSink = opmon.sink(agency.name);
      const monitor = new EmfOperationalMonitor(gatewayDeployment.settings.gatewayId, opmonSink, QUIET_METRICS_LOGGER);
      const deps = createGatewayDeps(gatewayDeployment, clients, { clock, events: options.events, monitor });
      // What the agency stack writes at deploy time: the access policy and the service descriptions.
      await deps.config.putAccessPolicy(accessPolicy(agency));
      for (const { subsystem, code, document } of serviceDescriptions(agency)) await deps.config.putServiceDescription(subsystem, code, document);
      // IAM consumer access: the front verifies SigV4 for exactly the configured principals (the resource policy's job
      // in AWS); the handler binds each to its subsystems.
      const consumerCredentials = agency.consumerAccess?.mode === 'iam' ? agency.consumerAccess.principals.map((principal) => localCredential(principal.arn)) : [];
      const consumer = await startApiFront({
        api: 'consumer',
        type: apiTypeOf('consumer', { consumerAccess: agency.consumerAccess?.mode }),
        handler: createConsumerHandler(deps),
        port: port(config.local.basePort + 1 + 2 * index),
        now: () => clock.now(),
        iamOnly: agency.consumerAccess?.mode === 'iam',
        credentials: consumerCredentials,
      });
      stoppers.push(consumer.stop);
      const provider = await startApiFront({
        api: 'provider',
        type: apiTypeOf('provider', { providerApi: agency.providerApi }),
        handler: createProviderHandler(deps),
        port: port(config.local.basePort + 2 + 2 * index),
        now: () => clock.now(),
      });
      stoppers.push(provider.stop);
      const credential = credentials[index];
      await joinCentral(await signedJoinRequest(agency.name, deps.settings, provider.url, deps.keys, clock.now()), {
        centralUrl: central.url,
        region: LOCAL_REGION,
        credentials: { accessKeyId: credential.accessKeyId, secretAccessKey: credential.secretAccessKey },
      });
      const seal = () => runSealer(deps.sealer);
      if (options.sealOnTimer !== false) {
        await seal();
        const timer = setInterval(() => seal().catch((error) => options.events?.('seal-failed', { agency: agency.name, cause: error })), deps.settings.sealing.intervalSeconds * 1000);
        timer.unref();
        stoppers.push(async () => clearInterval(timer));
      }
      // The canary (an EventBridge schedule in AWS): a synthetic exchange through both sides, its figures as EMF.
      const canary = async () => {
        const result = await runCanary(deps);
        opmonSink(canaryLine(deps.settings.gatewayId, result, clock.now(), QUIET_METRICS_LOGGER));
        return result;
      };
      if (options.canaryOnTimer !== false) {
        const timer = setInterval(() => canary().catch((error) => options.events?.('canary-failed', { agency: agency.name, cause: error })), agency.monitoring.canaryMinutes * 60_000);
        timer.unref();
        stoppers.push(async () => clearInterval(timer));
      }
      agencies[agency.name] = { name: agency.name, consumerUrl: consumer.url, providerUrl: provider.url, logTable: messageLogTableName(agency.name), deps, deployment: gatewayDeployment, seal, canary, fronts: { consumer, provider }, consumerCredentials, opmonFile: opmon.fileOf(agency.name) };
    }

    return {
      config,
      centralUrl: central.url,
      anchorPublicKey,
      agencies,
      backend,
      emulators,
      emulatorEndpoints: endpoints,
      cdn,
      centralSettings: centralDeps.settings,
      anchor: async () => ({
        instance: config.instance,
        publicKey: (await (await centralDeps.keys.current()).publicKey()).toString('base64'),
        rotations: await centralDeps.registry.centralKeyRotations(),
      }),
      federate: async (instances) => {
        await centralDeps.registry.putFederatedInstances(instances);
        await centralDeps.publisher.publish();
      },
      clients,
      central,
      credentials,
      endpoints: () => ({
        central: central.url,
        configuration: `${cdn.url}/${CURRENT_CONFIGURATION_KEY}`,
        agencies: Object.fromEntries(Object.values(agencies).map((agency) => [agency.name, { consumer: agency.consumerUrl, provider: agency.providerUrl }])),
      }),
      stop: async () => {
        for (const stop of stoppers.reverse()) await stop();
        clients.kms.destroy();
        clients.dynamodb.destroy();
        clients.s3.destroy();
      },
    };
  } catch (error) {
    for (const stop of stoppers.reverse()) await stop().catch(() => undefined);
    throw error;
  }
}
