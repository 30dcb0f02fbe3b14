/**
 * `ConfigurationArchive` on the gateway's table (pk `GLOBALCONF`): the newest configuration the gateway accepted
 * (`LATEST`, replaced only by a higher version — a conditional write, so concurrent containers never move it back)
 * and the first configuration of each key set it saw (`KEYSET#<id>`, written once, never expiring). A federated
 * instance's configurations are kept the same way under the instance's prefix (`instance`).
 *
 * The signed configuration is stored gzip-compressed in a binary attribute (`signedGz`; DynamoDB counts binary values
 * by their raw bytes): a write unit per KB of what is kept, and the 400 KB item limit, make its size the cost. Measured
 * with the central's builder (`bench/configuration-size.ts`): 100 agencies × 10 services 148 KB of JSON → 19 KB;
 * 1,000 × 20 2.4 MB → 203 KB, half the limit. Items written before (`signed`, JSON text) still read.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SignedGlobalConfiguration } from '../core/trust/global-configuration';
import { StoreUnavailableError } from '../core/kernel/ports';
import type { ConfigurationArchive, KeptConfiguration } from '../core/trust/ports';
import { isConditionFailure } from './dynamodb-message-log';
import { GLOBALCONF_PK, keySetConfigurationKey, keySetPrefix, latestConfigurationKey } from './tables';
import { storeCall } from './store-call';

export class DynamoDbConfigurationArchive implements ConfigurationArchive {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    /** A federated instance whose configurations this archive keeps. @default the gateway's own instance */
    private readonly instance?: string,
  ) {}

  async latest(): Promise<SignedGlobalConfiguration | undefined> {
    try {
      const item = (
        await this.client.send(new GetCommand({ TableName: this.tableName, Key: latestConfigurationKey(this.instance), ConsistentRead: true }))
      ).Item;
      return item ? signedOf(item) : undefined;
    } catch (error) {
      throw new StoreUnavailableError('gateway-config', 'The kept global configuration could not be read', { cause: error });
    }
  }

  async keep(configuration: KeptConfiguration): Promise<void> {
    const signedGz = gzipSync(JSON.stringify(configuration.signed));
    await this.conditionalPut(
      { ...latestConfigurationKey(this.instance), version: configuration.version, signedGz },
      'attribute_not_exists(pk) OR version < :v',
      { ':v': configuration.version },
    );
    if (configuration.keySetKept) return;
    await this.conditionalPut(
      { ...keySetConfigurationKey(configuration.keySetId, this.instance), version: configuration.version, signedGz },
      'attribute_not_exists(pk)',
    );
  }

  history(): Promise<SignedGlobalConfiguration[]> {
    return storeCall('gateway-config', 'The global configuration history could not be read', () => this.readHistory());
  }

  private async readHistory(): Promise<SignedGlobalConfiguration[]> {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :keyset)',
          ExpressionAttributeValues: { ':pk': GLOBALCONF_PK, ':keyset': keySetPrefix(this.instance) },
          ExclusiveStartKey: startKey,
          ConsistentRead: true,
        }),
      );
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey);
    return items.sort((a, b) => Number(a.version) - Number(b.version)).map(signedOf);
  }

  private async conditionalPut(item: Record<string, unknown>, condition: string, values?: Record<string, unknown>): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({ TableName: this.tableName, Item: item, ConditionExpression: condition, ExpressionAttributeValues: values }),
      );
    } catch (error) {
      if (isConditionFailure(error)) return; // a newer copy, or this key set, is kept already
      throw new StoreUnavailableError('gateway-config', 'The global configuration could not be kept', { cause: error });
    }
  }
}

/** The kept configuration of an item: gzipped (`signedGz`), or JSON text as items written before issue 25 hold it. */
function signedOf(item: Record<string, unknown>): SignedGlobalConfiguration {
  const text = item.signedGz instanceof Uint8Array ? gunzipSync(item.signedGz).toString('utf8') : String(item.signed);
  return JSON.parse(text) as SignedGlobalConfiguration;
}
