/**
 * The local ecosystem: the whole instance in one process, on the production code paths. dynalite serves DynamoDB,
 * `LocalKmsEndpoint` serves KMS, API fronts serve the shared route table and invoke the same Lambda handlers
 * (built per agency with factories), and agencies join the central registry through the same SigV4-signed join
 * call the cloud deployment makes.
 *
 * What runs locally is what deploys: each function calls AWS as its own principal, with the policies its stack
 * gives its role (read from the synthesized templates, `iam/derive.ts`), and the emulators refuse what IAM would. The
 * operator's credential (`LOCAL_CREDENTIALS`) stands for the deploying role: deploy-time writes, the CLI, tests.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { CreateAliasCommand, CreateKeyCommand, DescribeKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { createAwsClients, type AwsClients } from '../../lambdas/adapters/aws-clients';
import { MESSAGE_LOG_TABLE, REGISTRY_TABLE } from '../../lambdas/adapters/tables';
import { createCentralDeps } from '../../lambdas/central/central-deps';
import { createCentralHandler } from '../../lambdas/central/handlers';
import type { CentralSettings, CentralSettingsInput } from '../../lambdas/core/central/settings';
import type { GatewayRegistration } from '../../lambdas/core/central/join-request';
import type { Anchor, FederatedInstance } from '../../lambdas/core/trust/global-configuration';
import type { GatewayDeps } from '../../lambdas/core/exchange/gateway';
import type { SealHeader } from '../../lambdas/core/log/seal';
import { runSealer } from '../../lambdas/core/log/sealer';
import type { GatewaySettings, GatewaySettingsInput } from '../../lambdas/core/exchange/settings';
import { systemClock, type Clock } from '../../lambdas/core/kernel/ports';
import { centralEnvironment, gatewayEnvironment, readCentralDeployment, readGatewayDeployment, registrationProperties, type GatewayDeployment } from '../../lambdas/deployment-contract';
import { createGatewayDeps, type GatewayRuntime } from '../../lambdas/gateway/gateway-deps';
import { createConsumerHandler, createProviderHandler } from '../../lambdas/gateway/handlers';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { joinCentral } from '../../lambdas/adapters/sigv4-central-client';
import { KmsSigner } from '../../lambdas/adapters/kms-signer';
import { createRegistrationHandler } from '../../lambdas/gateway/registrar-resource';
import { centralConfigOf, gatewayConfigOf, type EcosystemConfig } from '../config/ecosystem-config';
import { accessPolicy, centralSettings, federatedInstances, gatewayRegistration, gatewaySettings, globalGroups, joinAllowList, serviceDescriptions } from '../config/runtime-settings';
import { apiTypeOf } from '../routes';
import { startApiFront, type ApiFront } from './api-front';
import { startConfigurationCdn, type ConfigurationCdn } from './configuration-cdn';
import { CURRENT_CONFIGURATION_KEY } from '../../lambdas/adapters/s3-configuration-distribution';
import { ensureTable } from './dynamodb';
import { canaryLine, EmfOperationalMonitor } from '../../lambdas/adapters/emf-operational-monitor';
import { runCanary, type CanaryResult } from '../../lambdas/core/exchange/canary';
import { openOpmonFiles } from './opmon-files';
import { LOCAL_CREDENTIALS, startEmulators, type EmulatorEndpoints, type Emulators } from './emulators';
import { PARTY_TAG } from './kms/key-record';
import { LocalIam, localApiArn } from './iam/local-iam';
import type { DeriveOptions } from './iam/derive';
import { installLocalIam, localIamSetup, type LocalIamSetup } from './iam/setup';
import { sessionArn } from './iam/model';
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
  /**
   * Use emulators already running elsewhere: in this process (`Emulators`, the federation's), or in another one (the
   * benchmark's), which must have installed this ecosystem's local IAM from `iamSecret`. @default - started here
   */
  readonly emulatorEndpoints?: EmulatorEndpoints & { readonly iam?: LocalIam };
  /** The secret the function principals' credentials derive from. @default - a new one */
  readonly iamSecret?: string;
  /** Changes the stacks the local IAM is derived from (a test that removes a grant). @default none */
  readonly adjustStacks?: DeriveOptions['adjust'];
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
  /** The gateway as the operator reaches it (administrator credentials): what tests and the CLI read and write with. */
  readonly deps: GatewayRuntime;
  /** Each function's own runtime, calling AWS as the function's principal (what the handlers and schedules use). */
  readonly functions: { readonly consumer: GatewayRuntime; readonly provider: GatewayRuntime; readonly sealer: GatewayRuntime; readonly canary: GatewayRuntime };
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
  /** The operator's clients (administrator credentials). */
  readonly clients: AwsClients;
  /** Each function's own clients, by function name (`tax-board/consumer`, `central/publisher`, …). */
  readonly functionClients: Readonly<Record<string, AwsClients>>;
  readonly central: ApiFront;
  /** Each agency's registrar principal (same order as the config): what joins the central. */
  readonly credentials: readonly LocalCredential[];
  /** The local IAM in force: the model derived from the stacks and every function principal's credential. */
  readonly iam: LocalIamSetup;
  endpoints(): { central: string; configuration: string; agencies: Record<string, { consumer: string; provider: string }> };
  stop(): Promise<void>;
}

/**
 * Finds the key behind an alias, or creates it (what the stacks do at deploy time) in the party's account: the
 * `sild:party` tag names the party, and says which stack's signing key it stands for in IAM.
 */
export async function ensureSigningKey(kms: KMSClient, alias: string, description: string, party: string): Promise<string> {
  try {
    const existing = await kms.send(new DescribeKeyCommand({ KeyId: alias }));
    return existing.KeyMetadata!.Arn!;
  } catch (error) {
    if ((error as Error).name !== 'NotFoundException') throw error;
  }
  const created = await kms.send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY', Description: description, Tags: [{ TagKey: PARTY_TAG, TagValue: party }] }));
  await kms.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: created.KeyMetadata!.KeyId! }));
  return created.KeyMetadata!.Arn!;
}

export async function startLocalEcosystem(options: LocalEcosystemOptions): Promise<LocalEcosystem> {
  const { config } = options;
  const clock = options.clock ?? systemClock;
  const port = (configured: number) => (options.ephemeralPorts ? 0 : configured);
  const stoppers: (() => Promise<void>)[] = [];
  const destroyed: AwsClients[] = [];
  try {
    if (options.stateDir) mkdirSync(options.stateDir, { recursive: true });
    // The stacks' IAM, derived while the emulators start (a synth when the config or the sources changed).
    const derived = localIamSetup(config, options.iamSecret ?? randomBytes(24).toString('base64'), { adjust: options.adjustStacks });
    let emulators: Emulators | undefined;
    if (!options.emulatorEndpoints) {
      emulators = await startEmulators({ stateDir: options.stateDir, region: LOCAL_REGION, account: config.central.account, now: () => clock.now() });
      stoppers.push(emulators.stop);
    }
    const endpoints = options.emulatorEndpoints ?? emulators!;
    const setup = await derived;
    // Enforced in the emulators (in this process, or the other process installed it from the same secret), and by
    // this process's API fronts (IAM routes).
    const iam = endpoints.iam ?? new LocalIam();
    if (!endpoints.iam && !options.iamSecret) throw new Error('Emulators of another process enforce the IAM installed there: pass the iamSecret they were given');
    installLocalIam(iam, setup);
    const awsClients = (credentials: { accessKeyId: string; secretAccessKey: string }) => {
      const created = createAwsClients({ region: LOCAL_REGION, endpoints: { dynamodb: endpoints.dynamodbUrl, kms: endpoints.kmsUrl, s3: endpoints.s3Url }, credentials });
      destroyed.push(created);
      return created;
    };
    const clients = awsClients(LOCAL_CREDENTIALS);
    const clientsByFunction: Record<string, AwsClients> = {};
    /** The clients of one function, calling as its own principal. */
    const functionClients = (name: string) => (clientsByFunction[name] ??= awsClients(setup.credentials[name]));

    // What the stacks deploy (as the deploying role: the operator): tables and keys.
    await ensureTable(clients.dynamodb as never, registryTableName, REGISTRY_TABLE);
    await clients.s3.send(new CreateBucketCommand({ Bucket: configurationBucketName }));
    const centralKey = await ensureSigningKey(clients.kms, signingKeyAlias('central'), `Sild central server of ${config.instance}`, 'central');
    const agencyKeys: Record<string, string> = {};
    for (const agency of config.agencies) {
      await ensureTable(clients.dynamodb as never, messageLogTableName(agency.name), MESSAGE_LOG_TABLE);
      await clients.s3.send(new CreateBucketCommand({ Bucket: bodyBucketName(agency.name) }));
      agencyKeys[agency.name] = await ensureSigningKey(clients.kms, signingKeyAlias(agency.name), `Sild gateway of ${agency.name}`, agency.name);
    }

    // Each agency's registrar: the principal its stack's registration joins the central with.
    const credentials: LocalCredential[] = config.agencies.map((agency) => registrarCredential(setup, agency.name, agency.account));

    // The functions read their deployment through the same contract as in AWS (environment → validated settings);
    // each party gets only its own document, as when deployed from separate apps.
    const centralConfig = centralConfigOf(config);
    // Locally every gateway listens on loopback http; in AWS the central refuses that (https, public addresses).
    const centralDeployment = readCentralDeployment(
      centralEnvironment({
        settings: { ...centralSettings(centralConfig), insecureLoopbackHttp: true, ...options.centralOverrides },
        signingKeyId: centralKey,
        registryTable: registryTableName,
        configurationBucket: configurationBucketName,
      }),
    );
    // The operator's view (deploy-time writes, the anchor), the central function's and the publisher's.
    const centralDeps = createCentralDeps(centralDeployment, clients, clock);
    const centralFunction = createCentralDeps(centralDeployment, functionClients('central/central'), clock);
    const publisher = createCentralDeps(centralDeployment, functionClients('central/publisher'), clock).publisher;
    await centralDeps.registry.putDeploymentItems(joinAllowList(centralConfig), globalGroups(centralConfig), federatedInstances(centralConfig)); // what the central stack writes at deploy time
    const anchorPublicKey = (await (await centralDeps.keys.current()).publicKey()).toString('base64');
    const centralParty = iam.party('central')!;
    const central = await startApiFront({
      api: 'central',
      handler: createCentralHandler(centralFunction),
      port: port(config.local.basePort),
      now: () => clock.now(),
      iam: { local: iam, resource: (method, path) => ({ arn: localApiArn(centralParty, 'central', method, path), account: centralParty.account, policy: setup.model.join.policy }) },
    });
    stoppers.push(central.stop);
    // The CDN in front of the configuration bucket (CloudFront in AWS), on the port after the last agency's.
    const cdn = await startConfigurationCdn({ s3: clients.s3, bucket: configurationBucketName, port: port(config.local.basePort + 1 + 2 * config.agencies.length), now: () => clock.now() });
    stoppers.push(cdn.stop);
    await publisher.publish();
    if (options.publishOnTimer !== false) {
      // The central's publication schedule (EventBridge in AWS).
      const timer = setInterval(() => publisher.publish().catch((error) => options.events?.('publish-failed', { cause: error })), centralDeps.settings.generationSeconds * 1000);
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
        ...options.gatewayOverrides,
      };
      const deployment = gatewayEnvironment({ settings: resolved, signingKeyId: agencyKeys[agency.name], messageLogTable: messageLogTableName(agency.name), logRetentionDays: agency.logRetentionDays, bodyBucket: bodyBucketName(agency.name) });
      const gatewayDeployment = readGatewayDeployment(deployment);
      const opmonSink = opmon.sink(agency.name);
      const monitor = new EmfOperationalMonitor(gatewayDeployment.settings.gatewayId, opmonSink, QUIET_METRICS_LOGGER);
      const runtimeOf = (credentials: AwsClients) => createGatewayDeps(gatewayDeployment, credentials, { clock, events: options.events, monitor });
      const deps = runtimeOf(clients);
      // Each function as its own principal, as each is its own Lambda function in AWS.
      const functions = {
        consumer: runtimeOf(functionClients(`${agency.name}/consumer`)),
        provider: runtimeOf(functionClients(`${agency.name}/provider`)),
        sealer: runtimeOf(functionClients(`${agency.name}/sealer`)),
        canary: runtimeOf(functionClients(`${agency.name}/canary`)),
      };
      // What the agency stack writes at deploy time: the access policy and the service descriptions.
      const policy = accessPolicy(agency);
      // Backends configured at the sample backend's address reach it wherever it actually listens.
      const services = (policy.services ?? []).map((service) => ({ ...service, backendUrl: backend ? service.backendUrl.replace(configuredBackend, backend.url) : service.backendUrl }));
      await deps.config.putAccessPolicy({ ...policy, services });
      for (const { subsystem, code, document } of serviceDescriptions(agency)) await deps.config.putServiceDescription(subsystem, code, document);
      // IAM consumer access: the agency's own roles (the configured principals) may invoke it; the handler binds each
      // to its subsystems. An HTTP API has no resource policy: another account's principal is refused.
      const party = iam.party(agency.name)!;
      const consumerCredentials: LocalCredential[] =
        agency.consumerAccess?.mode === 'iam'
          ? agency.consumerAccess.principals.map((principal) => {
              const caller = setup.callers.find((candidate) => candidate.name === principal.arn && candidate.account !== undefined)!;
              return { accessKeyId: caller.accessKeyId, secretAccessKey: caller.secretAccessKey, account: caller.account!, arn: caller.arn };
            })
          : [];
      const consumer = await startApiFront({
        api: 'consumer',
        type: apiTypeOf('consumer', { consumerAccess: agency.consumerAccess?.mode }),
        handler: createConsumerHandler(functions.consumer),
        port: port(config.local.basePort + 1 + 2 * index),
        now: () => clock.now(),
        iamOnly: agency.consumerAccess?.mode === 'iam',
        iam: { local: iam, resource: (method, path) => ({ arn: localApiArn(party, 'consumer', method, path), account: party.account }) },
      });
      stoppers.push(consumer.stop);
      const provider = await startApiFront({
        api: 'provider',
        type: apiTypeOf('provider', { providerApi: agency.providerApi }),
        handler: createProviderHandler(functions.provider),
        port: port(config.local.basePort + 2 + 2 * index),
        now: () => clock.now(),
      });
      stoppers.push(provider.stop);
      // The registration, as the stack's custom resource runs it: the registrar function proves possession of the
      // gateway's key and joins as its own principal.
      const credential = credentials[index];
      const registrarKms = functionClients(`${agency.name}/registrar`).kms;
      const register = createRegistrationHandler({ signer: (keyId) => new KmsSigner(registrarKms, keyId), join: joinCentral, credentials: { accessKeyId: credential.accessKeyId, secretAccessKey: credential.secretAccessKey } });
      const registration = gatewayRegistration(gatewayConfigOf(config, agency));
      const properties = registrationProperties({ registration, providerUrl: provider.url, signingKeyId: agencyKeys[agency.name], centralUrl: central.url, centralRegion: LOCAL_REGION });
      await register({ RequestType: 'Create', ResourceProperties: { ServiceToken: 'local', ...properties } } as unknown as CloudFormationCustomResourceEvent);
      const seal = () => runSealer(functions.sealer.sealer);
      if (options.sealOnTimer !== false) {
        const sealed = () => seal().catch((error) => options.events?.('seal-failed', { agency: agency.name, cause: error }));
        // The schedule's first run, as it fires soon after a deploy: in the background (a first seal reaches back an
        // hour of windows, ~1 s), finished before the ecosystem stops.
        const first = sealed();
        stoppers.push(async () => void (await first));
        const timer = setInterval(sealed, deps.settings.sealing.intervalSeconds * 1000);
        timer.unref();
        stoppers.push(async () => clearInterval(timer));
      }
      // The canary (an EventBridge schedule in AWS): a synthetic exchange through both sides, its figures as EMF.
      const canary = async () => {
        const result = await runCanary(functions.canary);
        opmonSink(canaryLine(deps.settings.gatewayId, result, clock.now(), QUIET_METRICS_LOGGER));
        return result;
      };
      if (options.canaryOnTimer !== false) {
        const timer = setInterval(() => canary().catch((error) => options.events?.('canary-failed', { agency: agency.name, cause: error })), agency.monitoring.canaryMinutes * 60_000);
        timer.unref();
        stoppers.push(async () => clearInterval(timer));
      }
      agencies[agency.name] = { name: agency.name, consumerUrl: consumer.url, providerUrl: provider.url, logTable: messageLogTableName(agency.name), deps, functions, deployment: gatewayDeployment, registration, seal, canary, fronts: { consumer, provider }, consumerCredentials, opmonFile: opmon.fileOf(agency.name) };
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
        await publisher.publish();
      },
      clients,
      functionClients: clientsByFunction,
      central,
      credentials,
      iam: setup,
      endpoints: () => ({
        central: central.url,
        configuration: `${cdn.url}/${CURRENT_CONFIGURATION_KEY}`,
        agencies: Object.fromEntries(Object.values(agencies).map((agency) => [agency.name, { consumer: agency.consumerUrl, provider: agency.providerUrl }])),
      }),
      stop: async () => {
        for (const stop of stoppers.reverse()) await stop();
        destroyClients(destroyed);
      },
    };
  } catch (error) {
    for (const stop of stoppers.reverse()) await stop().catch(() => undefined);
    destroyClients(destroyed);
    throw error;
  }
}

function destroyClients(all: readonly AwsClients[]): void {
  for (const created of all) {
    created.kms.destroy();
    created.dynamodb.destroy();
    created.s3.destroy();
  }
}

/** An agency's registrar principal as the central's API front knows it. */
function registrarCredential(setup: LocalIamSetup, agency: string, account: string): LocalCredential {
  const name = `${agency}/registrar`;
  const fn = setup.model.functions.find((candidate) => candidate.name === name)!;
  return { ...setup.credentials[name], account, arn: sessionArn(account, fn.roleName) };
}
