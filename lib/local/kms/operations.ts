/**
 * The KMS operations Sild uses, over the key store: each reads its request's fields, asks IAM whether the caller may
 * (its identity policies and the key's key policy), and answers in KMS's shape. Any other operation, and any key type
 * Sild does not use, is refused loudly instead of being half-implemented.
 */
import type { LocalPrincipal } from '../iam/authorizer';
import type { IamResource, LocalIam } from '../iam/local-iam';
import { PARTY_TAG, type KeyRecord } from './key-record';
import { checkAliasName, type KeyStore } from './key-store';
import { KmsError } from './kms-error';
import { requireMessage, requireSigningAlgorithm } from './sign-request';
import { signMessage, SUPPORTED_KEY_SPEC, SUPPORTED_KEY_USAGE, SUPPORTED_SIGNING_ALGORITHM, verifyMessage } from './signing-key';
import { optionalString, requireBlob, requireString, tagValue, type JsonObject } from './wire';

/** One operation: the request's JSON body and its authenticated caller in, the answer's JSON body out. */
export type KmsOperation = (request: JsonObject, caller: LocalPrincipal) => Promise<JsonObject>;

export class KmsOperations {
  /** The supported operations by name, as `X-Amz-Target: TrentService.<name>` names them. */
  readonly byName: Readonly<Record<string, KmsOperation>> = {
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

  constructor(
    private readonly store: KeyStore,
    private readonly iam: LocalIam,
  ) {}

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
    const account = caller.account ?? this.iam.accountOf(party) ?? this.store.account;
    await this.authorized(caller, 'CreateKey', { arn: `arn:aws:kms:${this.store.region}:${account}:key/*`, account });
    const key = this.store.createKey({
      account,
      ...(party === undefined ? {} : { party }),
      description: optionalString(request, 'Description') ?? '',
    });
    return { KeyMetadata: this.keyMetadata(key) };
  }

  private async describeKey(request: JsonObject, caller: LocalPrincipal): Promise<JsonObject> {
    const key = await this.authorizedKey(caller, 'DescribeKey', this.resolveKey(request, 'KeyId', true, caller));
    return { KeyMetadata: this.keyMetadata(key) };
  }

  private async getPublicKey(request: JsonObject, caller: LocalPrincipal): Promise<JsonObject> {
    const key = await this.authorizedKey(caller, 'GetPublicKey', this.usableKey(request, caller));
    return {
      KeyId: this.store.keyArn(key),
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
    const key = await this.authorizedKey(caller, 'Sign', this.usableKey(request, caller), {
      'kms:SigningAlgorithm': algorithm,
      'kms:MessageType': type,
    });
    const signature = signMessage(key.privateKey, type, message);
    return { KeyId: this.store.keyArn(key), Signature: signature.toString('base64'), SigningAlgorithm: algorithm };
  }

  private async verify(request: JsonObject, caller: LocalPrincipal): Promise<JsonObject> {
    const algorithm = requireSigningAlgorithm(request);
    const { type, message } = requireMessage(request);
    const key = await this.authorizedKey(caller, 'Verify', this.usableKey(request, caller), {
      'kms:SigningAlgorithm': algorithm,
      'kms:MessageType': type,
    });
    const signature = requireBlob(request, 'Signature');
    if (!verifyMessage(key.privateKey, type, message, signature)) {
      // Real KMS reports a bad signature as an error, not as SignatureValid: false.
      throw new KmsError('KMSInvalidSignatureException', 'The signature is not valid for this message and key');
    }
    return { KeyId: this.store.keyArn(key), SignatureValid: true, SigningAlgorithm: algorithm };
  }

  private async createAlias(request: JsonObject, caller: LocalPrincipal): Promise<JsonObject> {
    const name = requireString(request, 'AliasName');
    // A malformed or reserved name is refused before the target key is looked at.
    checkAliasName(name);
    // Like real KMS, an alias must point at a key, not at another alias, of the alias's own account.
    const key = await this.authorizedKey(caller, 'CreateAlias', this.resolveKey(request, 'TargetKeyId', false, caller));
    this.store.createAlias(name, key);
    return {};
  }

  private async listAliases(request: JsonObject, caller: LocalPrincipal): Promise<JsonObject> {
    const keyFilter = optionalString(request, 'KeyId');
    const targetKeyId =
      keyFilter === undefined ? undefined : this.store.resolve(keyFilter, { allowAlias: false, callerAccount: caller.account }).keyId;
    const account = caller.account;
    if (account !== undefined) await this.authorized(caller, 'ListAliases', { arn: '*', account });
    const aliases = this.store.listAliases({ targetKeyId, account }).map((alias) => ({
      AliasName: alias.name,
      AliasArn: this.store.aliasArn(alias.name, alias.account),
      TargetKeyId: alias.targetKeyId,
      CreationDate: alias.creationDate,
      LastUpdatedDate: alias.creationDate,
    }));
    return { Aliases: aliases, Truncated: false };
  }

  private async setKeyEnabled(request: JsonObject, caller: LocalPrincipal, enabled: boolean): Promise<JsonObject> {
    const key = await this.authorizedKey(caller, enabled ? 'EnableKey' : 'DisableKey', this.resolveKey(request, 'KeyId', false, caller));
    this.store.setEnabled(key, enabled);
    return {};
  }

  /** The key the request's `field` names for the caller (see {@link KeyStore.resolve}). */
  private resolveKey(request: JsonObject, field: string, allowAlias: boolean, caller: LocalPrincipal): KeyRecord {
    return this.store.resolve(requireString(request, field), { allowAlias, callerAccount: caller.account });
  }

  /** Resolves `KeyId` and rejects disabled keys, as KMS does for cryptographic operations. */
  private usableKey(request: JsonObject, caller: LocalPrincipal): KeyRecord {
    return this.store.usable(this.resolveKey(request, 'KeyId', true, caller));
  }

  /** Asks IAM whether `caller` may perform `operation` on the key (its key policy included); the key if so. */
  private async authorizedKey(caller: LocalPrincipal, operation: string, key: KeyRecord, context: Record<string, string> = {}): Promise<KeyRecord> {
    const resource = this.iam.signingKey(key.party, this.store.keyArn(key), key.account);
    await this.authorized(caller, operation, resource, this.store.keyArn(key), context);
    return key;
  }

  /** KMS's `AccessDeniedException` unless IAM allows the call. */
  private async authorized(
    caller: LocalPrincipal,
    operation: string,
    resource: IamResource,
    shown = resource.arn,
    context: Record<string, string> = {},
  ): Promise<void> {
    const decision = await this.iam.authorize({
      principal: caller,
      action: `kms:${operation}`,
      resource: resource.arn,
      resourceAccount: resource.account,
      resourcePolicy: resource.policy,
      context: { ...context, 'kms:CallerAccount': caller.account ?? resource.account },
      shownResource: shown,
    });
    if (!decision.allowed) throw new KmsError('AccessDeniedException', decision.message);
  }

  private keyMetadata(key: KeyRecord): JsonObject {
    return {
      AWSAccountId: key.account,
      KeyId: key.keyId,
      Arn: this.store.keyArn(key),
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
}
