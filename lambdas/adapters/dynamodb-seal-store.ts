/**
 * `SealStore` on the gateway's DynamoDB table: seals under pk `SEAL` (sort key = first window, zero-padded; no TTL,
 * so the chain stays verifiable after records expire), and the sealing index of the records (`seal-window`).
 */
import { PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SealingSettings } from '../core/log/settings';
import { StoreUnavailableError } from '../core/kernel/ports';
import type { SealLeaf, SealStore } from '../core/log/ports';
import type { Seal, SealHeader } from '../core/log/seal';
import { isConditionFailure } from './dynamodb-message-log';
import { SEAL_INDEX, SEAL_PK } from './tables';
import { storeCall } from './store-call';

const sealSortKey = (fromWindow: number) => String(fromWindow).padStart(16, '0');

export class DynamoDbSealStore implements SealStore {
  private readonly shards: number;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** @default shards 4 */
    sealing: Pick<SealingSettings, 'shards'> = { shards: 4 },
  ) {
    this.shards = sealing.shards;
  }

  async latestSeal(): Promise<Seal | undefined> {
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
    return item ? { header: String(item.header), signature: String(item.signature) } : undefined;
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

  async putSeal(seal: Seal, header: SealHeader): Promise<boolean> {
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

  leavesInWindows(fromWindow: number, toWindow: number): Promise<SealLeaf[]> {
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
