/**
 * What the local KMS keeps: keys and aliases, both living in an account, as in KMS. A key may stand for a party's
 * signing key, named by the `sild:party` tag it was created with.
 */
import type * as crypto from 'crypto';

/** The tag naming the party whose signing key a key is (`central`, an agency's name). */
export const PARTY_TAG = 'sild:party';

/** In-memory form of a KMS key. */
export interface KeyRecord {
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
export interface AliasRecord {
  readonly name: string;
  /** Aliases are per account, as in KMS. @default the endpoint's account (state written before accounts) */
  readonly account?: string;
  readonly targetKeyId: string;
  readonly creationDate: number;
}
