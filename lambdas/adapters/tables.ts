/**
 * The DynamoDB table layouts, defined once: the CDK stacks create the tables from these, and so does the local
 * runtime against dynalite.
 */

export interface IndexLayout {
  readonly indexName: string;
  readonly partitionKey: string;
  /** Non-key attributes copied into the index (besides the table keys). */
  readonly include: readonly string[];
}

export interface TableLayout {
  readonly partitionKey: string;
  readonly sortKey?: string;
  /** Attribute holding an epoch-seconds expiry, where the table has TTL. */
  readonly timeToLiveAttribute?: string;
  readonly indexes?: readonly IndexLayout[];
  /**
   * The table's change stream and what each record carries. `NEW_IMAGE`: the sealer hashes nothing itself, it reads
   * each record's key, `loggedAt` and `recordHash` from the inserted item (KEYS_ONLY would cost a read per record).
   */
  readonly stream?: 'NEW_IMAGE';
}

/**
 * The central registry: one item per joined agency (pk `AGENCY#<name>`, sk `ENTRY`), and the items the deployment
 * and the operator write (`registry-items.ts`: the join allow-list, the global groups, the federated instances, the
 * central key ring).
 */
export const REGISTRY_TABLE: TableLayout = { partitionKey: 'pk', sortKey: 'sk' };

/** Partition key of the items the deployment writes (allow-list, global groups, access policy); only it may write them. */
export const CONFIG_PK = 'CONFIG';

/**
 * Partition key of the key-ring items the operator writes when rotating keys (`sild keys rotate`): in the registry
 * the central key ring, in a gateway's table its signing keys. The functions only read them.
 */
export const KEYS_PK = 'KEYS';

/** The central key rotation chain in the registry: records the central function appends when the key ring switches. */
export const CENTRAL_KEY_CHAIN_KEY = { pk: 'CHAIN', sk: 'CENTRAL-KEY-ROTATIONS' } as const;

/** The registry's counter of global configuration versions (the central function's only update). */
export const COUNTER_PK = 'COUNTER';
export const CONFIGURATION_VERSION_KEY = { pk: COUNTER_PK, sk: 'GLOBALCONF-VERSION' } as const;

/**
 * A gateway's copies of the global configuration: the newest (`LATEST`) and one per key set seen (`KEYSET#…`); of a
 * federated instance's, under `<INSTANCE>#LATEST` and `<INSTANCE>#KEYSET#…`.
 */
export const GLOBALCONF_PK = 'GLOBALCONF';
const instancePrefix = (instance?: string) => (instance === undefined ? '' : `${instance}#`);
export const latestConfigurationKey = (instance?: string) => ({ pk: GLOBALCONF_PK, sk: `${instancePrefix(instance)}LATEST` });
export const keySetConfigurationKey = (keySetId: string, instance?: string) => ({
  pk: GLOBALCONF_PK,
  sk: `${instancePrefix(instance)}KEYSET#${keySetId}`,
});
export const keySetPrefix = (instance?: string) => `${instancePrefix(instance)}KEYSET#`;

/**
 * The legacy sealing index: log records written before the log was sealed from its stream carry a `sealWindow`
 * (`<window>#<shard>`) and are in it with their hash. Records written since have none, so it costs no write; the sealer
 * reads it only for windows that began before the stream did (the upgrade), evidence for such windows through a scan.
 */
export const SEAL_INDEX: IndexLayout = { indexName: 'seal-window', partitionKey: 'sealWindow', include: ['recordHash', 'loggedAt'] };

/** Partition key of the seals; only the sealer may write them. */
export const SEAL_PK = 'SEAL';

/**
 * A gateway's message log: records under pk `<client> <X-Road-Id>`, sk `<side>#<direction>` (the conditional put
 * on this key is what rejects a replayed X-Road-Id); seals under pk `SEAL`, sk = first window, zero-padded; the items
 * the deployment and the operator write (`gateway-items.ts`: the access policy, the service descriptions, the
 * signing key ring).
 */
export const MESSAGE_LOG_TABLE: TableLayout = {
  partitionKey: 'pk',
  sortKey: 'sk',
  timeToLiveAttribute: 'expiresAt',
  indexes: [SEAL_INDEX],
  stream: 'NEW_IMAGE',
};
