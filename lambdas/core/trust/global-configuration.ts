/**
 * The global configuration: the signed list of members, subsystems, gateways (with their public signing keys),
 * services and global groups that every gateway trusts. The central server signs it; gateways verify it with the
 * anchor (instance id + the central public key) and refuse to exchange once it has expired.
 *
 * Wire form (`SignedGlobalConfiguration`): the document as JSON text, plus a small signed header that commits to
 * the document's SHA-256. Signing the header rather than the document keeps the signed bytes under KMS's 4 KB
 * `RAW` limit while staying verifiable with plain node:crypto.
 *
 * Every published configuration has a version, one more than the previous one (PR-GCONF's configuration versions);
 * a gateway never goes back to a lower version than one it holds. The central key that signs may rotate: the
 * document carries the rotation records (`central-keys.ts`), and a verifier follows them forward from the chain it
 * holds — never into a fork of it.
 */
import * as z from '../kernel/schema';
import { CentralKeyChain, CentralKeyChainError, centralKeyRotationSchema, type CentralKeyRotation } from './central-keys';
import { sha256Base64 } from '../kernel/hashing';
import { keyIdOf, verifySignature } from '../kernel/signatures';
import type { Signer } from '../kernel/ports';

export const GLOBAL_CONFIGURATION_TYPE = 'sild.globalconf.v1';

const publicKeySchema = z.object({
  keyId: z.string(),
  /** DER SubjectPublicKeyInfo, base64. */
  publicKey: z.string(),
});

/**
 * A federated instance as the central publishes it (X-Road's trusted anchors of other instances): the instance, the
 * central key its configurations are signed with, and where they are published. Gateways that opt in follow it.
 */
export const federatedInstanceSchema = z.object({
  instance: z.string(),
  /** The partner central's public key (DER SPKI, base64): the anchor for its configurations. */
  anchorPublicKey: z.string(),
  /** The partner central's API; its configuration is fetched from `{centralUrl}/globalconf` last. */
  centralUrl: z.string(),
  /** The partner's distribution (`…/globalconf/current.json`), tried first. */
  configurationUrl: z.optional(z.string()),
});

export type FederatedInstance = z.infer<typeof federatedInstanceSchema>;

const documentSchema = z.object({
  type: z.literal(GLOBAL_CONFIGURATION_TYPE),
  instance: z.string(),
  /** One more than the previous published configuration's. */
  version: z.int().check(z.minimum(1)),
  generatedAt: z.iso.datetime(),
  expiresAt: z.iso.datetime(),
  memberClasses: z.array(z.string()),
  members: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      subsystems: z.array(z.string()),
    }),
  ),
  gateways: z.array(
    z.object({
      /** `INST/CLASS/CODE/SERVERCODE`, X-Road's security server id. */
      id: z.string(),
      owner: z.string(),
      providerUrl: z.string(),
      /** Subsystem ids whose messages this gateway signs and whose services it serves. */
      clients: z.array(z.string()),
      keys: z.array(publicKeySchema),
    }),
  ),
  services: z.array(z.object({ id: z.string(), gateway: z.string() })),
  globalGroups: z.array(z.object({ id: z.string(), description: z.string(), members: z.array(z.string()) })),
  /** Every rotation of the central key so far, oldest first. */
  centralKeyRotations: z._default(z.array(centralKeyRotationSchema), []),
  /** The instances this one federates with. */
  federatedInstances: z._default(z.array(federatedInstanceSchema), []),
});

export type GlobalConfigurationDocument = z.infer<typeof documentSchema>;
export type GatewayEntry = GlobalConfigurationDocument['gateways'][number];

/** What gateways trust, distributed out of band: the instance and the central public key. */
export interface Anchor {
  readonly instance: string;
  /** DER SubjectPublicKeyInfo, base64. */
  readonly publicKey: string;
  /**
   * Central key rotations the holder knows of (an anchor file written after a rotation carries them): the chain it
   * holds, followed both ways from `publicKey`. @default none
   */
  readonly rotations?: readonly CentralKeyRotation[];
}

export interface SignedGlobalConfiguration {
  /** The document as JSON text, exactly as hashed. */
  readonly document: string;
  /** Base64 of the signed header (JSON). */
  readonly header: string;
  /** Base64 DER signature over the header bytes. */
  readonly signature: string;
}

interface SignedHeader {
  readonly type: typeof GLOBAL_CONFIGURATION_TYPE;
  readonly instance: string;
  readonly version: number;
  readonly generatedAt: string;
  readonly expiresAt: string;
  readonly documentSha256: string;
  readonly keyId: string;
}

/** Signs a document with the central key. */
export async function signGlobalConfiguration(document: GlobalConfigurationDocument, signer: Signer): Promise<SignedGlobalConfiguration> {
  const text = JSON.stringify(document);
  const header: SignedHeader = {
    type: GLOBAL_CONFIGURATION_TYPE,
    instance: document.instance,
    version: document.version,
    generatedAt: document.generatedAt,
    expiresAt: document.expiresAt,
    documentSha256: sha256Base64(text),
    keyId: keyIdOf(await signer.publicKey()),
  };
  const headerBytes = Buffer.from(JSON.stringify(header));
  const signature = await signer.sign(headerBytes);
  return { document: text, header: headerBytes.toString('base64'), signature: signature.toString('base64') };
}

/** Why a configuration was rejected. */
export class GlobalConfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GlobalConfigurationError';
  }
}

/** A verified configuration, with the lookups gateways need. */
export class GlobalConfiguration {
  readonly expiresAtMs: number;
  readonly generatedAtMs: number;
  private readonly gatewaysByClient = new Map<string, GatewayEntry>();
  private readonly gatewaysById = new Map<string, GatewayEntry>();
  private readonly serviceGateway = new Map<string, string>();
  private readonly subsystems = new Set<string>();
  private readonly members = new Set<string>();

  constructor(
    readonly document: GlobalConfigurationDocument,
    readonly signed: SignedGlobalConfiguration,
    /** The central key chain it verified under: the verifier's, extended by the document's hand-overs. @default - not verified */
    readonly centralKeys?: CentralKeyChain,
    /** The central key that signed it. @default - not verified */
    readonly signerKeyId?: string,
  ) {
    this.expiresAtMs = Date.parse(document.expiresAt);
    this.generatedAtMs = Date.parse(document.generatedAt);
    for (const gateway of document.gateways) {
      this.gatewaysById.set(gateway.id, gateway);
      for (const client of gateway.clients) this.gatewaysByClient.set(client, gateway);
    }
    for (const service of document.services) this.serviceGateway.set(service.id, service.gateway);
    for (const member of document.members) {
      this.members.add(member.id);
      for (const subsystem of member.subsystems) this.subsystems.add(`${member.id}/${subsystem}`);
    }
  }

  get instance(): string {
    return this.document.instance;
  }

  get version(): number {
    return this.document.version;
  }

  /** Identifies the gateways' published keys: configurations with the same id list the same keys for the same gateways. */
  get keySetId(): string {
    const keys = this.document.gateways.flatMap((gateway) => gateway.keys.map((key) => `${gateway.id} ${key.keyId}`)).sort();
    return sha256Base64(keys.join('\n')).replace(/[+/=]/g, (char) => ({ '+': '-', '/': '_', '=': '' })[char]!);
  }

  isExpired(nowMs: number): boolean {
    return nowMs >= this.expiresAtMs;
  }

  hasMember(memberId: string): boolean {
    return this.members.has(memberId);
  }

  hasSubsystem(subsystemId: string): boolean {
    return this.subsystems.has(subsystemId);
  }

  /** The gateway that serves a subsystem's messages (signs its requests, serves its services). */
  gatewayOfClient(subsystemId: string): GatewayEntry | undefined {
    return this.gatewaysByClient.get(subsystemId);
  }

  gateway(id: string): GatewayEntry | undefined {
    return this.gatewaysById.get(id);
  }

  /** The gateway registered as offering the service, if the service is registered. */
  gatewayOfService(serviceId: string): GatewayEntry | undefined {
    const gatewayId = this.serviceGateway.get(serviceId);
    return gatewayId === undefined ? undefined : this.gatewaysById.get(gatewayId);
  }

  /** Global groups the subsystem belongs to, as `INST/code` ids. */
  globalGroupsOf(subsystemId: string): string[] {
    return this.document.globalGroups.filter((group) => group.members.includes(subsystemId)).map((group) => group.id);
  }

  /** The federated instance's entry, if this instance federates with it. */
  federatedInstance(instance: string): FederatedInstance | undefined {
    return this.document.federatedInstances.find((entry) => entry.instance === instance);
  }

  /** The public key (DER SPKI, base64) with the given id, if the gateway publishes it. */
  publicKey(gatewayId: string, keyId: string): string | undefined {
    return this.gatewaysById.get(gatewayId)?.keys.find((key) => key.keyId === keyId)?.publicKey;
  }
}

/**
 * Verifies a signed configuration against the central keys the verifier holds — its anchor, or the chain a
 * configuration it accepted earlier verified under: the header signature, the document hash, the instance and the
 * header/document agreement. The document's hand-overs must agree with the held chain and may only extend it forward;
 * they must lead to the key that signed, which must not have handed over before the document's `generatedAt`.
 * Expiry is not checked here — the caller decides what to do with an old copy — nor whether the signer is still the
 * current key (`requireCurrentCentralKey`).
 */
export function verifyGlobalConfiguration(signed: SignedGlobalConfiguration, trust: Anchor | CentralKeyChain): GlobalConfiguration {
  const headerBytes = Buffer.from(signed.header ?? '', 'base64');
  const header = parseJson(headerBytes.toString('utf8'), 'header') as Partial<SignedHeader>;
  if (header.type !== GLOBAL_CONFIGURATION_TYPE) throw new GlobalConfigurationError(`Unknown configuration type ${header.type}`);
  if (header.documentSha256 !== sha256Base64(signed.document ?? '')) {
    throw new GlobalConfigurationError('The global configuration document does not match its signed hash');
  }
  const parsed = documentSchema.safeParse(parseJson(signed.document, 'document'));
  if (!parsed.success) throw new GlobalConfigurationError(`Malformed global configuration: ${parsed.error.issues[0]?.message}`);
  const document = parsed.data;
  const { chain, proven } = refusingForks(() => {
    const held = trust instanceof CentralKeyChain ? trust : CentralKeyChain.ofAnchor(trust);
    // What the document proves from the held chain's first key; a fork of the held chain refuses the whole document.
    const fromDocument = held.provenBy(document.centralKeyRotations);
    return { chain: held.extendedBy(fromDocument), proven: fromDocument };
  });
  // The signing key must be one the document's own hand-overs lead to, so a kept copy verifies again from the anchor.
  const keyId = String(header.keyId);
  const key = proven.key(keyId) ? chain.key(keyId) : undefined;
  if (!key || !verifySignature(key.publicKey, headerBytes, Buffer.from(signed.signature ?? '', 'base64'))) {
    throw new GlobalConfigurationError('The global configuration signature does not verify with the anchor key or a key it rotated to');
  }
  if (key.retiredAtMs !== undefined && !(Date.parse(document.generatedAt) < key.retiredAtMs)) {
    throw new GlobalConfigurationError(
      `The global configuration is signed by central key ${key.keyId}, retired since ${new Date(key.retiredAtMs).toISOString()}`,
    );
  }
  if (document.instance !== chain.instance || header.instance !== chain.instance) {
    throw new GlobalConfigurationError(`The configuration is for instance ${document.instance}, the anchor for ${chain.instance}`);
  }
  if (document.generatedAt !== header.generatedAt || document.expiresAt !== header.expiresAt || document.version !== header.version) {
    throw new GlobalConfigurationError('The configuration validity or version does not match its signed header');
  }
  const foreign = foreignParty(document);
  if (foreign) throw new GlobalConfigurationError(`The configuration of ${document.instance} names ${foreign}, which is not of its instance`);
  return new GlobalConfiguration(document, signed, chain, key.keyId);
}

/**
 * Refuses a configuration signed by a central key that has handed over, whatever date it carries: what a gateway takes
 * to act on (and what the CLI takes as current) comes from the head of the chain it verified under. A retired key's
 * configurations of before its hand-over stay valid as history (audits, evidence) — and a leaked retired key can
 * write any date, so for anything current its signature counts for nothing.
 */
export function requireCurrentCentralKey(configuration: GlobalConfiguration): GlobalConfiguration {
  const chain = configuration.centralKeys;
  const signer = configuration.signerKeyId === undefined ? undefined : chain?.key(configuration.signerKeyId);
  if (!chain || !signer) throw new GlobalConfigurationError('The global configuration was not verified against a central key chain');
  if (signer.keyId !== chain.head.keyId) {
    const handedOver = new Date(signer.retiredAtMs!).toISOString();
    throw new GlobalConfigurationError(
      `The global configuration is signed by central key ${signer.keyId}, which handed over at ${handedOver}: only the current central key ${chain.head.keyId} signs configurations to act on`,
    );
  }
  return configuration;
}

/** Runs a step of following central key hand-overs; a fork (or a key handed back to) refuses the configuration. */
function refusingForks<T>(step: () => T): T {
  try {
    return step();
  } catch (error) {
    if (error instanceof CentralKeyChainError) throw new GlobalConfigurationError(`Refused central key hand-overs: ${error.message}`);
    throw error;
  }
}

/**
 * A member, gateway, client or service the document names outside its own instance, if any: a central speaks only
 * for its instance, so a federated partner's configuration can never vouch for (or redirect) another instance's
 * parties.
 */
function foreignParty(document: GlobalConfigurationDocument): string | undefined {
  const own = (id: string) => id.startsWith(`${document.instance}/`);
  const ids = [
    ...document.members.map((member) => member.id),
    ...document.gateways.flatMap((gateway) => [gateway.id, gateway.owner, ...gateway.clients]),
    ...document.services.flatMap((service) => [service.id, service.gateway]),
    ...document.globalGroups.map((group) => group.id),
  ];
  return ids.find((id) => !own(id));
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new GlobalConfigurationError(`The global configuration ${what} is not JSON`);
  }
}
