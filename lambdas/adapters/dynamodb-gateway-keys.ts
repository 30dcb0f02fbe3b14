/**
 * A gateway's signing keys in its table (pk `KEYS`): the key ring the operator's rotation (`sild keys rotate`) writes
 * and the functions read (`KmsKeyRing`). No item means no rotation yet: the deployment's key alone.
 */
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { StoreUnavailableError } from '../core/kernel/ports';
import type { KeyRingState } from './kms-key-ring';
import { GATEWAY_KEYS_KEY } from './tables';

export const gatewayKeysSchema = z.object({
  current: z.string(),
  published: z.array(z.string()).min(1),
  /** A rotation in progress: the stage reached, the keys involved, and when the stage was reached. */
  rotation: z.object({ stage: z.enum(['published', 'switched']), previous: z.string(), next: z.string(), at: z.iso.datetime() }).optional(),
  /** Keys rotated out, with when (KMS keys are kept: evidence and audits still name them). */
  retired: z.array(z.object({ key: z.string(), at: z.iso.datetime() })).default([]),
});

export type GatewayKeys = z.infer<typeof gatewayKeysSchema>;

export class DynamoDbGatewayKeys {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async read(): Promise<GatewayKeys | undefined> {
    let item;
    try {
      item = (await this.client.send(new GetCommand({ TableName: this.tableName, Key: GATEWAY_KEYS_KEY, ConsistentRead: true }))).Item;
    } catch (error) {
      throw new StoreUnavailableError('gateway-config', 'The signing key ring could not be read', { cause: error });
    }
    return item ? gatewayKeysSchema.parse(JSON.parse(String(item.ring))) : undefined;
  }

  /** The ring as `KmsKeyRing` reads it. */
  async state(): Promise<KeyRingState | undefined> {
    const keys = await this.read();
    return keys && { current: keys.current, published: keys.published };
  }

  async write(keys: GatewayKeys): Promise<void> {
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: { ...GATEWAY_KEYS_KEY, ring: JSON.stringify(gatewayKeysSchema.parse(keys)) } }));
  }
}
