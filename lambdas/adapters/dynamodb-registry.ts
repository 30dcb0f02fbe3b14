/** `Registry` on DynamoDB: one item per agency, replaced by each join. */
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AllowedAgency, GlobalGroup, RegistryEntry } from '../core/central';
import { StoreUnavailableError, type Registry } from '../core/ports';
import { GLOBAL_GROUPS_KEY, globalGroupsItem, JOIN_ALLOW_LIST_KEY, joinAllowListItem } from './tables';

export class DynamoDbRegistry implements Registry {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async put(entry: RegistryEntry): Promise<void> {
    try {
      await this.client.send(new PutCommand({ TableName: this.tableName, Item: { pk: `AGENCY#${entry.agency}`, sk: 'ENTRY', ...entry } }));
    } catch (error) {
      throw new StoreUnavailableError('registry', 'The registry could not be written', { cause: error });
    }
  }

  allowList(): Promise<AllowedAgency[]> {
    return this.configItem<AllowedAgency>(JOIN_ALLOW_LIST_KEY, 'agencies', 'The join allow-list');
  }

  globalGroups(): Promise<GlobalGroup[]> {
    return this.configItem<GlobalGroup>(GLOBAL_GROUPS_KEY, 'groups', 'The global groups');
  }

  /** Writes what the central stack's custom resources put at deploy time (the local runtime's equivalent). */
  async putDeploymentItems(agencies: readonly AllowedAgency[], groups: readonly GlobalGroup[]): Promise<void> {
    await this.client.send(new PutItemCommand({ TableName: this.tableName, Item: joinAllowListItem(agencies) }));
    await this.client.send(new PutItemCommand({ TableName: this.tableName, Item: globalGroupsItem(groups) }));
  }

  /** A list the deployment wrote as JSON into one item; empty when it was not written. */
  private async configItem<T>(key: { pk: string; sk: string }, attribute: string, what: string): Promise<T[]> {
    try {
      const result = await this.client.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }));
      return result.Item ? (JSON.parse(String(result.Item[attribute])) as T[]) : [];
    } catch (error) {
      throw new StoreUnavailableError('registry', `${what} could not be read`, { cause: error });
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
      throw new StoreUnavailableError('registry', 'The registry could not be read', { cause: error });
    }
    return entries;
  }
}
