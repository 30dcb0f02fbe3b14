/**
 * `SealStore` on the gateway's DynamoDB table: seals under pk `SEAL` (sort key = first window, zero-padded; no TTL,
 * so the chain stays verifiable after records expire), the newest with the positions the sealer read its stream to;
 * the leaves of a window for evidence, found by scanning the records; and the legacy sealing index (`seal-window`),
 * which holds the records written before the log was sealed from its stream.
 */
import { PutCommand, QueryCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SealingSettings } from '../core/log/settings';
import { StoreUnavailableError } from '../core/kernel/ports';
import type { FeedPositions, SealLeaf, SealStore, StoredSeal } from '../core/log/ports';
import { windowStartMs, type Seal, type SealHeader } from '../core/log/seal';
import { isConditionFailure } from './dynamodb-message-log';
import { loggedAtOf, storedHashOf } from './message-log-item';
import { SEAL_INDEX, SEAL_PK } from './tables';
import { storeCall } from './store-call';

const sealSortKey = (fromWindow: number) => String(fromWindow).padStart(16, '0');

export class DynamoDbSealStore implements SealStore {
  private readonly shards: number;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** @default shards 4, intervalSeconds 60 */
    sealing: Partial<Pick<SealingSettings, 'shards' | 'intervalSeconds'>> = {},
  ) {
    this.shards = sealing.shards ?? 4;
    this.intervalSeconds = sealing.intervalSeconds ?? 60;
  }

  private readonly intervalSeconds: number;

  async latestSeal(): Promise<StoredSeal | undefined> {
    let result;
    try {
      result = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': SEAL_PK },
          ScanIndexForward: false,
          Limit: 1,
          ConsistentRead: true,
        }),
      );
    } catch (error) {
      throw new StoreUnavailableError('seals', 'The seals could not be read', { cause: error });
    }
    const item = result.Items?.[0];
    if (!item) return undefined;
    const seal = { header: String(item.header), signature: String(item.signature) };
    return item.feed === undefined ? seal : { ...seal, feed: item.feed as FeedPositions };
  }

  listSeals(): Promise<Seal[]> {
    return storeCall('seals', 'The seals could not be read', () => this.readSeals());
  }

  private async readSeals(): Promise<Seal[]> {
    const seals: Seal[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': SEAL_PK },
          ExclusiveStartKey: startKey,
          ConsistentRead: true,
        }),
      );
      for (const item of page.Items ?? []) seals.push({ header: String(item.header), signature: String(item.signature) });
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return seals;
  }

  async putSeal(seal: Seal, header: SealHeader, feed?: FeedPositions): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          // Seals have no TTL: they are small, and they keep the chain verifiable after records expire.
          Item: {
            pk: SEAL_PK,
            sk: sealSortKey(header.fromWindow),
            header: seal.header,
            signature: seal.signature,
            toWindow: header.toWindow,
            sealedAt: header.sealedAt,
            // Where the sealer's stream read resumes (not signed: see `FeedPositions`).
            ...(feed === undefined ? {} : { feed }),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw new StoreUnavailableError('seals', 'The seal could not be written', { cause: error });
    }
  }

  /**
   * Every record of the windows, found by a scan (records are keyed by client and X-Road-Id, so nothing else finds a
   * window's records without an index entry per record): evidence export reads the table once, as `sild log verify` does.
   */
  leavesInWindows(fromWindow: number, toWindow: number): Promise<SealLeaf[]> {
    return storeCall('seals', 'The message log could not be read', () => this.scanLeaves(fromWindow, toWindow));
  }

  private async scanLeaves(fromWindow: number, toWindow: number): Promise<SealLeaf[]> {
    const leaves: SealLeaf[] = [];
    const from = new Date(windowStartMs(fromWindow, this.intervalSeconds)).toISOString();
    const until = new Date(windowStartMs(toWindow + 1, this.intervalSeconds)).toISOString();
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new ScanCommand({
          TableName: this.tableName,
          // Items of the current format keep the time as epoch ms (`t`) and the hash as bytes (`rh`); older ones by name.
          FilterExpression:
            '(loggedAt >= :from AND loggedAt < :until AND attribute_exists(recordHash)) OR (t >= :fromMs AND t < :untilMs AND attribute_exists(rh))',
          ExpressionAttributeValues: {
            ':from': from,
            ':until': until,
            ':fromMs': windowStartMs(fromWindow, this.intervalSeconds),
            ':untilMs': windowStartMs(toWindow + 1, this.intervalSeconds),
          },
          ProjectionExpression: 'pk, sk, loggedAt, recordHash, t, rh',
          ExclusiveStartKey: startKey,
          ConsistentRead: true,
        }),
      );
      for (const item of page.Items ?? [])
        leaves.push({ key: `${item.pk} ${item.sk}`, loggedAt: loggedAtOf(item)!, recordHash: storedHashOf(item)! });
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return leaves;
  }

  indexedLeaves(fromWindow: number, toWindow: number): Promise<SealLeaf[]> {
    return storeCall('seals', 'The sealing index could not be read', () => this.readLeaves(fromWindow, toWindow));
  }

  private async readLeaves(fromWindow: number, toWindow: number): Promise<SealLeaf[]> {
    const leaves: SealLeaf[] = [];
    for (let window = fromWindow; window <= toWindow; window += 1) {
      for (let shard = 0; shard < this.shards; shard += 1) {
        let startKey: Record<string, unknown> | undefined;
        do {
          const page = await this.client.send(
            new QueryCommand({
              TableName: this.tableName,
              IndexName: SEAL_INDEX.indexName,
              KeyConditionExpression: 'sealWindow = :w',
              ExpressionAttributeValues: { ':w': `${window}#${shard}` },
              ExclusiveStartKey: startKey,
            }),
          );
          for (const item of page.Items ?? [])
            leaves.push({ key: `${item.pk} ${item.sk}`, loggedAt: String(item.loggedAt), recordHash: String(item.recordHash) });
          startKey = page.LastEvaluatedKey;
        } while (startKey);
      }
    }
    return leaves;
  }
}
