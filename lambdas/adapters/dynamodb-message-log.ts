/**
 * `MessageLog` on DynamoDB. Each record is one conditional `PutItem` (no transactions: they cost double and
 * dynalite lacks them); `attribute_not_exists(pk)` makes a second record with the same key fail, which is how a
 * replayed X-Road-Id is rejected without a read-then-write race.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { MessageLog, MessageLogRecord } from '../core/message-log';
import { DuplicateRecordError, StoreUnavailableError } from '../core/ports';

export interface DynamoDbMessageLogOptions {
  /** How long records are kept before DynamoDB's TTL removes them. @default 30 days */
  readonly retentionDays?: number;
}

const keyOf = (client: string, xRoadId: string) => `${client} ${xRoadId}`;

export class DynamoDbMessageLog implements MessageLog {
  private readonly retentionSeconds: number;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    options: DynamoDbMessageLogOptions = {},
  ) {
    this.retentionSeconds = (options.retentionDays ?? 30) * 86_400;
  }

  async append(record: MessageLogRecord): Promise<void> {
    const item = {
      pk: keyOf(record.client, record.xRoadId),
      sk: `${record.side}#${record.direction}`,
      ...record,
      expiresAt: Math.floor(Date.parse(record.loggedAt) / 1000) + this.retentionSeconds,
    };
    try {
      await this.client.send(new PutCommand({ TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }));
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException || (error as Error).name === 'ConditionalCheckFailedException') {
        throw new DuplicateRecordError(`A ${item.sk} record for ${item.pk} exists already`);
      }
      throw new StoreUnavailableError('The message log could not be written', { cause: error });
    }
  }

  async find(client: string, xRoadId: string): Promise<MessageLogRecord[]> {
    const result = await this.client.send(
      new QueryCommand({ TableName: this.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': keyOf(client, xRoadId) }, ConsistentRead: true }),
    );
    return (result.Items ?? []).map((item) => {
      const { pk: _pk, sk: _sk, expiresAt: _expiresAt, body, ...record } = item;
      return { ...record, ...(body === undefined ? {} : { body: Buffer.from(body as Uint8Array) }) } as MessageLogRecord;
    });
  }
}
