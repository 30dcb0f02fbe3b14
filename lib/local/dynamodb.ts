/**
 * DynamoDB for the local runtime: dynalite (the real DynamoDB wire protocol, in memory or on LevelDB under the
 * state folder), with tables created from the same layouts the stacks deploy, and DynamoDB Streams served by the front
 * from the writes dynalite accepted (`dynamodb-streams.ts`).
 */
import type { AddressInfo } from 'node:net';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { PassThrough } from 'node:stream';
import { CreateTableCommand, DescribeTableCommand, ResourceInUseException, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { TableLayout } from '../../lambdas/adapters/tables';
import { LocalStreams, STREAMS_TARGET_PREFIX } from './dynamodb-streams';
import { signedCaller, type SignatureRefusal } from './iam/aws-caller';
import { LocalIam } from './iam/local-iam';
import { readBody } from './read-body';
import { guardedListener } from './request-input';

// dynalite ships no types.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite') as (options: {
  path?: string;
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}) => Server;

export interface LocalDynamoDb {
  readonly url: string;
  /** The tables' streams, fed by the writes dynalite accepted. */
  readonly streams: LocalStreams;
  stop(): Promise<void>;
}

export interface LocalDynamoDbOptions {
  readonly path?: string;
  readonly port?: number;
  readonly iam?: LocalIam;
  /** The region stream records name. @default 'eu-north-1' */
  readonly region?: string;
  /** The clock of the streams' `ApproximateCreationDateTime`. @default Date.now */
  readonly now?: () => number;
}

/**
 * Starts dynalite; with `path`, tables persist there across restarts. Every request is authenticated and authorized
 * as DynamoDB does it (`iam`), inside dynalite's own server: no extra hop.
 */
export async function startLocalDynamoDb(options: LocalDynamoDbOptions = {}): Promise<LocalDynamoDb> {
  const server = dynalite({ path: options.path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const iam = options.iam ?? new LocalIam();
  const streams = new LocalStreams({
    region: options.region ?? 'eu-north-1',
    tableArn: (table) => iam.table(table).arn,
    now: options.now,
    file: options.path && `${options.path}.streams.jsonl`,
  });
  authorizedFirst(server, iam, streams);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    streams,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

/**
 * dynalite's largest request; a larger one it answers 413 itself. Its items are bounded at DynamoDB's 400 KB
 * (`maxItemSizeKb` defaults to 400: https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html#limits-items).
 */
const MAX_REQUEST_BYTES = 16 * 1024 * 1024;

/**
 * Puts DynamoDB's authentication and authorization in front of dynalite's handler (dynalite checks neither): the body
 * is read first (which also keeps a client that hangs up mid-body from reaching dynalite, whose stream errors would end
 * the process), the caller's signature verified, the call authorized with the caller's policies, and only then
 * replayed into dynalite. Refusals are DynamoDB's own (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/CommonErrors.html).
 */
function authorizedFirst(server: Server, iam: LocalIam, streams: LocalStreams): void {
  for (const handler of server.listeners('request') as ((request: IncomingMessage, response: ServerResponse) => void)[]) {
    server.off('request', handler);
    server.on(
      'request',
      guardedListener(
        async (request, response) => {
          const body = await readBody(request, MAX_REQUEST_BYTES);
          // dynalite's own answer to a body above its limit.
          if (body === undefined) return void response.writeHead(413).end();
          const target = String(request.headers['x-amz-target'] ?? '');
          if (request.method === 'POST') {
            const refusal = await refusalOf(iam, request, body, streams);
            if (refusal) return answerError(response, refusal);
          }
          if (target.startsWith(STREAMS_TARGET_PREFIX)) return answerStreams(response, streams, target, body);
          // A write dynalite accepts goes into its table's stream, as DynamoDB Streams records it.
          const operation = target.split('.')[1] ?? '';
          if (STREAM_WRITES.has(operation)) {
            response.once('finish', () => {
              if (response.statusCode === 200) streams.recordWrite(operation, JSON.parse(body.toString('utf8')) as Record<string, unknown>);
            });
          }
          // dynalite reads the request as a stream: it gets the same request, its body replayed.
          const replay = Object.assign(new PassThrough(), { headers: request.headers, method: request.method, url: request.url });
          handler(replay as unknown as IncomingMessage, response);
          replay.end(body);
        },
        (response) =>
          answerError(response, { status: 500, type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'Internal server error' }),
      ),
    );
  }
}

const STREAM_WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem']);

/** The Streams API, answered from the front's streams (JSON 1.0, as DynamoDB Streams answers). */
function answerStreams(response: ServerResponse, streams: LocalStreams, target: string, body: Buffer): void {
  let input: Record<string, unknown>;
  try {
    input = JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
  } catch {
    return answerError(response, { status: 400, type: 'com.amazon.coral.service#SerializationException', message: 'Malformed request body' });
  }
  const answer = streams.answer(target.slice(STREAMS_TARGET_PREFIX.length), input);
  if ('error' in answer) return answerError(response, answer.error);
  response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
  response.end(JSON.stringify(answer.body));
}

interface DynamoDbError {
  readonly status: number;
  readonly type: string;
  readonly message: string;
}

function answerError(response: ServerResponse, error: DynamoDbError): void {
  if (response.headersSent) return void response.destroy();
  response.writeHead(error.status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-errortype': error.type.split('#').pop()! });
  response.end(JSON.stringify({ __type: error.type, message: error.message }));
}

const SIGNATURE_ERRORS: Record<SignatureRefusal, DynamoDbError> = {
  MissingAuthenticationToken: {
    status: 400,
    type: 'com.amazon.coral.service#MissingAuthenticationTokenException',
    message: 'Request is missing Authentication Token',
  },
  UnrecognizedClient: {
    status: 400,
    type: 'com.amazon.coral.service#UnrecognizedClientException',
    message: 'The security token included in the request is invalid.',
  },
  InvalidSignature: {
    status: 400,
    type: 'com.amazon.coral.service#InvalidSignatureException',
    message: 'The request signature we calculated does not match the signature you provided.',
  },
};

/** Why DynamoDB would refuse the call before acting on it — its signature, or its caller's permissions — if it would. */
async function refusalOf(iam: LocalIam, request: IncomingMessage, body: Buffer, streams: LocalStreams): Promise<DynamoDbError | undefined> {
  const caller = await signedCaller(iam, request, body, 'dynamodb');
  if ('refusal' in caller) return SIGNATURE_ERRORS[caller.refusal];
  const target = String(request.headers['x-amz-target'] ?? '');
  const operation = target.split('.')[1] ?? '';
  let input: Record<string, unknown>;
  try {
    input = JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
  } catch {
    return undefined; // dynalite (or the streams' answer) refuses the malformed body itself
  }
  if (target.startsWith(STREAMS_TARGET_PREFIX)) {
    // A stream reader's calls (an event source mapping's, with the function's role, or the sealer's own) are authorized
    // on the stream's ARN; `ListStreams` on the table's streams
    // (https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html#events-dynamodb-permissions).
    const resource = streams.resourceOf(operation, input);
    if (!resource) return undefined; // answered as DynamoDB Streams answers an unknown stream or iterator
    const account = resource.table === '*' ? (caller.principal.account ?? '000000000000') : iam.table(resource.table).account;
    const decision = await iam.authorize({
      principal: caller.principal,
      action: `dynamodb:${operation}`,
      resource: resource.arn,
      resourceAccount: account,
    });
    return decision.allowed ? undefined : { status: 400, type: 'com.amazon.coral.service#AccessDeniedException', message: decision.message };
  }
  for (const { table, index, leadingKeys } of accessedTables(operation, input)) {
    const resource = iam.table(table);
    const arn = index === undefined ? resource.arn : `${resource.arn}/index/${index}`;
    const decision = await iam.authorize({
      principal: caller.principal,
      action: `dynamodb:${operation}`,
      resource: arn,
      resourceAccount: resource.account,
      context: leadingKeys === undefined ? {} : { 'dynamodb:LeadingKeys': leadingKeys },
    });
    if (!decision.allowed) return { status: 400, type: 'com.amazon.coral.service#AccessDeniedException', message: decision.message };
  }
  return undefined;
}

/** The partition key of every Sild table (`tables.ts`). */
const PARTITION_KEY = 'pk';

/**
 * The tables (and indexes) a call touches, and its leading keys: the partition key values it reads or writes, as IAM's
 * `dynamodb:LeadingKeys` condition key sees them (Scan has none; a Query's is the value its key condition names).
 */
function accessedTables(operation: string, input: Record<string, unknown>): { table: string; index?: string; leadingKeys?: string[] }[] {
  const keyOf = (item: unknown) => String((item as Record<string, { S?: string }> | undefined)?.[PARTITION_KEY]?.S ?? '');
  const table = String(input.TableName ?? '');
  switch (operation) {
    case 'GetItem':
    case 'DeleteItem':
    case 'UpdateItem':
      return [{ table, leadingKeys: [keyOf(input.Key)] }];
    case 'PutItem':
      return [{ table, leadingKeys: [keyOf(input.Item)] }];
    case 'Query':
      return [{ table, index: input.IndexName === undefined ? undefined : String(input.IndexName), leadingKeys: [queriedKey(input)] }];
    case 'BatchGetItem':
    case 'BatchWriteItem': {
      const requests = (input.RequestItems ?? {}) as Record<string, unknown>;
      return Object.entries(requests).map(([name, entry]) => {
        const items =
          operation === 'BatchGetItem'
            ? ((entry as { Keys?: unknown[] }).Keys ?? [])
            : ((entry as { PutRequest?: { Item: unknown }; DeleteRequest?: { Key: unknown } }[]) ?? []).map(
                (write) => write.PutRequest?.Item ?? write.DeleteRequest?.Key,
              );
        return { table: name, leadingKeys: [...new Set(items.map(keyOf))] };
      });
    }
    default:
      // Scan, DescribeTable, CreateTable, …: no leading keys.
      return [{ table }];
  }
}

/** The partition key value a Query's `KeyConditionExpression` compares with `=` (`pk = :pk`, `#k = :v`). */
function queriedKey(input: Record<string, unknown>): string {
  const names = (input.ExpressionAttributeNames ?? {}) as Record<string, string>;
  const values = (input.ExpressionAttributeValues ?? {}) as Record<string, { S?: string }>;
  for (const condition of String(input.KeyConditionExpression ?? '').split(/\s+AND\s+/i)) {
    const match = /^\s*\(?\s*([#\w]+)\s*=\s*(:\w+)\s*\)?\s*$/.exec(condition);
    if (!match) continue;
    const attribute = match[1].startsWith('#') ? names[match[1]] : match[1];
    if (attribute === PARTITION_KEY || input.IndexName !== undefined) return String(values[match[2]]?.S ?? '');
  }
  // Unreadable: a key no policy names, so a condition on leading keys cannot pass by accident.
  return '\u0000unreadable-key-condition';
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
