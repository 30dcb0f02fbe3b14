/**
 * The central server: the registry of members and gateways, joining it, and publishing the signed global
 * configuration built from it.
 *
 * Joining is authorized by AWS identity: the front (API Gateway with IAM auth, or the local runtime verifying
 * SigV4) tells us the caller's account; the central settings list which account may register which agency and
 * member. A join replaces the agency's previous entry, so re-deploying an agency is idempotent; removing the
 * entry revokes it at the next configuration refresh.
 */
import { createPublicKey } from 'node:crypto';
import * as z from 'zod';
import { clientError, errorResponse, LayerFault, XRoadError } from './errors';
import { signGlobalConfiguration, type FederatedInstance, type GlobalConfigurationDocument, type SignedGlobalConfiguration, GLOBAL_CONFIGURATION_TYPE } from './global-configuration';
import { jsonResponse, type HttpRequest, type HttpResponse } from './http';
import { clientIdOf, invalidPartReason } from './identifiers';
import { METADATA_SERVICES } from './metadata';
import type { Clock, ConfigurationDistribution, KeyRing, Registry, Signer } from './ports';
import { signCentralKeyRotation, type CentralKeyRotation } from './central-keys';
import { isLoopbackHost, nonPublicHostReason } from './network-addresses';
import { keyIdOf, verifySignature } from './signatures';

export const centralSettingsSchema = z.object({
  instance: z.string(),
  memberClasses: z.array(z.string()),
  /** How long a generated configuration stays valid. X-Road's default: 600 s. */
  validitySeconds: z.number().int().positive().default(600),
  /** How long one generated configuration is served before the next is generated. X-Road's default: 60 s. */
  generationSeconds: z.number().int().positive().default(60),
  /** Accept gateway URLs on private, link-local or other non-public addresses (gateways that share a network). */
  allowPrivateProviderUrls: z.boolean().default(false),
  /** Local runtime only: accept `http://` gateway URLs on loopback addresses. */
  insecureLoopbackHttp: z.boolean().default(false),
  /** How long the central signs with the key ring it read last (a central key rotation takes over within it). */
  keyRingRefreshSeconds: z.number().int().positive().default(10),
  /** How far a join's `signedAt` may be from the central clock. */
  joinMaxSkewSeconds: z.number().int().positive().default(300),
});

export type CentralSettings = z.infer<typeof centralSettingsSchema>;
export type CentralSettingsInput = z.input<typeof centralSettingsSchema>;

/** The body of `POST /join`. */
export const joinRequestSchema = z.object({
  agency: z.string().min(1).max(64),
  /** The member's display name comes from the central config; a name sent here is ignored. */
  member: z.object({ id: z.string(), name: z.string().max(255).optional() }),
  subsystems: z.array(z.string()).min(1).max(100),
  services: z.array(z.object({ subsystem: z.string(), code: z.string() })).max(1000),
  gateway: z.object({
    id: z.string(),
    providerUrl: z.url({ protocol: /^https?$/ }),
    /** DER SPKI public keys, base64: the current key, plus the next one during a rotation. */
    publicKeys: z.array(z.string().min(1).max(1024)).min(1).max(4),
  }),
  /** When the joiner signed the proofs. */
  signedAt: z.iso.datetime(),
  /** Proof of possession: per public key (same order), its DER signature (base64) over `joinProofBytes`. */
  proofs: z.array(z.string().min(1).max(256)).min(1).max(4),
});

export type JoinRequest = z.infer<typeof joinRequestSchema>;
/** A join before it is signed. */
export type UnsignedJoinRequest = Omit<JoinRequest, 'signedAt' | 'proofs'>;

export const JOIN_PROOF_TYPE = 'sild.join-proof.v1';

/**
 * The bytes each registered key signs: the whole request in a fixed field order, with a type no other Sild
 * signature carries (a manifest, certificate or seal signed by the same key can never pass as a join proof).
 */
export function joinProofBytes(request: UnsignedJoinRequest, signedAt: string): Buffer {
  return Buffer.from(
    JSON.stringify({
      type: JOIN_PROOF_TYPE,
      agency: request.agency,
      member: request.member.id,
      subsystems: request.subsystems,
      services: request.services.map((service) => [service.subsystem, service.code]),
      gateway: [request.gateway.id, request.gateway.providerUrl, request.gateway.publicKeys],
      signedAt,
    }),
  );
}

/**
 * What a gateway registers with the central: what the central publishes about it, besides its provider URL and its
 * keys — nothing else of the gateway's settings (its backends, maintenance, signing or logging) reaches the central,
 * so changing those never needs the central.
 */
export interface GatewayRegistration {
  /** The agency name the join allow-list knows. */
  readonly agency: string;
  /** The owning member `INST/CLASS/CODE`. */
  readonly member: string;
  /** The gateway's server id `INST/CLASS/CODE/SERVERCODE`. */
  readonly gatewayId: string;
  /** The member's subsystems this gateway serves. */
  readonly subsystems: readonly string[];
  /** The services it offers (ids only). */
  readonly services: readonly { readonly subsystem: string; readonly code: string }[];
}

/** The join request a gateway sends, from its registration and its public keys (to be signed with each). */
export function joinRequestFor(registration: GatewayRegistration, providerUrl: string, publicKeys: readonly Buffer[]): UnsignedJoinRequest {
  return {
    agency: registration.agency,
    member: { id: registration.member },
    subsystems: [...registration.subsystems],
    services: registration.services.map((service) => ({ subsystem: service.subsystem, code: service.code })),
    gateway: { id: registration.gatewayId, providerUrl, publicKeys: publicKeys.map((key) => key.toString('base64')) },
  };
}

/** The join a gateway sends: its registration and every key its ring publishes, each proving possession. */
export async function signedJoinRequest(registration: GatewayRegistration, providerUrl: string, keys: KeyRing, nowMs: number): Promise<JoinRequest> {
  const signers = await keys.published();
  const publicKeys = await Promise.all(signers.map((signer) => signer.publicKey()));
  return signJoinRequest(joinRequestFor(registration, providerUrl, publicKeys), signers, nowMs);
}

/** Signs a join with the gateway's key(s): one proof per public key, in order. */
export async function signJoinRequest(request: UnsignedJoinRequest, signers: readonly Signer[], nowMs: number): Promise<JoinRequest> {
  const signedAt = new Date(nowMs).toISOString();
  const bytes = joinProofBytes(request, signedAt);
  const proofs = await Promise.all(signers.map(async (signer) => (await signer.sign(bytes)).toString('base64')));
  return { ...request, signedAt, proofs };
}

/** One agency's entry in the registry: the verified join (its proofs checked), the member's name from the allow-list. */
export interface RegistryEntry extends Omit<JoinRequest, 'member' | 'signedAt' | 'proofs'> {
  readonly member: { readonly id: string; readonly name: string };
  readonly account: string;
  readonly joinedAt: string;
}

/**
 * Who may join: the AWS account that deploys each agency, and the member it registers. The deployment writes it
 * into the registry (it grows with the ecosystem; a function environment is limited to 4 KB).
 */
export interface AllowedAgency {
  readonly name: string;
  readonly account: string;
  readonly member: string;
  /** The member's display name, as the central operator registered it. */
  readonly memberName?: string;
}

/** A global group as the deployment defines it (the central config); published as `INST/code`. */
export interface GlobalGroup {
  readonly code: string;
  readonly description: string;
  readonly members: readonly string[];
}

export interface CentralDeps {
  readonly settings: CentralSettings;
  readonly registry: Registry;
  /** The central signing key(s): the current one signs each configuration. */
  readonly keys: KeyRing;
  readonly clock: Clock;
}

/** Checks a join against the allow-list and the identifier rules, then stores it. */
export async function join(request: HttpRequest, deps: CentralDeps): Promise<HttpResponse> {
  const account = request.identity?.accountId;
  if (!account) throw new XRoadError('Client', 'Unauthorized', 'Joining requires an authenticated AWS identity');
  const body = parseJson(request.body);
  const parsed = joinRequestSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw clientError('BadRequest', `Invalid join request at ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  const joinRequest = parsed.data;
  const allowed = (await deps.registry.allowList()).find((agency) => agency.name === joinRequest.agency);
  if (!allowed || allowed.account !== account) {
    throw new XRoadError('Client', 'Unauthorized', `Account ${account} may not register agency ${joinRequest.agency}`);
  }
  if (joinRequest.member.id !== allowed.member) {
    throw new XRoadError('Client', 'Unauthorized', `Agency ${joinRequest.agency} may register member ${allowed.member} only`);
  }
  validateJoin(joinRequest, deps.settings, deps.clock.now());
  const { signedAt: _signedAt, proofs: _proofs, ...verified } = joinRequest;
  const member = { id: joinRequest.member.id, name: allowed.memberName ?? allowed.name };
  const entry: RegistryEntry = { ...verified, member, account, joinedAt: new Date(deps.clock.now()).toISOString() };
  await deps.registry.put(entry);
  return jsonResponse(200, { agency: entry.agency, member: entry.member.id, gateway: entry.gateway.id, keyIds: entry.gateway.publicKeys.map((key) => keyIdOf(Buffer.from(key, 'base64'))) });
}

/**
 * A join asserts only what it may: well-formed identifiers of the joining member, a gateway URL other gateways
 * can safely call, and keys the joiner proves it holds.
 */
function validateJoin(request: JoinRequest, settings: CentralSettings, nowMs: number): void {
  const member = clientIdOf(request.member.id.split('/'), 'BadRequest');
  if (member.subsystemCode !== undefined) throw clientError('BadRequest', 'member.id must be INSTANCE/CLASS/CODE');
  if (member.instance !== settings.instance) throw clientError('BadRequest', `member.id must be in instance ${settings.instance}`);
  if (!settings.memberClasses.includes(member.memberClass)) throw clientError('BadRequest', `Unknown member class ${member.memberClass}`);
  const gatewayParts = request.gateway.id.split('/');
  if (gatewayParts.length !== 4 || `${gatewayParts.slice(0, 3).join('/')}` !== request.member.id || invalidPartReason(gatewayParts[3])) {
    throw clientError('BadRequest', 'gateway.id must be MEMBER/SERVERCODE of the joining member');
  }
  for (const code of [...request.subsystems, ...request.services.flatMap((service) => [service.subsystem, service.code])]) {
    const reason = invalidPartReason(code);
    if (reason) throw clientError('BadRequest', `Identifier part ${JSON.stringify(code.slice(0, 64))} ${reason}`);
  }
  for (const service of request.services) {
    if (METADATA_SERVICES.has(service.code)) throw clientError('BadRequest', `Service code ${service.code} is reserved for metadata services`);
    if (!request.subsystems.includes(service.subsystem)) throw clientError('BadRequest', `Service ${service.code} names unknown subsystem ${service.subsystem}`);
  }
  validateProviderUrl(request.gateway.providerUrl, settings);
  for (const key of request.gateway.publicKeys) {
    // Parse it now, so a bad key is refused at join rather than breaking every gateway that verifies with it.
    let parsed;
    try {
      parsed = createPublicKey({ key: Buffer.from(key, 'base64'), format: 'der', type: 'spki' });
    } catch {
      throw clientError('BadRequest', 'gateway.publicKeys must be DER SubjectPublicKeyInfo keys, base64');
    }
    if (parsed.asymmetricKeyType !== 'ec' || parsed.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
      throw clientError('BadRequest', 'gateway.publicKeys must be ECDSA P-256 keys (KMS ECC_NIST_P256)');
    }
  }
  // Proof of possession: each key signed this very request, recently — nobody registers a key it does not hold.
  if (!(Math.abs(nowMs - Date.parse(request.signedAt)) <= settings.joinMaxSkewSeconds * 1000)) {
    throw clientError('BadRequest', `signedAt ${request.signedAt} is more than ${settings.joinMaxSkewSeconds} s from the central clock`);
  }
  if (request.proofs.length !== request.gateway.publicKeys.length) throw clientError('BadRequest', 'proofs must hold one signature per public key');
  const bytes = joinProofBytes(request, request.signedAt);
  request.gateway.publicKeys.forEach((key, index) => {
    if (!verifySignature(key, bytes, Buffer.from(request.proofs[index], 'base64'))) {
      throw clientError('BadRequest', `proofs.${index}: not a signature of this join request by gateway.publicKeys.${index}`);
    }
  });
}

/** `https` on a public address; loopback `http` only in the local runtime; private addresses only when allowed. */
function validateProviderUrl(providerUrl: string, settings: CentralSettings): void {
  const url = new URL(providerUrl);
  const localHttp = settings.insecureLoopbackHttp && url.protocol === 'http:' && isLoopbackHost(url.hostname);
  if (url.protocol !== 'https:' && !localHttp) throw clientError('BadRequest', 'gateway.providerUrl must be an https URL');
  if (url.username || url.password || url.search || url.hash) throw clientError('BadRequest', 'gateway.providerUrl must not carry credentials, a query or a fragment');
  const reason = localHttp ? undefined : nonPublicHostReason(url.hostname);
  if (reason && !settings.allowPrivateProviderUrls) throw clientError('BadRequest', `gateway.providerUrl: ${reason} (other gateways would call into their own network)`);
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw clientError('BadRequest', 'The request body is not valid JSON');
  }
}

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
export function buildGlobalConfiguration(entries: readonly RegistryEntry[], settings: CentralSettings, nowMs: number, extras: ConfigurationExtras = {}): GlobalConfigurationDocument {
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
    services: sorted.flatMap((entry) => entry.services.map((service) => ({ id: `${entry.member.id}/${service.subsystem}/${service.code}`, gateway: entry.gateway.id }))),
    globalGroups: (extras.globalGroups ?? []).map((group) => ({ id: `${settings.instance}/${group.code}`, description: group.description, members: [...group.members] })),
    centralKeyRotations: [...(extras.centralKeyRotations ?? [])],
    federatedInstances: [...(extras.federatedInstances ?? [])].sort((a, b) => a.instance.localeCompare(b.instance)),
  };
}

/**
 * Generates the next signed configuration from the registry: a new version, the entries still on the allow-list,
 * the global groups, central key rotations and federated instances, signed with the current central key.
 */
export async function generateGlobalConfiguration(deps: CentralDeps): Promise<SignedGlobalConfiguration> {
  const [entries, globalGroups, allowList, federatedInstances] = await Promise.all([deps.registry.list(), deps.registry.globalGroups(), deps.registry.allowList(), deps.registry.federatedInstances()]);
  const signer = await deps.keys.current();
  const centralKeyRotations = await handOver(deps, signer);
  const version = await deps.registry.nextConfigurationVersion();
  const document = buildGlobalConfiguration(entries, deps.settings, deps.clock.now(), { version, globalGroups, allowList, centralKeyRotations, federatedInstances });
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

/**
 * Publishes the global configuration: generates, signs and distributes the next version (on the central's schedule,
 * and at once after a join), and answers `GET /globalconf` with the newest distributed one — re-read at most every
 * `generationSeconds`, and published anew when the newest is older than that (a schedule that stalled). Readers
 * normally fetch the distributed objects from the cache in front of the store, which costs the central nothing.
 */
export class GlobalConfigurationPublisher {
  private current?: { signed: SignedGlobalConfiguration; readAt: number };
  private pending?: Promise<SignedGlobalConfiguration>;

  constructor(
    private readonly deps: CentralDeps,
    private readonly distribution: ConfigurationDistribution = new InMemoryDistribution(),
  ) {}

  /** Generates, signs and distributes the next configuration; concurrent calls share one. */
  publish(): Promise<SignedGlobalConfiguration> {
    this.pending ??= (async () => {
      try {
        const signed = await generateGlobalConfiguration(this.deps);
        await this.distribution.publish(signed, (JSON.parse(signed.document) as { version: number }).version);
        this.current = { signed, readAt: this.deps.clock.now() };
        return signed;
      } finally {
        this.pending = undefined;
      }
    })();
    return this.pending;
  }

  async signed(): Promise<SignedGlobalConfiguration> {
    const now = this.deps.clock.now();
    const generationMs = this.deps.settings.generationSeconds * 1000;
    if (this.current && now - this.current.readAt < generationMs) return this.current.signed;
    const newest = await this.distribution.current();
    if (newest && now - Date.parse((JSON.parse(newest.document) as { generatedAt: string }).generatedAt) < generationMs) {
      this.current = { signed: newest, readAt: now };
      return newest;
    }
    return this.publish();
  }
}

/** Where published configurations go when no store is given (tests): the newest, in memory. */
class InMemoryDistribution implements ConfigurationDistribution {
  private newest?: SignedGlobalConfiguration;
  async publish(signed: SignedGlobalConfiguration): Promise<void> {
    this.newest = signed;
  }
  async current(): Promise<SignedGlobalConfiguration | undefined> {
    return this.newest;
  }
}

/** Routes a central API request; never throws. */
export async function handleCentralRequest(request: HttpRequest, deps: CentralDeps, publisher: GlobalConfigurationPublisher): Promise<HttpResponse> {
  try {
    if (request.rawPath === '/globalconf' && request.method === 'GET') {
      return jsonResponse(200, await publisher.signed(), { 'cache-control': 'no-store' });
    }
    if (request.rawPath === '/join' && request.method === 'POST') {
      const response = await join(request, deps);
      // The new gateway (or its new keys) is published at once; should that fail, the next scheduled one has it.
      await publisher.publish().catch(() => undefined);
      return response;
    }
    throw clientError('NotFound', `No route ${request.method} ${request.rawPath.slice(0, 128)}`);
  } catch (error) {
    return errorResponse(error, 'Server.ClientProxy');
  }
}

