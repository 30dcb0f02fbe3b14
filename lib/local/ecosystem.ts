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
import { mkdirSync } from 'node:fs';
import type { AwsClients } from '../../lambdas/adapters/aws-clients';
import { CURRENT_CONFIGURATION_KEY } from '../../lambdas/adapters/s3-configuration-distribution';
import type { CentralSettings, CentralSettingsInput } from '../../lambdas/core/central/settings';
import type { Anchor, FederatedInstance } from '../../lambdas/core/trust/global-configuration';
import type { GatewayDeps } from '../../lambdas/core/exchange/gateway';
import type { GatewaySettingsInput } from '../../lambdas/core/exchange/settings';
import { systemClock, type Clock } from '../../lambdas/core/kernel/ports';
import type { EcosystemConfig } from '../config/ecosystem-config';
import type { ApiFront } from './api-front';
import type { ConfigurationCdn } from './configuration-cdn';
import type { EmulatorEndpoints, Emulators } from './emulators';
import type { DeriveOptions } from './iam/derive';
import type { LocalIam } from './iam/local-iam';
import type { LocalIamSetup } from './iam/setup';
import { startLocalAws, type LocalAws } from './local-aws';
import { startLocalCentral, type LocalCentral } from './local-central';
import { registrarCredential, startLocalGateway, type LocalAgency, type LocalGatewayOptions } from './local-gateway';
import { bodyBucketName, LOCAL_REGION, messageLogTableName, registryTableName, signingKeyAlias } from './names';
import { openOpmonFiles } from './opmon-files';
import { localPorts } from './ports';
import { startSampleBackend, type SampleBackend } from './sample-backend';
import { Shutdown } from './shutdown';
import type { LocalCredential } from './sigv4-verifier';
import { createStackResources } from './stack-resources';

export { bodyBucketName, LOCAL_REGION, messageLogTableName, registryTableName, signingKeyAlias };
export type { LocalAgency };

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
 * Starts the ecosystem as `npm start` describes it: the emulators, enforcing the stacks' IAM; what the stacks create
 * (tables, buckets, keys); the central — its API, its CDN, a first publication; the sample backend; then each
 * agency's gateway — its deploy-time items, its consumer and provider sides, its join with the central, its sealer
 * and canary schedules. A failure stops whatever had started.
 */
export async function startLocalEcosystem(options: LocalEcosystemOptions): Promise<LocalEcosystem> {
  const { config } = options;
  const clock = options.clock ?? systemClock;
  const ports = localPorts(config, options.ephemeralPorts);
  const shutdown = new Shutdown();
  try {
    if (options.stateDir) mkdirSync(options.stateDir, { recursive: true });
    const aws = await startLocalAws({ ...options, clock }, shutdown);
    const keys = await createStackResources(aws.clients, config);
    // Each agency's registrar: the principal its stack's registration joins the central with.
    const credentials = config.agencies.map((agency) => registrarCredential(aws.setup, agency.name, agency.account));
    const central = await startLocalCentral({ ...options, clock, signingKeyId: keys.central }, aws, ports, shutdown);
    const backend = options.sampleBackend === false ? undefined : await startSampleBackend(ports.sampleBackend);
    if (backend) shutdown.add(backend.stop);
    // Operational monitoring: each gateway's EMF lines in a file (CloudWatch Logs in AWS), read by `sild monitor`.
    const opmon = openOpmonFiles(options.stateDir);
    shutdown.add(opmon.close);
    const agencies: Record<string, LocalAgency> = {};
    for (const [index, agency] of config.agencies.entries()) {
      agencies[agency.name] = await startLocalGateway(
        {
          ...options,
          agency,
          index,
          clock,
          signingKeyId: keys.agencies[agency.name],
          central: centralAsGatewaysSee(central),
          registrar: credentials[index],
          backend,
          opmon,
        },
        aws,
        ports,
        shutdown,
      );
    }
    return runningEcosystem({ config, aws, central, credentials, backend, agencies, shutdown });
  } catch (error) {
    await shutdown.runIgnoringErrors();
    throw error;
  }
}

/** Where a gateway finds the central: its API, its CDN's newest configuration, and its anchor. */
function centralAsGatewaysSee(central: LocalCentral): LocalGatewayOptions['central'] {
  return { url: central.front.url, configurationUrl: `${central.cdn.url}/${CURRENT_CONFIGURATION_KEY}`, anchorPublicKey: central.anchorPublicKey };
}

/** The running ecosystem as tests, the CLI and `npm start` reach it. */
function runningEcosystem(parts: {
  readonly config: EcosystemConfig;
  readonly aws: LocalAws;
  readonly central: LocalCentral;
  readonly credentials: readonly LocalCredential[];
  readonly backend?: SampleBackend;
  readonly agencies: Readonly<Record<string, LocalAgency>>;
  readonly shutdown: Shutdown;
}): LocalEcosystem {
  const { config, aws, central, agencies } = parts;
  return {
    config,
    centralUrl: central.front.url,
    anchorPublicKey: central.anchorPublicKey,
    agencies,
    backend: parts.backend,
    emulators: aws.emulators,
    emulatorEndpoints: aws.endpoints,
    cdn: central.cdn,
    centralSettings: central.deps.settings,
    anchor: async () => ({
      instance: config.instance,
      publicKey: (await (await central.deps.keys.current()).publicKey()).toString('base64'),
      rotations: await central.deps.registry.centralKeyRotations(),
    }),
    federate: async (instances) => {
      await central.deps.registry.putFederatedInstances(instances);
      await central.publisher.publish();
    },
    clients: aws.clients,
    functionClients: aws.functionClients,
    central: central.front,
    credentials: parts.credentials,
    iam: aws.setup,
    endpoints: () => ({
      central: central.front.url,
      configuration: centralAsGatewaysSee(central).configurationUrl,
      agencies: Object.fromEntries(
        Object.values(agencies).map((agency) => [agency.name, { consumer: agency.consumerUrl, provider: agency.providerUrl }]),
      ),
    }),
    stop: () => parts.shutdown.run(),
  };
}
