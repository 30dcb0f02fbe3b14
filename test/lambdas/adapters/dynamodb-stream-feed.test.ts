/**
 * The sealer's feed on a DynamoDB stream, against the local front's stream (what dynalite accepted): every shard read
 * to its end; only insertions of log records are leaves (TTL removals, other items and changes are not); a window is
 * held back until every shard is read past it; positions resume where the sealed windows end; and the sealer over it
 * seals each record once, in one chain over both shards.
 */
import { DeleteItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeStreamCommand } from '@aws-sdk/client-dynamodb-streams';
import { createAwsClients, type AwsClients } from '../../../lambdas/adapters/aws-clients';
import { DynamoDbMessageLog } from '../../../lambdas/adapters/dynamodb-message-log';
import { DynamoDbSealStore } from '../../../lambdas/adapters/dynamodb-seal-store';
import { DynamoDbStreamFeed, isTtlRemoval, leafOf, PROPAGATION_MARGIN_MS } from '../../../lambdas/adapters/dynamodb-stream-feed';
import { MESSAGE_LOG_TABLE } from '../../../lambdas/adapters/tables';
import type { MessageLogRecord } from '../../../lambdas/core/log/records';
import { parseSeal, windowOf } from '../../../lambdas/core/log/seal';
import { runSealer } from '../../../lambdas/core/log/sealer';
import { ensureTable, startLocalDynamoDb, type LocalDynamoDb } from '../../../lib/local/dynamodb';
import { LOCAL_CREDENTIALS } from '../../../lib/local/emulators';
import { SHARDS } from '../../../lib/local/dynamodb-streams';
import { singleKeyRing } from '../../../lambdas/core/kernel/ports';
import { ManualClock, newTestKey } from '../../support/memory-adapters';
import { consumerRecord } from '../../support/log-records';

const TABLE = 'stream-feed-test';
const SETTINGS = { intervalSeconds: 60, graceSeconds: 30, maxLagSeconds: 600, shards: 4 };
let dynamodb: LocalDynamoDb;
let clients: AwsClients;
let clock: ManualClock;

beforeAll(async () => {
  clock = new ManualClock(Date.parse('2026-12-07T10:00:10.000Z'));
  dynamodb = await startLocalDynamoDb({ now: () => clock.now() });
  clients = createAwsClients({ region: 'eu-north-1', endpoints: { dynamodb: dynamodb.url }, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
  await ensureTable(clients.dynamodb as never, TABLE, MESSAGE_LOG_TABLE);
});
afterAll(async () => {
  for (const sdk of [clients.dynamodb, clients.kms, clients.s3, clients.dynamodbStreams]) sdk.destroy();
  await dynamodb.stop();
});

const record = (xRoadId: string, direction: 'request' | 'response' = 'request'): MessageLogRecord =>
  consumerRecord(xRoadId, clock.now(), direction, 200);

describe('DynamoDbStreamFeed', () => {
  const log = () => new DynamoDbMessageLog(clients.dynamodb, TABLE);
  const feed = () => new DynamoDbStreamFeed(() => clients.dynamodbStreams, TABLE, clock);

  test('reads every shard: the log records inserted are leaves; other items, removals and overwrites are not', async () => {
    for (let index = 0; index < 8; index += 1) await log().append(record(`feed-${index}`));
    await clients.dynamodb.send(new PutItemCommand({ TableName: TABLE, Item: { pk: { S: 'SEAL' }, sk: { S: 'x' } } }));
    await clients.dynamodb.send(
      new DeleteItemCommand({ TableName: TABLE, Key: { pk: { S: 'DEV/GOV/70000002/tax-records feed-0' }, sk: { S: 'consumer#request' } } }),
    );
    const read = await feed().read(undefined);
    expect(read.leaves.map((leaf) => leaf.key).sort()).toEqual(
      Array.from({ length: 8 }, (_, index) => `DEV/GOV/70000002/tax-records feed-${index} consumer#request`).sort(),
    );
    // The local stream has two shards, so the multi-shard path is the one tested.
    const { StreamDescription } = await clients.dynamodbStreams.send(new DescribeStreamCommand({ StreamArn: dynamodb.streams.streamArn(TABLE) }));
    expect(StreamDescription!.Shards).toHaveLength(SHARDS);
    expect(read.readThroughMs).toBe(clock.now() - PROPAGATION_MARGIN_MS);
  });

  test('a TTL removal is recognised as DynamoDB Streams marks it, and is never a leaf', () => {
    const ttl = { eventName: 'REMOVE' as const, userIdentity: { Type: 'Service', PrincipalId: 'dynamodb.amazonaws.com' } };
    expect(isTtlRemoval(ttl)).toBe(true);
    expect(
      leafOf({ ...ttl, dynamodb: { NewImage: { pk: { S: 'a b' }, sk: { S: 'consumer#request' }, t: { N: '1' }, rh: { B: new Uint8Array(32) } } } }),
    ).toBeUndefined();
    expect(isTtlRemoval({ eventName: 'REMOVE' })).toBe(false);
  });

  test('positions resume after the records of sealed windows: records read again are only those created since', async () => {
    const first = await feed().read(undefined);
    const positions = first.positionsBefore(clock.now() + 1_000);
    clock.advance(61_000);
    await log().append(record('feed-later'));
    const next = await feed().read(positions);
    expect(next.leaves.map((leaf) => leaf.key)).toEqual(['DEV/GOV/70000002/tax-records feed-later consumer#request']);
  });
});

describe('runSealer over the stream', () => {
  test('every record sealed once, one chain over both shards; a window is held back until the stream is read past it', async () => {
    const table = 'stream-sealer-test';
    await ensureTable(clients.dynamodb as never, table, MESSAGE_LOG_TABLE);
    const log = new DynamoDbMessageLog(clients.dynamodb, table);
    const store = new DynamoDbSealStore(clients.dynamodb, table);
    const keys = singleKeyRing(newTestKey());
    let readThroughCap = Number.POSITIVE_INFINITY;
    const real = new DynamoDbStreamFeed(() => clients.dynamodbStreams, table, clock);
    // A shard that is behind, as the feed reports it: read through no later than the cap.
    const feed = {
      read: async (from: Parameters<typeof real.read>[0]) => ({ ...(await real.read(from)), readThroughMs: Math.min(readThroughCap, clock.now()) }),
    };
    const deps = { store, keys, gatewayId: 'DEV/GOV/70000002/tax-board', clock, settings: SETTINGS, feed };
    for (let index = 0; index < 10; index += 1) await log.append(record(`seal-${index}`));
    const window = windowOf(clock.now(), 60);
    clock.advance(120_000);
    readThroughCap = clock.now() - 110_000; // not past the window's end plus the grace
    const held = await runSealer(deps);
    expect(held.every((header) => header.toWindow < window)).toBe(true);
    readThroughCap = Number.POSITIVE_INFINITY;
    const sealed = await runSealer(deps);
    const all = [...held, ...sealed];
    expect(all.reduce((sum, header) => sum + header.recordCount, 0)).toBe(10);
    const seals = (await store.listSeals()).map(parseSeal);
    seals.slice(1).forEach((header, index) => expect(header.fromWindow).toBe(seals[index].toWindow + 1));
    // Nothing is sealed twice when the next run reads from the stored positions.
    clock.advance(60_000);
    expect((await runSealer(deps)).reduce((sum, header) => sum + header.recordCount, 0)).toBe(0);
    expect(await store.latestSeal()).toHaveProperty('feed');
  });
});
