/**
 * The ports the protocol core depends on, all in one place. AWS implementations live in `lambdas/adapters/`
 * (DynamoDB, KMS, S3, node:http); unit tests of the core use the in-memory ones in `test/support/`. Nothing here
 * knows about AWS. An adapter reports failure with the port errors at the end of this file; the core turns them into
 * X-Road errors in one place (`portFault` in `errors.ts`).
 */
import type { AllowedAgency, GlobalGroup, RegistryEntry } from './central';
import type { CentralKeyRotation } from './central-keys';
import type { AccessPolicy } from './gateway-settings';
import type { FederatedInstance, SignedGlobalConfiguration } from './global-configuration';
import type { Headers, HttpResponse } from './http';
import type { MessageLogRecord } from './message-log';
import type { Seal, SealHeader } from './seal';

/** Signs bytes with a gateway's (or the central server's) private key; ECDSA P-256 over SHA-256, DER output. */
export interface Signer {
  sign(message: Buffer): Promise<Buffer>;
  /** The DER SubjectPublicKeyInfo of the signing key, as published in the global configuration. */
  publicKey(): Promise<Buffer>;
}

/**
 * A party's signing keys, which rotate: the key that signs now, and the keys to publish (the current one, plus its
 * successor announced before the switch or its predecessor kept while messages it signed may still be in flight).
 */
export interface KeyRing {
  /** The key to sign with; take it once per use, so a key id and a signature made with it agree. */
  current(): Promise<Signer>;
  /** Every key to publish in the global configuration, each proven by a signature at join. */
  published(): Promise<Signer[]>;
}

/** A key ring of one key that never rotates (tests, and deployments before their first rotation). */
export const singleKeyRing = (signer: Signer): KeyRing => ({ current: async () => signer, published: async () => [signer] });

/** Milliseconds since the epoch; a port so tests and the local runtime can control time. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/**
 * An outgoing HTTP call (to a backend or to another gateway): sent exactly as given — no added end-to-end headers,
 * no content decoding, redirects not followed. `url` is used as is (never normalized).
 */
export interface OutboundRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Headers;
  readonly body: Buffer;
  readonly timeoutMs: number;
  /** Gives up (`too-large`) on an answer body above this size. @default - no limit */
  readonly maxResponseBytes?: number;
}

export interface HttpClient {
  /** Resolves with any HTTP response; rejects with `HttpClientError` when no response arrived. */
  send(request: OutboundRequest): Promise<HttpResponse>;
}

/** Why an outbound call produced no response. */
export class HttpClientError extends Error {
  constructor(
    readonly reason: 'unreachable' | 'timeout' | 'too-large',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'HttpClientError';
  }
}


/**
 * Where bodies too large for a log record live (the gateway's own S3 bucket). Content-addressed by SHA-256: a body
 * is stored once however often it is sent, and a replayed message can never overwrite another exchange's body.
 */
export interface BodyStore {
  /** Stores the body; returns its location (`s3://bucket/key`). */
  put(body: Buffer, sha256Hex: string, purpose: 'log' | 'transfer'): Promise<string>;
  get(location: string): Promise<Buffer>;
  /** A URL another gateway can GET the body from without credentials, valid for `ttlSeconds`. */
  shareUrl(location: string, ttlSeconds: number): Promise<string>;
}

/** The message log: one record per request and per response, on each side of an exchange. */
export interface MessageLog {
  /** Writes the record unless one with the same key exists (`DuplicateRecordError`). */
  append(record: MessageLogRecord): Promise<void>;
  /** All records of one exchange, on this gateway. */
  find(client: string, xRoadId: string): Promise<MessageLogRecord[]>;
}

/** A record as the sealing index holds it. */
export interface SealLeaf {
  /** `<client> <X-Road-Id> <side>#<direction>`, the tie-breaker after `loggedAt`. */
  readonly key: string;
  readonly loggedAt: string;
  /** base64 */
  readonly recordHash: string;
}

/** Where seals and the sealing index live (the gateway's message-log table). */
export interface SealStore {
  latestSeal(): Promise<Seal | undefined>;
  /** All seals, oldest first. */
  listSeals(): Promise<Seal[]>;
  /** Writes a seal unless one starting at the same window exists (another sealer won the race). */
  putSeal(seal: Seal, header: SealHeader): Promise<boolean>;
  /** The leaves of every record logged in windows `from`…`to`. */
  leavesInWindows(fromWindow: number, toWindow: number): Promise<SealLeaf[]>;
}

/** What the deployment wrote into a gateway's table: its access policy and its services' OpenAPI descriptions. */
export interface GatewayConfigStore {
  /** The access policy; none written means no rights (deny all). */
  accessPolicy(): Promise<AccessPolicy>;
}

/** Reads a service's OpenAPI description; undefined when it has none. */
export interface ServiceDescriptions {
  get(subsystem: string, serviceCode: string): Promise<unknown | undefined>;
}

/** The central registry (DynamoDB in AWS and locally). */
export interface Registry {
  put(entry: RegistryEntry): Promise<void>;
  list(): Promise<RegistryEntry[]>;
  /** Removes an agency's entry (the central operator revokes it); false when there was none. */
  remove(agency: string): Promise<boolean>;
  /** The next global configuration version: one more than the last handed out, never reused. */
  nextConfigurationVersion(): Promise<number>;
  /** The central key rotations so far, oldest first (published in every configuration). */
  centralKeyRotations(): Promise<CentralKeyRotation[]>;
  /** Appends a rotation unless the chain has grown past `count` meanwhile (another publisher recorded it); false then. */
  appendCentralKeyRotation(rotation: CentralKeyRotation, count: number): Promise<boolean>;
  /** The join allow-list the deployment wrote; empty when none was written. */
  allowList(): Promise<AllowedAgency[]>;
  /** The global groups the deployment wrote; empty when none were written. */
  globalGroups(): Promise<GlobalGroup[]>;
  /** The federated instances the deployment wrote; empty when none were written. */
  federatedInstances(): Promise<FederatedInstance[]>;
}

/**
 * Where the central puts every configuration it publishes: each version as an immutable object (kept, so any past
 * configuration can be produced), and the newest as the one readers fetch — from a cache in front of the store.
 */
export interface ConfigurationDistribution {
  publish(signed: SignedGlobalConfiguration, version: number): Promise<void>;
  /** The newest published; undefined before the first. */
  current(): Promise<SignedGlobalConfiguration | undefined>;
}

/** Fetches the signed global configuration from where the central publishes it. */
export interface GlobalConfigurationFetcher {
  /**
   * The first answer `accept` takes (it throws for one it refuses — unsigned, expired, older than the one held — and
   * the next source is tried). @default accept any
   */
  fetch(accept?: (signed: SignedGlobalConfiguration) => void): Promise<SignedGlobalConfiguration>;
}

/**
 * A gateway's own copies of the global configuration (its table): the newest it accepted — what a fresh container
 * starts from and the floor below which it accepts no configuration — and the history of every key set it saw,
 * which evidence and audits look old keys up in after a rotation.
 */
export interface ConfigurationArchive {
  /** The newest configuration kept; undefined before the first. */
  latest(): Promise<SignedGlobalConfiguration | undefined>;
  /** Keeps a configuration this gateway accepted (newer ones only replace the newest; each new key set enters the history). */
  keep(configuration: { readonly version: number; readonly signed: SignedGlobalConfiguration; readonly keySetId: string }): Promise<void>;
  /** The history: the first configuration of each key set seen, oldest first. */
  history(): Promise<SignedGlobalConfiguration[]>;
}

// Port errors: what an adapter throws; `portFault` (errors.ts) maps them to X-Road errors.

/** A conditional write found an existing item: the record (e.g. a message id) was already there. */
export class DuplicateRecordError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DuplicateRecordError';
  }
}

/** Which store failed: it decides the X-Road error (a log that cannot be written stops the exchange). */
export type StoreName = 'message-log' | 'body-store' | 'seals' | 'gateway-config' | 'registry';

/** A store could not be reached or refused the operation (throttling, outage, missing table). */
export class StoreUnavailableError extends Error {
  constructor(
    readonly store: StoreName,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}

/** The signing key (KMS) could not be used. */
export class SigningUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SigningUnavailableError';
  }
}
