/**
 * `MessageLog` on the gateway's DynamoDB table: one item per record.
 *
 * Each record is one conditional `PutItem` (no transactions: they cost double and dynalite lacks them);
 * `attribute_not_exists(pk)` makes a second record with the same key fail, which is how a replayed X-Road-Id is
 * rejected without a read-then-write race. The record also carries its hash, which the sealer reads from the table's
 * stream (`DynamoDbStreamFeed`) — no second write per record, and no index entry (records written before carry a
 * `sealWindow` that put them in the legacy `seal-window` index). Items are
 * compact (`message-log-item.ts`): a session certificate is stored once, in its own item, before the first record
 * that references it.
 */
import { randomBytes } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, QueryCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SealingSettings } from '../core/log/settings';
import { sdkItemWriter } from './aws-clients';
import type { ItemWriter } from './dynamodb-put-item';
import type { MessageLogRecord } from '../core/log/records';
import { DuplicateRecordError, StoreUnavailableError } from '../core/kernel/ports';
import type { MessageLog } from '../core/log/ports';
import { recordHash, windowOf, windowStartMs } from '../core/log/seal';
import {
  CERT_PK,
  certificateIdOf,
  itemToRecord,
  recordKeyOf,
  recordToItem,
  referencedCertificate,
  requestSkOf,
  storedCertificate,
  storedHashOf,
  WRITE_ID,
} from './message-log-item';
import { CONFIG_PK, GLOBALCONF_PK, KEYS_PK, SEAL_PK } from './tables';
import { storeCall } from './store-call';

export interface DynamoDbMessageLogOptions {
  /** How long records are kept before DynamoDB's TTL removes them. @default 30 days */
  readonly retentionDays?: number;
  /** @default intervalSeconds 60 */
  readonly sealing?: Partial<Pick<SealingSettings, 'intervalSeconds'>>;
  /** Writes the records and certificates (the gateways: without the SDK, ADR 0009). @default through `client` */
  readonly writer?: ItemWriter;
}

/** Items of the table that are not log records. */
const NOT_RECORDS = new Set([SEAL_PK, CONFIG_PK, KEYS_PK, GLOBALCONF_PK, CERT_PK]);
export const isConditionFailure = (error: unknown) =>
  error instanceof ConditionalCheckFailedException || (error as Error).name === 'ConditionalCheckFailedException';
/** A stored certificate outlives the newest record that references it by at least this long. */
const CERTIFICATE_MARGIN_SECONDS = 86_400;
/** Requests logged by this process whose response it has not logged yet (a side logs both in one invocation). */
const MAX_OPEN_REQUESTS = 1_000;

type LoggedRequest = Pick<MessageLogRecord, 'service' | 'userId' | 'method' | 'target'> & { readonly expiresAt: number };

export class DynamoDbMessageLog implements MessageLog {
  private readonly retentionSeconds: number;
  private readonly intervalSeconds: number;
  private readonly writer: ItemWriter;
  /** Certificates known to be stored, by id, with the expiry their item was written with. */
  private readonly storedCertificates = new Map<string, number>();
  /** Certificates read back, by id. */
  private readonly certificateCache = new Map<string, string>();
  /** By `<pk> <side>`: the request this process logged, for its response's item (`recordToItem`). */
  private readonly openRequests = new Map<string, LoggedRequest>();
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    options: DynamoDbMessageLogOptions = {},
  ) {
    this.retentionSeconds = (options.retentionDays ?? 30) * 86_400;
    this.intervalSeconds = options.sealing?.intervalSeconds ?? 60;
    this.writer = options.writer ?? sdkItemWriter(client);
  }

  async append(record: MessageLogRecord): Promise<void> {
    const pk = recordKeyOf(record.client, record.xRoadId);
    const window = windowOf(Date.parse(record.loggedAt), this.intervalSeconds);
    // A whole window expires at once, so TTL never leaves a sealed window half-deleted for long.
    const expiresAt = Math.floor(windowStartMs(window + 1, this.intervalSeconds) / 1000) + this.retentionSeconds;
    const sk = `${record.side}#${record.direction}`;
    // This write's own id: a retry that finds it knows its lost first attempt succeeded; an identical replay
    // (same signed request logged in the same millisecond) carries another one and stays a duplicate.
    const writeId = randomBytes(8);
    const exchangeSide = `${pk} ${record.side}`;
    // The response's request fields are left to its request record when both expire together (the same window).
    const request = record.direction === 'response' ? this.openRequests.get(exchangeSide) : undefined;
    if (record.direction === 'response') this.openRequests.delete(exchangeSide);
    const item = {
      ...recordToItem(
        record,
        { sk, recordHash: recordHash(record).toString('base64'), expiresAt },
        request?.expiresAt === expiresAt ? request : undefined,
      ),
      [WRITE_ID]: writeId,
    };
    try {
      const certificate = storedCertificate(record);
      if (certificate !== undefined) await this.storeCertificate(certificate, expiresAt);
      await this.writer.putItem({ TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' });
    } catch (error) {
      if (!isConditionFailure(error)) throw new StoreUnavailableError('message-log', 'The message log could not be written', { cause: error });
      // A retry after a lost answer finds the record its first attempt wrote: that is this write, not a replay.
      if (!(await this.holds(pk, sk, writeId))) throw new DuplicateRecordError(`A ${sk} record for ${pk} exists already`);
    }
    if (record.direction === 'request') {
      if (this.openRequests.size >= MAX_OPEN_REQUESTS) this.openRequests.delete(this.openRequests.keys().next().value!);
      const { service, userId, method, target } = record;
      this.openRequests.set(exchangeSide, { service, userId, method, target, expiresAt });
    }
  }

  /** Whether the item at the key was written by this very append (its write id). */
  private async holds(pk: string, sk: string, writeId: Buffer): Promise<boolean> {
    try {
      const existing = await this.client.send(new GetCommand({ TableName: this.tableName, Key: { pk, sk }, ConsistentRead: true }));
      const stored = existing.Item?.[WRITE_ID] as Uint8Array | undefined;
      return stored !== undefined && Buffer.from(stored).equals(writeId);
    } catch (error) {
      throw new StoreUnavailableError('message-log', 'The message log could not be read back after a conditional write', { cause: error });
    }
  }

  /**
   * Stores a certificate once per process and id — again only when a record would outlive the stored item. The id is
   * the certificate's hash, so a peer cannot replace another's certificate; rewriting the same bytes only extends it.
   */
  private async storeCertificate(certificate: string, recordExpiresAt: number): Promise<void> {
    const id = certificateIdOf(certificate);
    const storedUntil = this.storedCertificates.get(id);
    if (storedUntil !== undefined && storedUntil >= recordExpiresAt + CERTIFICATE_MARGIN_SECONDS / 2) return;
    const expiresAt = recordExpiresAt + CERTIFICATE_MARGIN_SECONDS;
    await this.writer.putItem({
      TableName: this.tableName,
      Item: { pk: CERT_PK, sk: id, certificate: Buffer.from(certificate, 'base64'), expiresAt },
    });
    this.storedCertificates.set(id, expiresAt);
    this.certificateCache.set(id, certificate);
  }

  /**
   * The records of items, with the certificates they reference loaded; a response reads its request fields from the
   * request item of its exchange and side among `items` (they share a partition key: a query or scan returns both).
   */
  private async recordsOf(items: readonly Record<string, unknown>[]): Promise<MessageLogRecord[]> {
    const missing = new Set<string>();
    for (const item of items) {
      const id = referencedCertificate(item);
      if (id !== undefined && !this.certificateCache.has(id)) missing.add(id);
    }
    for (const id of missing) {
      const result = await this.client.send(new GetCommand({ TableName: this.tableName, Key: { pk: CERT_PK, sk: id }, ConsistentRead: true }));
      if (result.Item?.certificate !== undefined)
        this.certificateCache.set(id, Buffer.from(result.Item.certificate as Uint8Array).toString('base64'));
    }
    const byKey = new Map(items.map((item) => [`${String(item.pk)} ${String(item.sk)}`, item]));
    const requests = new Map<string, MessageLogRecord>();
    const requestOf = (item: Record<string, unknown>) => {
      const key = `${String(item.pk)} ${requestSkOf(String(item.sk))}`;
      const found = byKey.get(key);
      if (!found || key === `${String(item.pk)} ${String(item.sk)}`) return undefined;
      if (!requests.has(key)) requests.set(key, itemToRecord(found, this.certificateCache));
      return requests.get(key);
    };
    return items.map((item) => itemToRecord(item, this.certificateCache, String(item.sk).endsWith('#response') ? requestOf(item) : undefined));
  }

  /**
   * Page by page: a query answers at most 1 MB, and four records with inline bodies near the 300 KB limit are more
   * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Query.Pagination.html).
   */
  async find(client: string, xRoadId: string): Promise<MessageLogRecord[]> {
    const items = await storeCall('message-log', 'The message log could not be read', async () => {
      const read: Record<string, unknown>[] = [];
      let startKey: Record<string, unknown> | undefined;
      do {
        const page = await this.client.send(
          new QueryCommand({
            TableName: this.tableName,
            KeyConditionExpression: 'pk = :pk',
            ExpressionAttributeValues: { ':pk': recordKeyOf(client, xRoadId) },
            ExclusiveStartKey: startKey,
            ConsistentRead: true,
          }),
        );
        read.push(...(page.Items ?? []));
        startKey = page.LastEvaluatedKey;
      } while (startKey);
      return read;
    });
    return this.recordsOf(items);
  }

  /** Every record, page by page (for audits; `onPage` reports progress). */
  async scanRecords(onPage?: (count: number) => void): Promise<(MessageLogRecord & { storedHash: string })[]> {
    // Every item first: a response and its request (one partition) may fall on two pages.
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(new ScanCommand({ TableName: this.tableName, ExclusiveStartKey: startKey, ConsistentRead: true }));
      items.push(...(page.Items ?? []).filter((item) => !NOT_RECORDS.has(String(item.pk))));
      startKey = page.LastEvaluatedKey;
      onPage?.(items.length);
    } while (startKey);
    const records = await this.recordsOf(items);
    return records.map((record, index) => ({ ...record, storedHash: storedHashOf(items[index]) ?? '' }));
  }
}
