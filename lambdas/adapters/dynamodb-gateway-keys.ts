/**
 * A gateway's signing keys in its table (pk `KEYS`): the key ring the operator's rotation (`sild keys rotate`) writes
 * and the functions read (`KmsKeyRing`). No item means no rotation yet: the deployment's key alone.
 */
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { StoreUnavailableError } from '../core/kernel/ports';
import { gatewayKeysSchema, SIGNING_KEYS_ITEM, type GatewayKeys } from './gateway-items';
import type { KeyRingState } from './kms-key-ring';

export class DynamoDbGatewayKeys {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async read(): Promise<GatewayKeys | undefined> {
    let item;
    try {
      item = (await this.client.send(new GetCommand({ TableName: this.tableName, Key: SIGNING_KEYS_ITEM.key, ConsistentRead: true }))).Item;
    } catch (error) {
      throw new StoreUnavailableError('gateway-config', 'The signing key ring could not be read', { cause: error });
    }
    return item ? SIGNING_KEYS_ITEM.read(item) : undefined;
  }

  /** The ring as `KmsKeyRing` reads it. */
  async state(): Promise<KeyRingState | undefined> {
    const keys = await this.read();
    return keys && { current: keys.current, published: keys.published };
  }

  async write(keys: GatewayKeys): Promise<void> {
    await this.client.send(new PutItemCommand({ TableName: this.tableName, Item: SIGNING_KEYS_ITEM.write(gatewayKeysSchema.parse(keys)) }));
  }
}
