/**
 * The DynamoDB table layouts, defined once: the CDK stacks create the tables from these, and so does the local
 * runtime against dynalite.
 */

export interface TableLayout {
  readonly partitionKey: string;
  readonly sortKey?: string;
  /** Attribute holding an epoch-seconds expiry, where the table has TTL. */
  readonly timeToLiveAttribute?: string;
}

/** The central registry: one item per joined agency (pk `AGENCY#<name>`, sk `ENTRY`). */
export const REGISTRY_TABLE: TableLayout = { partitionKey: 'pk', sortKey: 'sk' };

/**
 * A gateway's message log: pk `<client> <X-Road-Id>`, sk `<side>#<direction>`. The conditional put on this key
 * is what rejects a replayed X-Road-Id.
 */
export const MESSAGE_LOG_TABLE: TableLayout = { partitionKey: 'pk', sortKey: 'sk', timeToLiveAttribute: 'expiresAt' };
