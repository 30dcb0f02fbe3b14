/**
 * A local stand-in for AWS KMS, speaking the KMS JSON 1.1 wire protocol well
 * enough that an unmodified `@aws-sdk/client-kms` `KMSClient` (pointed at
 * `endpoint: url`) can create, describe, alias, enable/disable, sign and
 * verify with ECC_NIST_P256 / ECDSA_SHA_256 keys.
 *
 * Scope is deliberately narrow: it exists so that local development and tests
 * can exercise Sild's signing path without an AWS account. It is not a KMS
 * emulator — any operation or key type Sild does not use is refused loudly
 * instead of being half-implemented.
 *
 * Wire protocol recap: `POST /`, `X-Amz-Target: TrentService.<Operation>`,
 * JSON bodies, blobs as base64 strings, timestamps as epoch seconds. Errors are
 * HTTP 4xx/5xx with `{"__type": "<ErrorName>", "message": "..."}`; the SDK turns
 * `__type` into the thrown error's `name`.
 *
 * As KMS does, it authenticates every request (SigV4, against the local principals) and authorizes it with the
 * caller's identity policies and the key's key policy (`iam`). Keys live in accounts: a caller names a key of its own
 * account by id or alias, another account's only by ARN, and the key policy decides whether it may use it. A key is
 * created in the caller's account; the operator (an administrator everywhere) creates a party's key in the party's
 * account, naming the party in the key's `sild:party` tag — the tag also says which stack key it stands for in IAM.
 */
import * as crypto from 'crypto';
import { p256 } from '@noble/curves/p256';
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import { signedCaller, type SignatureRefusal } from './iam/aws-caller';
import type { LocalPrincipal } from './iam/authorizer';
import { LocalIam, type IamResource } from './iam/local-iam';
import { readBody } from './read-body';

/** Options for {@link LocalKmsEndpoint.start}. */
export interface LocalKmsOptions {
  /** When set, keys and aliases persist in `<stateDir>/keys.json`. Otherwise memory only. */
  readonly stateDir?: string;
  /** Region used in ARNs. @default 'eu-north-1' */
  readonly region?: string;
  /** Account id used in ARNs. @default '000000000000' */
  readonly account?: string;
  /** TCP port. @default 0 (ephemeral) */
  readonly port?: number;
  /** Interface to bind. @default '127.0.0.1' */
  readonly host?: string;
  /** Who may call, and what they may do. @default - the operator alone */
  readonly iam?: LocalIam;
}

/** The tag naming the party whose signing key a key is (`central`, an agency's name). */
export const PARTY_TAG = 'sild:party';

/**
 * A fault injected into request handling, for robustness tests.
 * - `throttle`: HTTP 400 `ThrottlingException` (the SDK treats it as retryable).
 * - `unavailable`: HTTP 500 `KMSInternalException`.
 * - `delay`: wait `delayMs`, then answer normally.
 */
export interface KmsFault {
  /** Only affect this operation (e.g. `'Sign'`); all operations when omitted. */
  readonly operation?: string;
  readonly kind: 'throttle' | 'unavailable' | 'delay';
  /** Delay for `kind: 'delay'`. @default 0 */
  readonly delayMs?: number;
  /** Number of matching requests to affect before the fault clears itself; forever when omitted. */
  readonly remaining?: number;
}

const TARGET_PREFIX = 'TrentService.';
const JSON_CONTENT_TYPE = 'application/x-amz-json-1.1';
/** KMS's limit for RAW messages passed to Sign/Verify (https://docs.aws.amazon.com/kms/latest/APIReference/API_Sign.html: Message, 1–4096 bytes). */
const MAX_RAW_MESSAGE_BYTES = 4096;
/** Generous cap on request bodies so a runaway client cannot exhaust memory. */
const MAX_BODY_BYTES = 1024 * 1024;
/** SHA-256 digest size; the only DIGEST length KMS accepts for ECDSA_SHA_256. */
const SHA256_DIGEST_BYTES = 32;
const SUPPORTED_KEY_SPEC = 'ECC_NIST_P256';
const SUPPORTED_KEY_USAGE = 'SIGN_VERIFY';
const SUPPORTED_SIGNING_ALGORITHM = 'ECDSA_SHA_256';
/** Every algorithm name real KMS knows, so we can tell "malformed" from "wrong for this key". */
const KNOWN_SIGNING_ALGORITHMS: readonly string[] = [
  'RSASSA_PSS_SHA_256', 'RSASSA_PSS_SHA_384', 'RSASSA_PSS_SHA_512',
  'RSASSA_PKCS1_V1_5_SHA_256', 'RSASSA_PKCS1_V1_5_SHA_384', 'RSASSA_PKCS1_V1_5_SHA_512',
  'ECDSA_SHA_256', 'ECDSA_SHA_384', 'ECDSA_SHA_512', 'SM2DSA', 'ML_DSA_SHAKE_256', 'ED25519_SHA_512', 'ED25519_PH_SHA_512',
];
const STATE_FILE = 'keys.json';
const STATE_VERSION = 1;

type JsonObject = Record<string, unknown>;

/** An error that maps 1:1 onto a KMS wire error. */
class KmsError extends Error {
  constructor(readonly type: string, message: string, readonly status = 400) {
    super(message);
  }
}

/** In-memory form of a KMS key. */
interface KeyRecord {
  readonly keyId: string;
  /** The account the key lives in. */
  readonly account: string;
  /** The party whose signing key it is (its `sild:party` tag), if any. */
  readonly party?: string;
  readonly description: string;
  /** Epoch seconds, the unit the JSON protocol uses for timestamps. */
  readonly creationDate: number;
  enabled: boolean;
  readonly privateKey: crypto.KeyObject;
  readonly publicKeyDer: Buffer;
}

/** In-memory form of an alias; `name` includes the `alias/` prefix. */
interface AliasRecord {
  readonly name: string;
  /** Aliases are per account, as in KMS. @default the endpoint's account (state written before accounts) */
  readonly account?: string;
  readonly targetKeyId: string;
  readonly creationDate: number;
}

/** On-disk form of a key: the private key is PKCS#8 PEM. */
interface PersistedKey {
  readonly keyId: string;
  readonly account?: string;
  readonly party?: string;
  readonly description: string;
  readonly creationDate: number;
  readonly enabled: boolean;
  readonly privateKeyPem: string;
}

/** On-disk layout of `<stateDir>/keys.json`. */
interface PersistedState {
  readonly version: number;
  readonly keys: PersistedKey[];
  readonly aliases: AliasRecord[];
}

/** A local HTTP server implementing the subset of KMS that Sild uses. */
export class LocalKmsEndpoint {
  /** Starts a server and resolves once it is listening. Loads persisted keys first, if any. */
  static async start(options: LocalKmsOptions = {}): Promise<LocalKmsEndpoint> {
    const endpoint = new LocalKmsEndpoint(options);
    await endpoint.listen(options.port ?? 0, options.host ?? '127.0.0.1');
    return endpoint;
  }

  /** Base URL to pass as the SDK `endpoint`, e.g. `http://127.0.0.1:43123`. */
  get url(): string {
    if (this.baseUrl === undefined) throw new Error('LocalKmsEndpoint is not listening');
    return this.baseUrl;
  }

  private readonly server: http.Server;
  private readonly region: string;
  private readonly account: string;
  private readonly stateDir?: string;
  private readonly keys = new Map<string, KeyRecord>();
  private readonly aliases = new Map<string, AliasRecord>();
  private readonly counts: Record<string, number> = {};
  /** Timers of in-flight `delay` faults, cleared on stop so they cannot keep the process alive. */
  private readonly pendingDelays = new Set<NodeJS.Timeout>();
  private readonly operations: Readonly<Record<string, (request: JsonObject, caller: LocalPrincipal) => Promise<JsonObject>>> = {
    CreateKey: (r, c) => this.createKey(r, c),
    DescribeKey: (r, c) => this.describeKey(r, c),
    GetPublicKey: (r, c) => this.getPublicKey(r, c),
    Sign: (r, c) => this.sign(r, c),
    Verify: (r, c) => this.verify(r, c),
    CreateAlias: (r, c) => this.createAlias(r, c),
    ListAliases: (r, c) => this.listAliases(r, c),
    DisableKey: (r, c) => this.setKeyEnabled(r, c, false),
    EnableKey: (r, c) => this.setKeyEnabled(r, c, true),
  };
  private readonly iam: LocalIam;
  private fault?: KmsFault;
  private baseUrl?: string;
  private stopped = false;

  private constructor(options: LocalKmsOptions) {
    this.region = options.region ?? 'eu-north-1';
    this.account = options.account ?? '000000000000';
    this.iam = options.iam ?? new LocalIam();
    this.stateDir = options.stateDir;
    if (this.stateDir !== undefined) this.loadState(this.stateDir);
    this.server = http.createServer((req, res) => {
      void this.handle(req, res);
    });
  }

  /**
   * Installs (or, with `undefined`, clears) a fault. The fault is copied, so
   * later mutation of the argument has no effect.
   */
  setFault(fault?: KmsFault): void {
    if (fault !== undefined && fault.remaining !== undefined && fault.remaining <= 0) {
      this.fault = undefined;
      return;
    }
    this.fault = fault === undefined ? undefined : { ...fault };
  }

  /** Requests received per operation name (including failed and faulted ones). */
  callCounts(): Record<string, number> {
    return { ...this.counts };
  }

  /**
   * Stops listening and tears down keep-alive sockets, which `server.close()`
   * alone would wait on indefinitely because the SDK pools connections.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const timer of this.pendingDelays) clearTimeout(timer);
    this.pendingDelays.clear();
    const closed = new Promise<void>((resolve, reject) => {
      this.server.close((err) => (err ? reject(err) : resolve()));
    });
    this.server.closeAllConnections();
    await closed;
  }

  // ---------------------------------------------------------------- transport

  private listen(port: number, host: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        const address = this.server.address();
        if (address === null || typeof address === 'string') {
          reject(new Error('LocalKmsEndpoint: unexpected server address'));
          return;
        }
        const hostPart = host.includes(':') ? `[${host}]` : host;
        this.baseUrl = `http://${hostPart}:${address.port}`;
        resolve();
      });
    });
  }

  /** Top-level request handler: every failure becomes a KMS-shaped JSON error. */
  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    try {
      const body = await readBody(req, MAX_BODY_BYTES);
      if (body === undefined) throw new KmsError('ValidationException', `Request body exceeds ${MAX_BODY_BYTES} bytes`, 413);
      const operation = parseOperation(req);
      this.counts[operation] = (this.counts[operation] ?? 0) + 1;
      await this.applyFault(operation);
      const caller = await signedCaller(this.iam, req, body, 'kms');
      if ('refusal' in caller) throw SIGNATURE_ERRORS[caller.refusal];
      const handler = this.operations[operation];
      if (req.method !== 'POST' || handler === undefined) {
        throw new KmsError('UnsupportedOperationException', `Operation ${operation} is not supported by the local KMS endpoint`);
      }
      sendJson(res, 200, await handler(parseJsonBody(body), caller.principal));
    } catch (err) {
      if (err instanceof KmsError) {
        sendJson(res, err.status, { __type: err.type, message: err.message });
      } else {
        sendJson(res, 500, { __type: 'KMSInternalException', message: err instanceof Error ? err.message : String(err) });
      }
    }
  }

  /** Consumes one use of the current fault if it matches, and acts it out. */
  private async applyFault(operation: string): Promise<void> {
    const fault = this.fault;
    if (fault === undefined || (fault.operation !== undefined && fault.operation !== operation)) return;
    if (fault.remaining !== undefined) {
      const left = fault.remaining - 1;
      this.fault = left > 0 ? { ...fault, remaining: left } : undefined;
    }
    switch (fault.kind) {
      case 'throttle':
        throw new KmsError('ThrottlingException', 'Rate exceeded (injected fault)');
      case 'unavailable':
        throw new KmsError('KMSInternalException', 'Service unavailable (injected fault)', 500);
      case 'delay':
        await this.sleep(fault.delayMs ?? 0);
        return;
    }
  }

  /** A sleep that `stop()` can cancel; a cancelled sleep never resolves, so no reply is attempted. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pendingDelays.delete(timer);
        resolve();
      }, ms);
      this.pendingDelays.add(timer);
    });
  }

  // --------------------------------------------------------------- operations

  private async createKey(request: JsonObject, caller: LocalPrincipal): Promise<JsonObject> {
    // Real KMS defaults to SYMMETRIC_DEFAULT / ENCRYPT_DECRYPT; we refuse those
    // rather than silently creating a different kind of key.
    const keySpec = optionalString(request, 'KeySpec') ?? optionalString(request, 'CustomerMasterKeySpec') ?? 'SYMMETRIC_DEFAULT';
    const keyUsage = optionalString(request, 'KeyUsage') ?? 'ENCRYPT_DECRYPT';
    if (keySpec !== SUPPORTED_KEY_SPEC || keyUsage !== SUPPORTED_KEY_USAGE) {
      throw new KmsError(
        'UnsupportedOperationException',
        `The local KMS endpoint only supports KeySpec ${SUPPORTED_KEY_SPEC} with KeyUsage ${SUPPORTED_KEY_USAGE} (got ${keySpec} / ${keyUsage})`,
      );
    }
    const party = tagValue(request, PARTY_TAG);
    // In the caller's account; the operator's in the account of the party it creates the key for.
    const account = caller.account ?? this.iam.accountOf(party) ?? this.account;
    await this.authorized(caller, 'CreateKey', { arn: `arn:aws:kms:${this.region}:${account}:key/*`, account });
    const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const key: KeyRecord = {
      keyId: crypto.randomUUID(),
      account,
      ...(party === undefined ? {} : { party }),
      description: optionalString(request, 'Description') ?? '',
      creationDate: Date.now() / 1000,
      enabled: true,
      privateKey,
      publicKeyDer: publicKey.export({ format: 'der', type: 'spki' }),
    };
    this.keys.set(key.keyId, key);
    this.saveState();
    return { KeyMetadata: this.keyMetadata(key) };
  }

  private async describeKey(request: JsonObject, caller: LocalPrincipal): Promise<JsonObject> {
    const key = await this.authorizedKey(caller, 'DescribeKey', this.resolveKey(requireString(request, 'KeyId'), true, caller));
    return { KeyMetadata: this.keyMetadata(key) };
  }

  private async getPublicKey(request: JsonObject, caller: LocalPrincipal): Promise<JsonObject> {
    const key = await this.authorizedKey(caller, 'GetPublicKey', this.usableKey(request, caller));
    return {
      KeyId: this.keyArn(key),
      PublicKey: key.publicKeyDer.toString('base64'),
      KeySpec: SUPPORTED_KEY_SPEC,
      CustomerMasterKeySpec: SUPPORTED_KEY_SPEC,
      KeyUsage: SUPPORTED_KEY_USAGE,
      SigningAlgorithms: [SUPPORTED_SIGNING_ALGORITHM],
    };
  }

  private async sign(request: JsonObject, caller: LocalPrincipal): Promise<JsonObject> {
    const algorithm = requireSigningAlgorithm(request);
    const { type, message } = requireMessage(request);
    const key = await this.authorizedKey(caller, 'Sign', this.usableKey(request, caller), { 'kms:SigningAlgorithm': algorithm, 'kms:MessageType': type });
    const signature = type === 'RAW' ? crypto.sign('sha256', message, key.privateKey) : signDigest(message, key.privateKey);
    return { KeyId: this.keyArn(key), Signature: signature.toString('base64'), SigningAlgorithm: algorithm };
  }

  private async verify(request: JsonObject, caller: LocalPrincipal): Promise<JsonObject> {
    const algorithm = requireSigningAlgorithm(request);
    const { type, message } = requireMessage(request);
    const key = await this.authorizedKey(caller, 'Verify', this.usableKey(request, caller), { 'kms:SigningAlgorithm': algorithm, 'kms:MessageType': type });
    const signature = requireBlob(request, 'Signature');
    if (!(type === 'RAW' ? verifySignature(message, key.privateKey, signature) : verifyDigest(message, key.privateKey, signature))) {
      // Real KMS reports a bad signature as an error, not as SignatureValid: false.
      throw new KmsError('KMSInvalidSignatureException', 'The signature is not valid for this message and key');
    }
    return { KeyId: this.keyArn(key), SignatureValid: true, SigningAlgorithm: algorithm };
  }

  private async createAlias(request: JsonObject, caller: LocalPrincipal): Promise<JsonObject> {
    const name = requireString(request, 'AliasName');
    if (!/^alias\/[a-zA-Z0-9/_-]+$/.test(name) || name.length > 256) {
      throw new KmsError('ValidationException', `Invalid AliasName ${name}: must match alias/[a-zA-Z0-9/_-]+`);
    }
    if (name.startsWith('alias/aws/')) {
      throw new KmsError('NotAuthorizedException', 'Aliases beginning with alias/aws/ are reserved for AWS managed keys');
    }
    // Like real KMS, an alias must point at a key, not at another alias, of the alias's own account.
    const key = await this.authorizedKey(caller, 'CreateAlias', this.resolveKey(requireString(request, 'TargetKeyId'), false, caller));
    if (this.aliases.has(name)) {
      throw new KmsError('AlreadyExistsException', `An alias with the name ${this.aliasArn(name, key.account)} already exists`);
    }
    this.aliases.set(name, { name, account: key.account, targetKeyId: key.keyId, creationDate: Date.now() / 1000 });
    this.saveState();
    return {};
  }

  private async listAliases(request: JsonObject, caller: LocalPrincipal): Promise<JsonObject> {
    const keyFilter = optionalString(request, 'KeyId');
    const targetKeyId = keyFilter === undefined ? undefined : this.resolveKey(keyFilter, false, caller).keyId;
    const account = caller.account;
    if (account !== undefined) await this.authorized(caller, 'ListAliases', { arn: '*', account });
    const aliases = [...this.aliases.values()]
      .filter((alias) => (targetKeyId === undefined || alias.targetKeyId === targetKeyId) && (account === undefined || this.accountOfAlias(alias) === account))
      .map((alias) => ({
        AliasName: alias.name,
        AliasArn: this.aliasArn(alias.name, this.accountOfAlias(alias)),
        TargetKeyId: alias.targetKeyId,
        CreationDate: alias.creationDate,
        LastUpdatedDate: alias.creationDate,
      }));
    return { Aliases: aliases, Truncated: false };
  }

  private async setKeyEnabled(request: JsonObject, caller: LocalPrincipal, enabled: boolean): Promise<JsonObject> {
    const key = await this.authorizedKey(caller, enabled ? 'EnableKey' : 'DisableKey', this.resolveKey(requireString(request, 'KeyId'), false, caller));
    key.enabled = enabled;
    this.saveState();
    return {};
  }

  // ------------------------------------------------------------ key resolution

  /** Resolves `KeyId` and rejects disabled keys, as KMS does for cryptographic operations. */
  private usableKey(request: JsonObject, caller: LocalPrincipal): KeyRecord {
    const key = this.resolveKey(requireString(request, 'KeyId'), true, caller);
    if (!key.enabled) throw new KmsError('DisabledException', `${this.keyArn(key)} is disabled.`);
    return key;
  }

  /**
   * Resolves a key id, key ARN and — when `allowAlias` — `alias/<name>` or an alias ARN. An ARN names the key's account
   * and this endpoint's Region; an id or alias names a key of the caller's own account (the operator's: of any), as in
   * KMS, which would look in the caller's account and not find another's.
   */
  private resolveKey(reference: string, allowAlias: boolean, caller: LocalPrincipal): KeyRecord {
    const arn = /^arn:aws:kms:([^:]+):(\d{12}):(.+)$/.exec(reference);
    if (arn && arn[1] !== this.region) throw new KmsError('NotFoundException', `Key '${reference}' does not exist`);
    const account = arn ? arn[2] : caller.account;
    const local = arn ? arn[3] : reference;
    let keyId: string | undefined;
    if (local.startsWith('alias/')) {
      if (!allowAlias) throw new KmsError('NotFoundException', `Alias ${reference} cannot be used here; pass a key id or key ARN`);
      const alias = this.aliases.get(local);
      keyId = alias && (account === undefined || this.accountOfAlias(alias) === account) ? alias.targetKeyId : undefined;
    } else if (arn ? local.startsWith('key/') : !local.startsWith('arn:')) {
      keyId = arn ? local.slice('key/'.length) : local;
    }
    const key = keyId === undefined ? undefined : this.keys.get(keyId);
    if (key === undefined || (account !== undefined && key.account !== account)) throw new KmsError('NotFoundException', `Key '${reference}' does not exist`);
    return key;
  }

  /** Asks IAM whether `caller` may perform `operation` on the key (its key policy included); the key if so. */
  private async authorizedKey(caller: LocalPrincipal, operation: string, key: KeyRecord, context: Record<string, string> = {}): Promise<KeyRecord> {
    const resource = this.iam.signingKey(key.party, this.keyArn(key), key.account);
    await this.authorized(caller, operation, resource, this.keyArn(key), context);
    return key;
  }

  /** KMS's `AccessDeniedException` unless IAM allows the call. */
  private async authorized(caller: LocalPrincipal, operation: string, resource: IamResource, shown = resource.arn, context: Record<string, string> = {}): Promise<void> {
    const decision = await this.iam.authorize({ principal: caller, action: `kms:${operation}`, resource: resource.arn, resourceAccount: resource.account, resourcePolicy: resource.policy, context: { ...context, 'kms:CallerAccount': caller.account ?? resource.account }, shownResource: shown });
    if (!decision.allowed) throw new KmsError('AccessDeniedException', decision.message);
  }

  private accountOfAlias(alias: AliasRecord): string {
    return alias.account ?? this.keys.get(alias.targetKeyId)?.account ?? this.account;
  }

  private keyArn(key: KeyRecord): string {
    return `arn:aws:kms:${this.region}:${key.account}:key/${key.keyId}`;
  }

  private aliasArn(aliasName: string, account: string): string {
    return `arn:aws:kms:${this.region}:${account}:${aliasName}`;
  }

  private keyMetadata(key: KeyRecord): JsonObject {
    return {
      AWSAccountId: key.account,
      KeyId: key.keyId,
      Arn: this.keyArn(key),
      CreationDate: key.creationDate,
      Enabled: key.enabled,
      Description: key.description,
      KeyUsage: SUPPORTED_KEY_USAGE,
      KeyState: key.enabled ? 'Enabled' : 'Disabled',
      Origin: 'AWS_KMS',
      KeyManager: 'CUSTOMER',
      CustomerMasterKeySpec: SUPPORTED_KEY_SPEC,
      KeySpec: SUPPORTED_KEY_SPEC,
      SigningAlgorithms: [SUPPORTED_SIGNING_ALGORITHM],
      MultiRegion: false,
    };
  }

  // -------------------------------------------------------------- persistence

  /** Loads `<stateDir>/keys.json` if present. A corrupt file is fatal: silently dropping keys would be worse. */
  private loadState(stateDir: string): void {
    const file = path.join(stateDir, STATE_FILE);
    if (!fs.existsSync(file)) return;
    const state = JSON.parse(fs.readFileSync(file, 'utf8')) as PersistedState;
    if (state.version !== STATE_VERSION || !Array.isArray(state.keys) || !Array.isArray(state.aliases)) {
      throw new Error(`LocalKmsEndpoint: unrecognised state file ${file}`);
    }
    for (const persisted of state.keys) {
      const privateKey = crypto.createPrivateKey({ key: persisted.privateKeyPem, format: 'pem' });
      const publicKeyDer = crypto.createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
      this.keys.set(persisted.keyId, {
        keyId: persisted.keyId,
        account: persisted.account ?? this.account,
        ...(persisted.party === undefined ? {} : { party: persisted.party }),
        description: persisted.description,
        creationDate: persisted.creationDate,
        enabled: persisted.enabled,
        privateKey,
        publicKeyDer,
      });
    }
    for (const alias of state.aliases) this.aliases.set(alias.name, { ...alias });
  }

  /**
   * Writes the whole state after each mutation. Synchronous on purpose: the
   * file is tiny, and it keeps concurrent requests from racing their renames
   * (the last rename would otherwise win with possibly stale contents).
   * Temp file + rename makes the update atomic, so a crash never leaves a
   * truncated keys.json; mode 0o600 because it holds private keys.
   */
  private saveState(): void {
    if (this.stateDir === undefined) return;
    const state: PersistedState = {
      version: STATE_VERSION,
      keys: [...this.keys.values()].map((key) => ({
        keyId: key.keyId,
        account: key.account,
        ...(key.party === undefined ? {} : { party: key.party }),
        description: key.description,
        creationDate: key.creationDate,
        enabled: key.enabled,
        privateKeyPem: key.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
      })),
      aliases: [...this.aliases.values()],
    };
    fs.mkdirSync(this.stateDir, { recursive: true, mode: 0o700 });
    const file = path.join(this.stateDir, STATE_FILE);
    const temp = `${file}.${process.pid}.${crypto.randomUUID()}.tmp`;
    const fd = fs.openSync(temp, 'wx', 0o600);
    try {
      fs.writeSync(fd, JSON.stringify(state, null, 2));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(temp, file);
  }
}

// ------------------------------------------------------------------ helpers

/** Extracts `<Operation>` from `X-Amz-Target: TrentService.<Operation>`. */
function parseOperation(req: http.IncomingMessage): string {
  const target = req.headers['x-amz-target'];
  if (typeof target !== 'string' || !target.startsWith(TARGET_PREFIX)) {
    throw new KmsError('UnsupportedOperationException', `Missing or unrecognised X-Amz-Target header: ${String(target)}`);
  }
  return target.slice(TARGET_PREFIX.length);
}

function parseJsonBody(body: Buffer): JsonObject {
  if (body.length === 0) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new KmsError('SerializationException', 'Request body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new KmsError('SerializationException', 'Request body must be a JSON object');
  }
  return parsed as JsonObject;
}

function sendJson(res: http.ServerResponse, status: number, body: JsonObject): void {
  if (res.headersSent || res.destroyed) return;
  const payload = Buffer.from(JSON.stringify(body), 'utf8');
  res.writeHead(status, {
    'Content-Type': JSON_CONTENT_TYPE,
    'Content-Length': payload.length,
    'x-amzn-RequestId': crypto.randomUUID(),
  });
  res.end(payload);
}

/** KMS's answers to a request it cannot authenticate (as every AWS JSON service gives them). */
const SIGNATURE_ERRORS: Record<SignatureRefusal, KmsError> = {
  MissingAuthenticationToken: new KmsError('MissingAuthenticationTokenException', 'Request is missing Authentication Token'),
  UnrecognizedClient: new KmsError('UnrecognizedClientException', 'The security token included in the request is invalid.'),
  InvalidSignature: new KmsError('InvalidSignatureException', 'The request signature we calculated does not match the signature you provided.'),
};

/** The value of a tag in a CreateKey request's `Tags`. */
function tagValue(request: JsonObject, tag: string): string | undefined {
  const tags = request.Tags;
  if (!Array.isArray(tags)) return undefined;
  const found = tags.find((entry) => (entry as { TagKey?: unknown }).TagKey === tag) as { TagValue?: unknown } | undefined;
  return typeof found?.TagValue === 'string' ? found.TagValue : undefined;
}

function optionalString(request: JsonObject, field: string): string | undefined {
  const value = request[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new KmsError('SerializationException', `${field} must be a string`);
  return value;
}

function requireString(request: JsonObject, field: string): string {
  const value = optionalString(request, field);
  if (value === undefined || value.length === 0) throw new KmsError('ValidationException', `${field} is required`);
  return value;
}

/** Decodes a base64 blob field; Buffer.from is lenient, so validate the alphabet first. */
function requireBlob(request: JsonObject, field: string): Buffer {
  const value = requireString(request, field);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0) {
    throw new KmsError('SerializationException', `${field} is not valid base64`);
  }
  return Buffer.from(value, 'base64');
}

/**
 * Accepts only ECDSA_SHA_256. Unknown names are malformed input
 * (ValidationException); known names that don't fit a P-256 key are
 * InvalidKeyUsageException, mirroring KMS.
 */
function requireSigningAlgorithm(request: JsonObject): string {
  const algorithm = requireString(request, 'SigningAlgorithm');
  if (!KNOWN_SIGNING_ALGORITHMS.includes(algorithm)) {
    throw new KmsError('ValidationException', `Unknown SigningAlgorithm ${algorithm}`);
  }
  if (algorithm !== SUPPORTED_SIGNING_ALGORITHM) {
    throw new KmsError('InvalidKeyUsageException', `SigningAlgorithm ${algorithm} is not valid for ${SUPPORTED_KEY_SPEC} keys`);
  }
  return algorithm;
}

/**
 * Returns the message of a Sign/Verify request: a RAW message (≤ 4096 bytes, hashed with SHA-256 here, as KMS
 * does) or a DIGEST (the 32-byte SHA-256 the caller computed, signed as is). node:crypto can only sign what it
 * hashes itself, so a DIGEST is signed with @noble/curves' P-256 — the same ECDSA, giving a DER signature that
 * `crypto.verify('sha256', message, key, signature)` accepts for the message the digest was computed from, exactly
 * like a real KMS DIGEST signature
 * (https://docs.aws.amazon.com/kms/latest/APIReference/API_Sign.html#KMS-Sign-request-MessageType).
 */
function requireMessage(request: JsonObject): { type: 'RAW' | 'DIGEST'; message: Buffer } {
  const messageType = optionalString(request, 'MessageType') ?? 'RAW';
  const message = requireBlob(request, 'Message');
  if (messageType === 'DIGEST') {
    if (message.length !== SHA256_DIGEST_BYTES) {
      throw new KmsError('ValidationException', `Digest is invalid length for algorithm ${SUPPORTED_SIGNING_ALGORITHM} (expected ${SHA256_DIGEST_BYTES} bytes)`);
    }
    return { type: 'DIGEST', message };
  }
  if (messageType !== 'RAW') {
    throw new KmsError('ValidationException', `MessageType ${messageType} is not supported; send RAW or DIGEST`);
  }
  if (message.length > MAX_RAW_MESSAGE_BYTES) {
    throw new KmsError('ValidationException', `Message exceeds the ${MAX_RAW_MESSAGE_BYTES}-byte KMS limit for MessageType RAW`);
  }
  return { type: 'RAW', message };
}

const privateScalar = (privateKey: crypto.KeyObject) => Buffer.from(privateKey.export({ format: 'jwk' }).d!, 'base64url');

/** ECDSA P-256 over a precomputed SHA-256 digest, DER-encoded (what KMS returns). */
function signDigest(digest: Buffer, privateKey: crypto.KeyObject): Buffer {
  return Buffer.from(p256.sign(digest, privateScalar(privateKey), { prehash: false }).toDERRawBytes());
}

function verifyDigest(digest: Buffer, privateKey: crypto.KeyObject, signature: Buffer): boolean {
  try {
    const publicKey = p256.getPublicKey(privateScalar(privateKey), false);
    return p256.verify(p256.Signature.fromDER(signature).toCompactRawBytes(), digest, publicKey, { prehash: false });
  } catch {
    return false;
  }
}

/** crypto.verify throws on malformed DER; to KMS that is simply an invalid signature. */
function verifySignature(message: Buffer, privateKey: crypto.KeyObject, signature: Buffer): boolean {
  try {
    return crypto.verify('sha256', message, crypto.createPublicKey(privateKey), signature);
  } catch {
    return false;
  }
}
