/** `Registry` on DynamoDB: one item per agency, replaced by each join. */
import { PutCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Registry, RegistryEntry } from '../core/central';
import { LayerFault } from '../core/errors';

export class DynamoDbRegistry implements Registry {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async put(entry: RegistryEntry): Promise<void> {
    try {
      await this.client.send(new PutCommand({ TableName: this.tableName, Item: { pk: `AGENCY#${entry.agency}`, sk: 'ENTRY', ...entry } }));
    } catch (error) {
      throw new LayerFault('DatabaseError', 'The registry could not be written', { cause: error });
    }
  }

  /** The registry is small (one item per agency), so a paged scan is the simplest correct read. */
  async list(): Promise<RegistryEntry[]> {
    const entries: RegistryEntry[] = [];
    let startKey: Record<string, unknown> | undefined;
    try {
      do {
        const page = await this.client.send(new ScanCommand({ TableName: this.tableName, ExclusiveStartKey: startKey, ConsistentRead: true }));
        for (const item of page.Items ?? []) {
          if (item.sk === 'ENTRY') {
            const { pk: _pk, sk: _sk, ...entry } = item;
            entries.push(entry as RegistryEntry);
          }
        }
        startKey = page.LastEvaluatedKey;
      } while (startKey);
    } catch (error) {
      throw new LayerFault('DatabaseError', 'The registry could not be read', { cause: error });
    }
    return entries;
  }
}
