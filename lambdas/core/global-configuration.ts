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
 * document carries the rotation records (`central-keys.ts`), so a verifier follows them from its anchor.
 */
import * as z from 'zod';
import { centralKeyRotationSchema, trustedCentralKeys, type CentralKeyRotation } from './central-keys';
import { sha256Base64 } from './hashing';
import { keyIdOf, verifySignature } from './signatures';
import type { Signer } from './ports';

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
  configurationUrl: z.string().optional(),
});

export type FederatedInstance = z.infer<typeof federatedInstanceSchema>;

const documentSchema = z.object({
  type: z.literal(GLOBAL_CONFIGURATION_TYPE),
  instance: z.string(),
  /** One more than the previous published configuration's. */
  version: z.number().int().min(1),
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
  centralKeyRotations: z.array(centralKeyRotationSchema).default([]),
  /** The instances this one federates with. */
  federatedInstances: z.array(federatedInstanceSchema).default([]),
});

export type GlobalConfigurationDocument = z.infer<typeof documentSchema>;
export type GatewayEntry = GlobalConfigurationDocument['gateways'][number];

/** What gateways trust, distributed out of band: the instance and the central public key. */
export interface Anchor {
  readonly instance: string;
  /** DER SubjectPublicKeyInfo, base64. */
  readonly publicKey: string;
  /** Central key rotations the holder knows of (an anchor file written after a rotation carries them). @default none */
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

  constructor(readonly document: GlobalConfigurationDocument, readonly signed: SignedGlobalConfiguration) {
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
 * Verifies a signed configuration against the anchor: the header signature, the document hash, the instance and
 * the header/document agreement. Expiry is not checked here — the caller decides what to do with an old copy.
 */
export function verifyGlobalConfiguration(signed: SignedGlobalConfiguration, anchor: Anchor): GlobalConfiguration {
  const headerBytes = Buffer.from(signed.header ?? '', 'base64');
  const header = parseJson(headerBytes.toString('utf8'), 'header') as Partial<SignedHeader>;
  if (header.type !== GLOBAL_CONFIGURATION_TYPE) throw new GlobalConfigurationError(`Unknown configuration type ${header.type}`);
  if (header.documentSha256 !== sha256Base64(signed.document ?? '')) {
    throw new GlobalConfigurationError('The global configuration document does not match its signed hash');
  }
  const parsed = documentSchema.safeParse(parseJson(signed.document, 'document'));
  if (!parsed.success) throw new GlobalConfigurationError(`Malformed global configuration: ${parsed.error.issues[0]?.message}`);
  const document = parsed.data;
  // The signing key: the anchor's, or one its rotations (the holder's and the document's own) lead to.
  const trusted = trustedCentralKeys(anchor.instance, [anchor.publicKey], [...(anchor.rotations ?? []), ...document.centralKeyRotations]);
  const key = trusted.get(String(header.keyId));
  if (!key || !verifySignature(key.publicKey, headerBytes, Buffer.from(signed.signature ?? '', 'base64'))) {
    throw new GlobalConfigurationError('The global configuration signature does not verify with the anchor key or a key it rotated to');
  }
  if (key.retiredAtMs !== undefined && !(Date.parse(document.generatedAt) < key.retiredAtMs)) {
    throw new GlobalConfigurationError(`The global configuration is signed by central key ${header.keyId}, retired since ${new Date(key.retiredAtMs).toISOString()}`);
  }
  if (document.instance !== anchor.instance || header.instance !== anchor.instance) {
    throw new GlobalConfigurationError(`The configuration is for instance ${document.instance}, the anchor for ${anchor.instance}`);
  }
  if (document.generatedAt !== header.generatedAt || document.expiresAt !== header.expiresAt || document.version !== header.version) {
    throw new GlobalConfigurationError('The configuration validity or version does not match its signed header');
  }
  const foreign = foreignParty(document);
  if (foreign) throw new GlobalConfigurationError(`The configuration of ${document.instance} names ${foreign}, which is not of its instance`);
  return new GlobalConfiguration(document, signed);
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
