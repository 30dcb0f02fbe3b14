/** `Registry` on DynamoDB: one item per agency, replaced by each join. */
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AllowedAgency, Registry, RegistryEntry } from '../core/central';
import { JOIN_ALLOW_LIST_KEY, joinAllowListItem } from './tables';
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

  async allowList(): Promise<AllowedAgency[]> {
    try {
      const result = await this.client.send(new GetCommand({ TableName: this.tableName, Key: JOIN_ALLOW_LIST_KEY, ConsistentRead: true }));
      return result.Item ? (JSON.parse(String(result.Item.agencies)) as AllowedAgency[]) : [];
    } catch (error) {
      throw new LayerFault('DatabaseError', 'The join allow-list could not be read', { cause: error });
    }
  }

  /** Writes the allow-list (the local runtime; in AWS the central stack's custom resource puts the same item). */
  async putAllowList(agencies: readonly AllowedAgency[]): Promise<void> {
    await this.client.send(new PutItemCommand({ TableName: this.tableName, Item: joinAllowListItem(agencies) }));
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
