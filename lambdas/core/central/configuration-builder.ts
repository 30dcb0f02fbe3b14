/**
 * Building the global configuration from the registry: the entries still on the allow-list, the global groups,
 * the central key rotations and the federated instances, signed with the current central key.
 */
import { LayerFault } from '../kernel/errors';
import {
  signGlobalConfiguration,
  type FederatedInstance,
  type GlobalConfigurationDocument,
  type SignedGlobalConfiguration,
  GLOBAL_CONFIGURATION_TYPE,
} from '../trust/global-configuration';
import type { Signer } from '../kernel/ports';
import type { CentralDeps } from './ports';
import type { CentralSettings } from './settings';
import { signCentralKeyRotation, type CentralKeyRotation } from '../trust/central-keys';
import type { AllowedAgency, GlobalGroup, RegistryEntry } from './registry';
import { keyIdOf } from '../kernel/signatures';

/** What a configuration is built with besides the registry entries. */
export interface ConfigurationExtras {
  /** @default 1 */
  readonly version?: number;
  readonly globalGroups?: readonly GlobalGroup[];
  /**
   * The join allow-list: only entries still on it — same agency, account and member — are published, so removing an
   * agency from the allow-list revokes it. @default - every entry
   */
  readonly allowList?: readonly AllowedAgency[];
  readonly centralKeyRotations?: readonly CentralKeyRotation[];
  /** The instances this one federates with (the deployment writes them). @default none */
  readonly federatedInstances?: readonly FederatedInstance[];
}

/** Whether a registry entry is still allowed: its agency on the allow-list with the same account and member. */
export const stillAllowed = (entry: RegistryEntry, allowList: readonly AllowedAgency[]) =>
  allowList.some((allowed) => allowed.name === entry.agency && allowed.account === entry.account && allowed.member === entry.member.id);

/** Builds the configuration document from the registry. */
export function buildGlobalConfiguration(
  entries: readonly RegistryEntry[],
  settings: CentralSettings,
  nowMs: number,
  extras: ConfigurationExtras = {},
): GlobalConfigurationDocument {
  const allowList = extras.allowList;
  const sorted = [...entries].filter((entry) => !allowList || stillAllowed(entry, allowList)).sort((a, b) => a.agency.localeCompare(b.agency));
  const members = new Map<string, { id: string; name: string; subsystems: Set<string> }>();
  for (const entry of sorted) {
    const member = members.get(entry.member.id) ?? { id: entry.member.id, name: entry.member.name, subsystems: new Set<string>() };
    entry.subsystems.forEach((subsystem) => member.subsystems.add(subsystem));
    members.set(entry.member.id, member);
  }
  return {
    type: GLOBAL_CONFIGURATION_TYPE,
    instance: settings.instance,
    version: extras.version ?? 1,
    generatedAt: new Date(nowMs).toISOString(),
    expiresAt: new Date(nowMs + settings.validitySeconds * 1000).toISOString(),
    memberClasses: settings.memberClasses,
    members: [...members.values()].map((member) => ({ id: member.id, name: member.name, subsystems: [...member.subsystems].sort() })),
    gateways: sorted.map((entry) => ({
      id: entry.gateway.id,
      owner: entry.member.id,
      providerUrl: entry.gateway.providerUrl.replace(/\/+$/, ''),
      clients: entry.subsystems.map((subsystem) => `${entry.member.id}/${subsystem}`),
      keys: entry.gateway.publicKeys.map((publicKey) => ({ keyId: keyIdOf(Buffer.from(publicKey, 'base64')), publicKey })),
    })),
    services: sorted.flatMap((entry) =>
      entry.services.map((service) => ({ id: `${entry.member.id}/${service.subsystem}/${service.code}`, gateway: entry.gateway.id })),
    ),
    globalGroups: (extras.globalGroups ?? []).map((group) => ({
      id: `${settings.instance}/${group.code}`,
      description: group.description,
      members: [...group.members],
    })),
    centralKeyRotations: [...(extras.centralKeyRotations ?? [])],
    federatedInstances: [...(extras.federatedInstances ?? [])].sort((a, b) => a.instance.localeCompare(b.instance)),
  };
}

/**
 * Generates the next signed configuration from the registry: a new version, the entries still on the allow-list,
 * the global groups, central key rotations and federated instances, signed with the current central key.
 */
export async function generateGlobalConfiguration(deps: CentralDeps): Promise<SignedGlobalConfiguration> {
  const [entries, globalGroups, allowList, federatedInstances] = await Promise.all([
    deps.registry.list(),
    deps.registry.globalGroups(),
    deps.registry.allowList(),
    deps.registry.federatedInstances(),
  ]);
  const signer = await deps.keys.current();
  const centralKeyRotations = await handOver(deps, signer);
  const version = await deps.registry.nextConfigurationVersion();
  const document = buildGlobalConfiguration(entries, deps.settings, deps.clock.now(), {
    version,
    globalGroups,
    allowList,
    centralKeyRotations,
    federatedInstances,
  });
  return signGlobalConfiguration(document, signer);
}

/**
 * The rotation chain, extended when the key ring's current key is not the chain's last key: the last key (still
 * published in the ring) and the new one sign the hand-over, so every verifier follows it. A ring whose current key
 * has no published predecessor to vouch for it cannot hand over: publication stops rather than sign with a key no
 * gateway would trust (the held configurations keep serving; the refresh alarms fire).
 */
async function handOver(deps: CentralDeps, signer: Signer): Promise<CentralKeyRotation[]> {
  const rotations = await deps.registry.centralKeyRotations();
  const published = await deps.keys.published();
  const currentId = keyIdOf(await signer.publicKey());
  const lastId = rotations.at(-1)?.to.keyId ?? keyIdOf(await published[0].publicKey());
  if (lastId === currentId) return rotations;
  let last: Signer | undefined;
  for (const candidate of published) if (keyIdOf(await candidate.publicKey()) === lastId) last = candidate;
  if (!last) throw new LayerFault('SigningFailed', `The central key ring switched to ${currentId} without keeping ${lastId} published to hand over`);
  const rotation = await signCentralKeyRotation(deps.settings.instance, last, signer, deps.clock.now());
  // Another publisher may have recorded the same hand-over: then the chain as recorded is the one to publish.
  return (await deps.registry.appendCentralKeyRotation(rotation, rotations.length)) ? [...rotations, rotation] : deps.registry.centralKeyRotations();
}
