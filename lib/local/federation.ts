/**
 * Two (or more) local instances side by side, federated: each runs its own ecosystem on its own emulators, and each
 * central publishes the others it federates with — their anchor and central URL, filled in here from the running
 * partner, as an operator copies them from the partner's central stack outputs (`InstanceCode`, `CentralApiUrl`, the
 * anchor public key) into `central.federation`.
 *
 * The partners' central keys are created first (what deploying their central stacks does), so every config can be
 * completed and validated before any instance starts; the central URLs follow from each config's `local.basePort`.
 */
import { join } from 'node:path';
import { GetPublicKeyCommand } from '@aws-sdk/client-kms';
import { createAwsClients } from '../../lambdas/adapters/aws-clients';
import { centralConfigOf, parseEcosystemConfig, type EcosystemConfig } from '../config/ecosystem-config';
import { federatedInstances } from '../config/runtime-settings';
import { LOCAL_CREDENTIALS, startEmulators, type Emulators } from './emulators';
import { LOCAL_REGION, signingKeyAlias, startLocalEcosystem, type LocalEcosystem, type LocalEcosystemOptions } from './ecosystem';
import { ensureSigningKey } from './stack-resources';

/** An ecosystem config as written (JSON), whose `central.federation` entries may name only the partner instance. */
export interface FederationMemberConfig {
  readonly config: Record<string, unknown>;
  /** Where relative paths in the config (OpenAPI documents) are read from. @default process.cwd() */
  readonly baseDir?: string;
}

export interface LocalFederationOptions extends Omit<LocalEcosystemOptions, 'config' | 'stateDir' | 'emulatorEndpoints' | 'sampleBackend'> {
  /** Persistent state, one folder per instance. @default - memory only */
  readonly stateDir?: string;
}

export interface LocalFederation {
  /** The running instances by instance code. */
  readonly instances: Readonly<Record<string, LocalEcosystem>>;
  stop(): Promise<void>;
}

interface Partner {
  readonly instance: string;
  readonly anchorPublicKey: string;
  readonly centralUrl: string;
}

const centralUrlOf = (config: Record<string, unknown>) => `http://127.0.0.1:${(config.local as { basePort?: number } | undefined)?.basePort ?? 4000}`;

/** The config with each federation entry completed from the running partner it names. */
function federatedConfig(member: FederationMemberConfig, partners: ReadonlyMap<string, Partner>): EcosystemConfig {
  const central = member.config.central as { federation?: { instance: string }[] } | undefined;
  const federation = (central?.federation ?? []).map((entry) => {
    const partner = partners.get(entry.instance);
    return partner ? { ...entry, anchorPublicKey: partner.anchorPublicKey, centralUrl: partner.centralUrl } : entry;
  });
  const config = { ...member.config, central: { ...central, federation } };
  return parseEcosystemConfig(config, `config of instance ${String(member.config.instance)}`, member.baseDir);
}

/** Whether the config's services use the sample backend's port (only then is the sample backend started). */
const usesSampleBackend = (config: EcosystemConfig) =>
  config.agencies.some((agency) => agency.services.some((service) => new URL(service.backendUrl).port === String(config.local.sampleBackendPort)));

export async function startLocalFederation(
  members: readonly FederationMemberConfig[],
  options: LocalFederationOptions = {},
): Promise<LocalFederation> {
  const emulators: Emulators[] = [];
  const instances: Record<string, LocalEcosystem> = {};
  const stop = async () => {
    for (const ecosystem of Object.values(instances).reverse()) await ecosystem.stop();
    for (const started of emulators.reverse()) await started.stop();
  };
  try {
    // Each instance's emulators and central key first: the partners' anchors complete every config.
    const partners = new Map<string, Partner>();
    for (const member of members) {
      const instance = String(member.config.instance);
      const account = String((member.config.central as { account?: string } | undefined)?.account);
      const now = options.clock && (() => options.clock!.now());
      const started = await startEmulators({
        stateDir: options.stateDir && join(options.stateDir, instance, 'state'),
        region: LOCAL_REGION,
        account,
        now,
      });
      emulators.push(started);
      const clients = createAwsClients({ region: LOCAL_REGION, endpoints: { kms: started.kmsUrl }, credentials: LOCAL_CREDENTIALS });
      const keyId = await ensureSigningKey(clients.kms, signingKeyAlias('central'), `Sild central server of ${instance}`, 'central');
      const publicKey = (await clients.kms.send(new GetPublicKeyCommand({ KeyId: keyId }))).PublicKey!;
      clients.kms.destroy();
      partners.set(instance, { instance, anchorPublicKey: Buffer.from(publicKey).toString('base64'), centralUrl: centralUrlOf(member.config) });
    }
    for (const [index, member] of members.entries()) {
      const config = federatedConfig(member, partners);
      instances[config.instance] = await startLocalEcosystem({
        ...options,
        config,
        emulatorEndpoints: emulators[index],
        stateDir: options.stateDir && join(options.stateDir, config.instance),
        sampleBackend: usesSampleBackend(config),
      });
    }
    // On ephemeral ports the centrals' URLs are known only now: each central is "redeployed" with its partners' real URLs.
    if (options.ephemeralPorts) {
      for (const ecosystem of Object.values(instances)) {
        const entries = federatedInstances(centralConfigOf(ecosystem.config));
        await ecosystem.federate(entries.map((entry) => ({ ...entry, centralUrl: instances[entry.instance]?.centralUrl ?? entry.centralUrl })));
      }
    }
    return { instances, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
