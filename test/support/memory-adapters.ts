/**
 * In-memory adapters for the core's ports (`lambdas/core/kernel/ports.ts` and each feature's `ports.ts`), for unit
 * tests that exercise the protocol core without the local ecosystem. Each keeps the contract its AWS adapter documents — a second record with the same
 * key is refused, seals are first-writer-wins, bodies are content-addressed — and can be made to fail (`failing`),
 * throwing the port error the real adapter throws.
 */
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import type { AllowedAgency, GlobalGroup, RegistryEntry } from '../../lambdas/core/central/registry';
import type { CentralKeyRotation } from '../../lambdas/core/trust/central-keys';
import { accessPolicySchema, type AccessPolicy, type AccessPolicyInput } from '../../lambdas/core/exchange/settings';
import type { FederatedInstance, SignedGlobalConfiguration } from '../../lambdas/core/trust/global-configuration';
import type { HttpRequest, HttpResponse } from '../../lambdas/core/kernel/http';
import type { MessageLogRecord } from '../../lambdas/core/log/records';
import {
  DuplicateRecordError,
  HttpClientError,
  StoreUnavailableError,
  type Clock,
  type HttpClient,
  type OutboundRequest,
  type Signer,
} from '../../lambdas/core/kernel/ports';
import type { BodyStore, MessageLog, SealLeaf, SealStore } from '../../lambdas/core/log/ports';
import type { ConfigurationArchive, KeptConfiguration } from '../../lambdas/core/trust/ports';
import type { GatewayConfigStore, OperationalMonitor, ServiceDescriptions } from '../../lambdas/core/exchange/ports';
import type { OpmonRecord } from '../../lambdas/core/exchange/opmon';
import type { ConfigurationDistribution, Registry } from '../../lambdas/core/central/ports';
import { parseSeal, recordHash, sealKey, windowOf, type Seal, type SealHeader } from '../../lambdas/core/log/seal';

export interface TestKey extends Signer {
  readonly privateKey: KeyObject;
  /** DER SubjectPublicKeyInfo. */
  readonly spki: Buffer;
  /** DER SubjectPublicKeyInfo, base64. */
  readonly spkiBase64: string;
  /** Synchronous signature, for tests that craft signed bytes themselves. */
  signSync(message: Buffer): Buffer;
}

/** An ECDSA P-256 key (KMS's ECC_NIST_P256): `sign` gives a DER signature over SHA-256, `publicKey` DER SPKI. */
export function newTestKey(): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  const signSync = (message: Buffer) => sign('sha256', message, privateKey);
  return {
    privateKey,
    spki,
    spkiBase64: spki.toString('base64'),
    signSync,
    sign: async (message: Buffer) => signSync(message),
    publicKey: async () => spki,
  };
}

/** A clock that only moves when the test says so. */
export class ManualClock implements Clock {
  constructor(public ms: number = Date.parse('2025-01-01T00:00:00.000Z')) {}
  now = (): number => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
  set(ms: number): void {
    this.ms = ms;
  }
}

/** `MessageLog` and `SealStore` of one gateway, as its table holds them (records with hash and window; seals). */
export class MemoryMessageLog implements MessageLog, SealStore {
  readonly records = new Map<string, { record: MessageLogRecord; recordHash: string; window: number }>();
  readonly seals: Seal[] = [];
  /** Makes every write fail as an unreachable table does. */
  failing = false;

  constructor(private readonly intervalSeconds = 60) {}

  async append(record: MessageLogRecord): Promise<void> {
    if (this.failing) throw new StoreUnavailableError('message-log', 'The message log could not be written');
    const key = sealKey(record);
    if (this.records.has(key)) throw new DuplicateRecordError(`A record ${key} exists already`);
    this.records.set(key, {
      record,
      recordHash: recordHash(record).toString('base64'),
      window: windowOf(Date.parse(record.loggedAt), this.intervalSeconds),
    });
  }

  async find(client: string, xRoadId: string): Promise<MessageLogRecord[]> {
    return [...this.records.values()].map((entry) => entry.record).filter((record) => record.client === client && record.xRoadId === xRoadId);
  }

  /** Every record, with the hash stored at logging time (what an audit reads). */
  all(): (MessageLogRecord & { storedHash: string })[] {
    return [...this.records.values()].map((entry) => ({ ...entry.record, storedHash: entry.recordHash }));
  }

  async latestSeal(): Promise<Seal | undefined> {
    return this.seals.at(-1);
  }

  async listSeals(): Promise<Seal[]> {
    return [...this.seals];
  }

  async putSeal(seal: Seal, header: SealHeader): Promise<boolean> {
    if (this.failing) throw new StoreUnavailableError('seals', 'The seals could not be written');
    if (this.seals.some((existing) => parseSeal(existing).fromWindow === header.fromWindow)) return false;
    this.seals.push(seal);
    this.seals.sort((a, b) => parseSeal(a).fromWindow - parseSeal(b).fromWindow);
    return true;
  }

  async leavesInWindows(fromWindow: number, toWindow: number): Promise<SealLeaf[]> {
    return [...this.records.entries()]
      .filter(([, entry]) => entry.window >= fromWindow && entry.window <= toWindow)
      .map(([key, entry]) => ({ key, loggedAt: entry.record.loggedAt, recordHash: entry.recordHash }));
  }
}

/** What a deployment writes into a gateway's table: the access policy and the services' OpenAPI descriptions and WSDLs. */
export class MemoryGatewayConfig implements GatewayConfigStore, ServiceDescriptions {
  private policy: AccessPolicy = accessPolicySchema.parse({ accessRights: [] });
  /** OpenAPI descriptions by `SUBSYSTEM/CODE`. */
  readonly descriptions = new Map<string, unknown>();
  /** WSDLs by `SUBSYSTEM/CODE`. */
  readonly wsdls = new Map<string, string>();
  /** Makes every read (policy, descriptions, WSDLs) fail as an unreachable table does. */
  failing = false;

  setAccessPolicy(policy: AccessPolicyInput): void {
    this.policy = accessPolicySchema.parse(policy);
  }

  async accessPolicy(): Promise<AccessPolicy> {
    if (this.failing) throw new StoreUnavailableError('gateway-config', 'The access policy could not be read');
    return this.policy;
  }

  async get(subsystem: string, serviceCode: string): Promise<unknown | undefined> {
    if (this.failing) throw new StoreUnavailableError('gateway-config', `The description of ${subsystem}/${serviceCode} could not be read`);
    return this.descriptions.get(`${subsystem}/${serviceCode}`);
  }

  async wsdl(subsystem: string, serviceCode: string): Promise<string | undefined> {
    if (this.failing) throw new StoreUnavailableError('gateway-config', `The WSDL of ${subsystem}/${serviceCode} could not be read`);
    return this.wsdls.get(`${subsystem}/${serviceCode}`);
  }
}

/** `BodyStore` in memory: content-addressed like the S3 adapter; `failing` makes every write fail. */
export class MemoryBodyStore implements BodyStore {
  readonly objects = new Map<string, Buffer>();
  failing = false;
  async put(body: Buffer, sha256Hex: string, purpose: 'log' | 'transfer'): Promise<string> {
    if (this.failing) throw new StoreUnavailableError('body-store', 'The body store could not be written');
    const location = `memory://${purpose}/${sha256Hex}`;
    this.objects.set(location, body);
    return location;
  }
  async get(location: string): Promise<Buffer> {
    const body = this.objects.get(location);
    if (!body) throw new StoreUnavailableError('body-store', `No body at ${location}`);
    return body;
  }
  async shareUrl(location: string): Promise<string> {
    return `https://bodies.test/${encodeURIComponent(location)}`;
  }
}

export class MemoryRegistry implements Registry {
  readonly entries = new Map<string, RegistryEntry>();
  version = 0;
  rotations: CentralKeyRotation[] = [];
  federation: FederatedInstance[] = [];
  constructor(
    public allowed: AllowedAgency[] = [],
    public groups: GlobalGroup[] = [],
  ) {}
  async remove(agency: string): Promise<boolean> {
    return this.entries.delete(agency);
  }
  async nextConfigurationVersion(): Promise<number> {
    return ++this.version;
  }
  async centralKeyRotations(): Promise<CentralKeyRotation[]> {
    return [...this.rotations];
  }
  async appendCentralKeyRotation(rotation: CentralKeyRotation, count: number): Promise<boolean> {
    if (this.rotations.length !== count) return false;
    this.rotations.push(rotation);
    return true;
  }
  async allowList(): Promise<AllowedAgency[]> {
    return this.allowed;
  }
  async globalGroups(): Promise<GlobalGroup[]> {
    return this.groups;
  }
  async federatedInstances(): Promise<FederatedInstance[]> {
    return this.federation;
  }
  async put(entry: RegistryEntry): Promise<void> {
    this.entries.set(entry.agency, entry);
  }
  async list(): Promise<RegistryEntry[]> {
    return [...this.entries.values()];
  }
}

/** `ConfigurationArchive` in memory: the newest kept copy (only a higher version replaces it) and one per key set. */
export class MemoryConfigurationArchive implements ConfigurationArchive {
  newest?: { version: number; signed: SignedGlobalConfiguration };
  readonly keySets = new Map<string, { version: number; signed: SignedGlobalConfiguration }>();
  keeps = 0;
  /** Keeps that asked for a history write (not `keySetKept`). */
  historyWrites = 0;
  reads = 0;
  /** Reads (`latest`, `history`) or writes (`keep`) throw `StoreUnavailableError` while set. */
  failing: { reads?: boolean; writes?: boolean } = {};
  async latest(): Promise<SignedGlobalConfiguration | undefined> {
    this.reads += 1;
    if (this.failing.reads) throw new StoreUnavailableError('gateway-config', 'The kept configuration could not be read');
    return this.newest?.signed;
  }
  async keep(configuration: KeptConfiguration): Promise<void> {
    if (this.failing.writes) throw new StoreUnavailableError('gateway-config', 'The configuration could not be kept');
    this.keeps += 1;
    if (!this.newest || this.newest.version < configuration.version) this.newest = { version: configuration.version, signed: configuration.signed };
    if (!configuration.keySetKept) this.historyWrites += 1;
    if (!configuration.keySetKept && !this.keySets.has(configuration.keySetId))
      this.keySets.set(configuration.keySetId, { version: configuration.version, signed: configuration.signed });
  }
  async history(): Promise<SignedGlobalConfiguration[]> {
    if (this.failing.reads) throw new StoreUnavailableError('gateway-config', 'The configuration history could not be read');
    return [...this.keySets.values()].sort((a, b) => a.version - b.version).map((entry) => entry.signed);
  }
}

/** `ConfigurationDistribution` keeping every publication, as the central's versioned bucket does; the newest is current. */
export class MemoryConfigurationDistribution implements ConfigurationDistribution {
  readonly published: { readonly version: number; readonly signed: SignedGlobalConfiguration; readonly document: string }[] = [];
  async publish(signed: SignedGlobalConfiguration, version: number): Promise<void> {
    this.published.push({ version, signed, document: signed.document });
  }
  async current(): Promise<SignedGlobalConfiguration | undefined> {
    return this.published.at(-1)?.signed;
  }
}

/** `OperationalMonitor` keeping every record, oldest first. */
export class MemoryOperationalMonitor implements OperationalMonitor {
  readonly records: OpmonRecord[] = [];
  record(record: OpmonRecord): void {
    this.records.push(record);
  }
}

/** Answers a request routed to it, as a front (API Gateway) would pass it on. */
export type InProcessHandler = (request: HttpRequest) => Promise<HttpResponse>;

/**
 * `HttpClient` that delivers each call to the handler registered for the URL's base (a gateway's API, a backend),
 * with the path and query as sent, unchanged; records every call. An unknown base is `unreachable`, an answer above
 * `maxResponseBytes` `too-large`, as `NodeHttpClient` has them. No wall clock: a handler scripts a timeout by throwing
 * `HttpClientError('timeout')`.
 */
export class InProcessHttpClient implements HttpClient {
  private readonly routes = new Map<string, InProcessHandler>();
  readonly sent: OutboundRequest[] = [];

  route(baseUrl: string, handler: InProcessHandler): this {
    this.routes.set(baseUrl.replace(/\/+$/, ''), handler);
    return this;
  }

  async send(request: OutboundRequest): Promise<HttpResponse> {
    this.sent.push(request);
    for (const [base, handler] of this.routes) {
      if (request.url !== base && !request.url.startsWith(`${base}/`) && !request.url.startsWith(`${base}?`)) continue;
      const target = request.url.slice(base.length) || '/';
      const queryAt = target.indexOf('?');
      const response = await handler({
        method: request.method,
        rawPath: queryAt < 0 ? target : target.slice(0, queryAt),
        rawQuery: queryAt < 0 ? '' : target.slice(queryAt + 1),
        headers: request.headers,
        body: request.body,
      });
      if (request.maxResponseBytes !== undefined && response.body.length > request.maxResponseBytes) {
        throw new HttpClientError('too-large', `The answer of ${base} exceeds ${request.maxResponseBytes} bytes`);
      }
      return response;
    }
    throw new HttpClientError('unreachable', `Nothing answers at ${request.url}`);
  }
}
