/** `Registry` on DynamoDB: one item per agency, replaced by each join. */
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, ScanCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AllowedAgency, GlobalGroup, RegistryEntry } from '../core/central/registry';
import type { FederatedInstance } from '../core/trust/global-configuration';
import { centralKeyRotationSchema, type CentralKeyRotation } from '../core/trust/central-keys';
import * as z from '../core/kernel/schema';
import { StoreUnavailableError } from '../core/kernel/ports';
import type { Registry } from '../core/central/ports';
import type { KeyRingState } from './kms-key-ring';
import { isConditionFailure } from './dynamodb-message-log';
import type { ItemKind } from './item-kind';
import { CENTRAL_KEYS_ITEM, FEDERATED_INSTANCES_ITEM, GLOBAL_GROUPS_ITEM, JOIN_ALLOW_LIST_ITEM } from './registry-items';
import { CENTRAL_KEY_CHAIN_KEY, CONFIGURATION_VERSION_KEY } from './tables';

/** The central key ring as the operator's rotation writes it: the key that signs, and the keys in use so far, oldest first. */
export type CentralKeysItem = KeyRingState;

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
    return this.configItem(JOIN_ALLOW_LIST_ITEM, 'The join allow-list');
  }

  globalGroups(): Promise<GlobalGroup[]> {
    return this.configItem(GLOBAL_GROUPS_ITEM, 'The global groups');
  }

  federatedInstances(): Promise<FederatedInstance[]> {
    return this.configItem(FEDERATED_INSTANCES_ITEM, 'The federated instances');
  }

  /** Writes what the central stack's custom resources put at deploy time (the local runtime's equivalent). */
  async putDeploymentItems(
    agencies: readonly AllowedAgency[],
    groups: readonly GlobalGroup[],
    federation: readonly FederatedInstance[] = [],
  ): Promise<void> {
    await this.client.send(new PutItemCommand({ TableName: this.tableName, Item: JOIN_ALLOW_LIST_ITEM.write(agencies) }));
    await this.client.send(new PutItemCommand({ TableName: this.tableName, Item: GLOBAL_GROUPS_ITEM.write(groups) }));
    await this.putFederatedInstances(federation);
  }

  /** The federated instances, as the central stack's custom resource writes them. */
  async putFederatedInstances(federation: readonly FederatedInstance[]): Promise<void> {
    await this.client.send(new PutItemCommand({ TableName: this.tableName, Item: FEDERATED_INSTANCES_ITEM.write(federation) }));
  }

  async remove(agency: string): Promise<boolean> {
    try {
      const result = await this.client.send(
        new DeleteCommand({ TableName: this.tableName, Key: { pk: `AGENCY#${agency}`, sk: 'ENTRY' }, ReturnValues: 'ALL_OLD' }),
      );
      return result.Attributes !== undefined;
    } catch (error) {
      throw new StoreUnavailableError('registry', 'The registry could not be written', { cause: error });
    }
  }

  /** An atomic counter (`ADD`): concurrent publishers never get the same version. */
  async nextConfigurationVersion(): Promise<number> {
    try {
      const result = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: CONFIGURATION_VERSION_KEY,
          UpdateExpression: 'ADD #v :one',
          ExpressionAttributeNames: { '#v': 'version' },
          ExpressionAttributeValues: { ':one': 1 },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return Number(result.Attributes!.version);
    } catch (error) {
      throw new StoreUnavailableError('registry', 'The configuration version could not be advanced', { cause: error });
    }
  }

  async centralKeyRotations(): Promise<CentralKeyRotation[]> {
    try {
      const item = (await this.client.send(new GetCommand({ TableName: this.tableName, Key: CENTRAL_KEY_CHAIN_KEY, ConsistentRead: true }))).Item;
      return item ? z.array(centralKeyRotationSchema).parse(JSON.parse(String(item.rotations))) : [];
    } catch (error) {
      throw new StoreUnavailableError('registry', 'The central key rotations could not be read', { cause: error });
    }
  }

  async appendCentralKeyRotation(rotation: CentralKeyRotation, count: number): Promise<boolean> {
    const rotations = [...(await this.centralKeyRotations()), rotation];
    if (rotations.length !== count + 1) return false;
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...CENTRAL_KEY_CHAIN_KEY, count: rotations.length, rotations: JSON.stringify(rotations) },
          ConditionExpression: 'attribute_not_exists(pk) OR #count = :count',
          ExpressionAttributeNames: { '#count': 'count' },
          ExpressionAttributeValues: { ':count': count },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw new StoreUnavailableError('registry', 'The central key rotation could not be recorded', { cause: error });
    }
  }

  /** The central key ring; undefined before the first rotation (the deployment's key signs). */
  async centralKeys(): Promise<CentralKeysItem | undefined> {
    try {
      const item = (await this.client.send(new GetCommand({ TableName: this.tableName, Key: CENTRAL_KEYS_ITEM.key, ConsistentRead: true }))).Item;
      return item ? CENTRAL_KEYS_ITEM.read(item) : undefined;
    } catch (error) {
      throw new StoreUnavailableError('registry', 'The central key ring could not be read', { cause: error });
    }
  }

  /** Writes the central key ring (the operator's rotation). */
  async putCentralKeys(keys: CentralKeysItem): Promise<void> {
    await this.client.send(new PutItemCommand({ TableName: this.tableName, Item: CENTRAL_KEYS_ITEM.write(keys) }));
  }

  /** A list the deployment wrote as JSON into one item; empty when it was not written. */
  private async configItem<T>(kind: ItemKind<readonly T[], T[]>, what: string): Promise<T[]> {
    try {
      const result = await this.client.send(new GetCommand({ TableName: this.tableName, Key: kind.key, ConsistentRead: true }));
      return result.Item ? kind.read(result.Item) : [];
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
