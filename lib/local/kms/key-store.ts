/**
 * The local KMS's keys and aliases, per account as in KMS: creating them, their state (enabled or disabled), and which
 * key a reference — key id, key ARN, alias, alias ARN — names for a caller of some account. With a state directory,
 * every change is written through to `keys.json`; without one the store lives in memory.
 */
import * as crypto from 'crypto';
import type { AliasRecord, KeyRecord } from './key-record';
import { loadKeyState, saveKeyState } from './key-state-file';
import { KmsError } from './kms-error';
import { generateSigningKey } from './signing-key';

export interface KeyStoreOptions {
  /** Region used in ARNs; an ARN of another Region names no key here. */
  readonly region: string;
  /** The account of keys and aliases persisted before keys had accounts. */
  readonly account: string;
  /** When set, keys and aliases persist in `<stateDir>/keys.json`. @default - memory only */
  readonly stateDir?: string;
}

/** What a new key is: where it lives, whose signing key it is, and its description. */
export interface NewKey {
  readonly account: string;
  readonly party?: string;
  readonly description: string;
}

/** An alias with the account it lives in. */
export type ListedAlias = AliasRecord & { readonly account: string };

export class KeyStore {
  readonly region: string;
  /** The account of keys and aliases persisted before keys had accounts. */
  readonly account: string;
  private readonly stateDir?: string;
  private readonly keys = new Map<string, KeyRecord>();
  private readonly aliases = new Map<string, AliasRecord>();

  /** Loads the persisted keys and aliases first, if there are any. */
  constructor(options: KeyStoreOptions) {
    this.region = options.region;
    this.account = options.account;
    this.stateDir = options.stateDir;
    const state = this.stateDir === undefined ? undefined : loadKeyState(this.stateDir, this.account);
    for (const key of state?.keys ?? []) this.keys.set(key.keyId, key);
    for (const alias of state?.aliases ?? []) this.aliases.set(alias.name, alias);
  }

  /** Creates an enabled ECC_NIST_P256 signing key with a new key id. */
  createKey(key: NewKey): KeyRecord {
    const { privateKey, publicKeyDer } = generateSigningKey();
    const created: KeyRecord = {
      keyId: crypto.randomUUID(),
      account: key.account,
      ...(key.party === undefined ? {} : { party: key.party }),
      description: key.description,
      creationDate: Date.now() / 1000,
      enabled: true,
      privateKey,
      publicKeyDer,
    };
    this.keys.set(created.keyId, created);
    this.save();
    return created;
  }

  /**
   * Resolves a key id, key ARN and — when `allowAlias` — `alias/<name>` or an alias ARN. An ARN names the key's account
   * and this endpoint's Region; an id or alias names a key of the caller's own account (the operator's: of any), as in
   * KMS, which would look in the caller's account and not find another's.
   */
  resolve(reference: string, options: { readonly allowAlias: boolean; readonly callerAccount?: string }): KeyRecord {
    const arn = /^arn:aws:kms:([^:]+):(\d{12}):(.+)$/.exec(reference);
    if (arn && arn[1] !== this.region) throw new KmsError('NotFoundException', `Key '${reference}' does not exist`);
    const account = arn ? arn[2] : options.callerAccount;
    const local = arn ? arn[3] : reference;
    let keyId: string | undefined;
    if (local.startsWith('alias/')) {
      if (!options.allowAlias) throw new KmsError('NotFoundException', `Alias ${reference} cannot be used here; pass a key id or key ARN`);
      const alias = this.aliases.get(local);
      keyId = alias && (account === undefined || this.accountOfAlias(alias) === account) ? alias.targetKeyId : undefined;
    } else if (arn ? local.startsWith('key/') : !local.startsWith('arn:')) {
      keyId = arn ? local.slice('key/'.length) : local;
    }
    const key = keyId === undefined ? undefined : this.keys.get(keyId);
    if (key === undefined || (account !== undefined && key.account !== account))
      throw new KmsError('NotFoundException', `Key '${reference}' does not exist`);
    return key;
  }

  /** The key if it is enabled; KMS refuses disabled keys for cryptographic operations. */
  usable(key: KeyRecord): KeyRecord {
    if (!key.enabled) throw new KmsError('DisabledException', `${this.keyArn(key)} is disabled.`);
    return key;
  }

  setEnabled(key: KeyRecord, enabled: boolean): void {
    key.enabled = enabled;
    this.save();
  }

  /** Creates alias `name` (checked with {@link checkAliasName}) for `key`, in the key's account. */
  createAlias(name: string, key: KeyRecord): void {
    checkAliasName(name);
    if (this.aliases.has(name)) {
      throw new KmsError('AlreadyExistsException', `An alias with the name ${this.aliasArn(name, key.account)} already exists`);
    }
    this.aliases.set(name, { name, account: key.account, targetKeyId: key.keyId, creationDate: Date.now() / 1000 });
    this.save();
  }

  /** The aliases pointing at `targetKeyId` and living in `account`; every alias when neither is given. */
  listAliases(filter: { readonly targetKeyId?: string; readonly account?: string } = {}): ListedAlias[] {
    return [...this.aliases.values()]
      .map((alias) => ({ ...alias, account: this.accountOfAlias(alias) }))
      .filter(
        (alias) =>
          (filter.targetKeyId === undefined || alias.targetKeyId === filter.targetKeyId) &&
          (filter.account === undefined || alias.account === filter.account),
      );
  }

  keyArn(key: KeyRecord): string {
    return `arn:aws:kms:${this.region}:${key.account}:key/${key.keyId}`;
  }

  aliasArn(aliasName: string, account: string): string {
    return `arn:aws:kms:${this.region}:${account}:${aliasName}`;
  }

  private accountOfAlias(alias: AliasRecord): string {
    return alias.account ?? this.keys.get(alias.targetKeyId)?.account ?? this.account;
  }

  private save(): void {
    if (this.stateDir !== undefined) saveKeyState(this.stateDir, { keys: [...this.keys.values()], aliases: [...this.aliases.values()] });
  }
}

/** Refuses an alias name KMS would refuse: malformed, or in the `alias/aws/` namespace AWS keeps for itself. */
export function checkAliasName(name: string): void {
  if (!/^alias\/[a-zA-Z0-9/_-]+$/.test(name) || name.length > 256) {
    throw new KmsError('ValidationException', `Invalid AliasName ${name}: must match alias/[a-zA-Z0-9/_-]+`);
  }
  if (name.startsWith('alias/aws/')) {
    throw new KmsError('NotAuthorizedException', 'Aliases beginning with alias/aws/ are reserved for AWS managed keys');
  }
}
