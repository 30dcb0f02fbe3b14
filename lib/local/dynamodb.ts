/**
 * DynamoDB for the local runtime: dynalite (the real DynamoDB wire protocol, in memory or on LevelDB under the
 * state folder), with tables created from the same layouts the stacks deploy.
 */
import type { AddressInfo } from 'node:net';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { CreateTableCommand, DescribeTableCommand, ResourceInUseException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { TableLayout } from '../../lambdas/adapters/tables';

// dynalite ships no types.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite') as (options: { path?: string; createTableMs?: number; deleteTableMs?: number; updateTableMs?: number }) => Server;

export interface LocalDynamoDb {
  readonly url: string;
  stop(): Promise<void>;
}

/** Starts dynalite; with `path`, tables persist there across restarts. */
export async function startLocalDynamoDb(options: { path?: string; port?: number } = {}): Promise<LocalDynamoDb> {
  const server = dynalite({ path: options.path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  abandonedBodiesEndOnlyTheirConnection(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

/**
 * dynalite rethrows an error of a request's stream (`req.on('error', (err) => { throw err })`): a client that hangs up
 * in the middle of its body would end the process. Its handler still serves every request; such an error now closes
 * only that request's connection.
 */
function abandonedBodiesEndOnlyTheirConnection(server: Server): void {
  for (const handler of server.listeners('request') as ((request: IncomingMessage, response: ServerResponse) => void)[]) {
    server.off('request', handler);
    server.on('request', (request: IncomingMessage, response: ServerResponse) => {
      handler(request, response);
      request.removeAllListeners('error');
      request.on('error', () => response.destroy());
    });
  }
}

/** Creates the table if it does not exist (on-demand billing, as deployed). */
export async function ensureTable(client: DynamoDBClient, tableName: string, layout: TableLayout): Promise<void> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return;
  } catch (error) {
    if ((error as Error).name !== 'ResourceNotFoundException') throw error;
  }
  const keys = [layout.partitionKey, ...(layout.sortKey ? [layout.sortKey] : [])];
  const indexes = layout.indexes ?? [];
  const attributes = [...new Set([...keys, ...indexes.map((index) => index.partitionKey)])];
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: attributes.map((name) => ({ AttributeName: name, AttributeType: 'S' })),
        KeySchema: keys.map((name, index) => ({ AttributeName: name, KeyType: index === 0 ? 'HASH' : 'RANGE' })),
        GlobalSecondaryIndexes: indexes.length
          ? indexes.map((index) => ({
              IndexName: index.indexName,
              KeySchema: [{ AttributeName: index.partitionKey, KeyType: 'HASH' }],
              Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: [...index.include] },
            }))
          : undefined,
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
}
