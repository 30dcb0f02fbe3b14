/**
 * Hostile review of round 3's performance changes: sealing from the log table's stream, compact log items, and the
 * gateway's kept configuration written on change and fetched conditionally. Each test fails if its attack works.
 */
import { DeleteItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { createAwsClients, type AwsClients } from '../../lambdas/adapters/aws-clients';
import { DynamoDbMessageLog } from '../../lambdas/adapters/dynamodb-message-log';
import { DynamoDbSealStore } from '../../lambdas/adapters/dynamodb-seal-store';
import { DynamoDbStreamFeed } from '../../lambdas/adapters/dynamodb-stream-feed';
import { HttpGlobalConfigurationFetcher } from '../../lambdas/adapters/http-global-configuration-fetcher';
import { MESSAGE_LOG_TABLE } from '../../lambdas/adapters/tables';
import { buildGlobalConfiguration } from '../../lambdas/core/central/configuration-builder';
import { centralSettingsSchema } from '../../lambdas/core/central/settings';
import { LayerFault } from '../../lambdas/core/kernel/errors';
import type { HttpResponse } from '../../lambdas/core/kernel/http';
import type { HttpClient, OutboundRequest } from '../../lambdas/core/kernel/ports';
import { singleKeyRing } from '../../lambdas/core/kernel/ports';
import { auditLog } from '../../lambdas/core/log/audit';
import type { MessageLogRecord } from '../../lambdas/core/log/records';
import { parseSeal, windowOf, windowStartMs } from '../../lambdas/core/log/seal';
import { runSealer } from '../../lambdas/core/log/sealer';
import { signGlobalConfiguration, type Anchor, type SignedGlobalConfiguration } from '../../lambdas/core/trust/global-configuration';
import { GlobalConfigurationCache } from '../../lambdas/core/trust/global-configuration-cache';
import { ensureTable, startLocalDynamoDb, type LocalDynamoDb } from '../../lib/local/dynamodb';
import { LOCAL_CREDENTIALS } from '../../lib/local/emulators';
import { ManualClock, MemoryConfigurationArchive, newTestKey } from '../support/memory-adapters';
import { rejectionOf } from '../support/assertions';
import { consumerRecord } from '../support/log-records';

const SETTINGS = { intervalSeconds: 60, graceSeconds: 30, maxLagSeconds: 600, shards: 4 };
const GATEWAY = 'DEV/GOV/70000002';
const T0 = Date.parse('2026-12-07T10:00:10.000Z');
let dynamodb: LocalDynamoDb;
let clients: AwsClients;
let clock: ManualClock;
let tables = 0;

beforeAll(async () => {
  clock = new ManualClock(T0);
  dynamodb = await startLocalDynamoDb({ now: () => clock.now() });
  clients = createAwsClients({ region: 'eu-north-1', endpoints: { dynamodb: dynamodb.url }, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
});
afterAll(async () => {
  for (const sdk of [clients.dynamodb, clients.kms, clients.s3, clients.dynamodbStreams]) sdk.destroy();
  await dynamodb.stop();
});

/** A gateway's log, seal store, stream feed and sealer on a table of its own. */
async function gateway() {
  tables += 1;
  const table = `perf-review-${tables}`;
  await ensureTable(clients.dynamodb as never, table, MESSAGE_LOG_TABLE);
  const key = newTestKey();
  const log = new DynamoDbMessageLog(clients.dynamodb, table);
  const store = new DynamoDbSealStore(clients.dynamodb, table);
  // A restarted sealer: a new feed and store each run, nothing carried over but the table.
  const seal = () =>
    runSealer({
      store: new DynamoDbSealStore(clients.dynamodb, table),
      keys: singleKeyRing(key),
      gatewayId: GATEWAY,
      clock,
      settings: SETTINGS,
      feed: new DynamoDbStreamFeed(() => clients.dynamodbStreams, table, clock),
    });
  const audit = async () =>
    auditLog({
      gatewayId: GATEWAY,
      seals: await store.listSeals(),
      records: await log.scanRecords(),
      configuration: { publicKey: () => key.spkiBase64 },
      intervalSeconds: SETTINGS.intervalSeconds,
      retentionDays: 30,
      nowMs: clock.now(),
    }).problems.filter((problem) => !/unsigned|manifest|signature/.test(problem));
  /** Every sealed leaf count, by window range. */
  const sealedCount = async () => (await store.listSeals()).reduce((sum, seal) => sum + parseSeal(seal).recordCount, 0);
  return { table, log, store, seal, audit, sealedCount };
}

let ids = 0;
const record = (loggedAtMs: number, direction: 'request' | 'response' = 'request', xRoadId = `x-${(ids += 1)}`): MessageLogRecord =>
  consumerRecord(xRoadId, loggedAtMs, direction);

const minute = (n: number) => windowStartMs(windowOf(T0, 60) + n, 60);

describe('sealing from the stream', () => {
  test('a writer whose clock runs 2.5 s ahead logs into the next window: the record is still sealed, once', async () => {
    clock.set(minute(0) + 58_000);
    const g = await gateway();
    await g.log.append(record(minute(0) + 10_000)); // an ordinary record of window 0
    await g.log.append(record(minute(1) + 500)); // stamped in window 1, created at 10:00:58 by DynamoDB's clock
    clock.set(minute(1) + 40_000);
    expect((await g.seal()).map((header) => header.toWindow)).toContain(windowOf(minute(0), 60));
    clock.set(minute(2) + 40_000);
    await g.seal();
    expect(await g.sealedCount()).toBe(2);
    expect(await g.audit()).toEqual([]);
  });

  test('a sealer restarted mid-window (and one that read but failed to write its seal) seals every record once, in one chain', async () => {
    clock.set(minute(0) + 5_000);
    const g = await gateway();
    await g.log.append(record(clock.now()));
    clock.set(minute(1) + 10_000);
    await g.log.append(record(clock.now()));
    clock.set(minute(1) + 40_000);
    await g.seal(); // window 0
    await g.log.append(record(clock.now())); // window 1, after the restart's positions
    clock.set(minute(1) + 50_000);
    await g.seal(); // a restart in the middle of window 1: nothing new to seal
    clock.set(minute(2) + 20_000);
    await g.log.append(record(clock.now()));
    clock.set(minute(3) + 40_000);
    await g.seal();
    const seals = (await g.store.listSeals()).map(parseSeal);
    for (let index = 1; index < seals.length; index += 1) expect(seals[index].fromWindow).toBe(seals[index - 1].toWindow + 1);
    expect(await g.sealedCount()).toBe(4);
    expect(await g.audit()).toEqual([]);
  });

  test('a record that lands in a window already sealed (a writer stalled past the grace) is reported by the audit', async () => {
    clock.set(minute(0) + 5_000);
    const g = await gateway();
    await g.log.append(record(clock.now()));
    clock.set(minute(1) + 40_000);
    await g.seal();
    await g.log.append(record(minute(0) + 59_000)); // stamped in window 0, written 41 s after it closed
    clock.set(minute(2) + 40_000);
    await g.seal();
    expect(await g.sealedCount()).toBe(1);
    expect((await g.audit()).join('\n')).toMatch(/no longer matches the seal/);
  });

  test('a TTL-style removal or a MODIFY of a sealed record within retention is caught; neither becomes a leaf', async () => {
    clock.set(minute(0) + 5_000);
    const g = await gateway();
    const removed = record(clock.now());
    const modified = record(clock.now());
    await g.log.append(removed);
    await g.log.append(modified);
    clock.set(minute(1) + 40_000);
    await g.seal();
    await clients.dynamodb.send(
      new DeleteItemCommand({ TableName: g.table, Key: { pk: { S: `${removed.client} ${removed.xRoadId}` }, sk: { S: 'consumer#request' } } }),
    );
    await clients.dynamodb.send(
      new UpdateItemCommand({
        TableName: g.table,
        Key: { pk: { S: `${modified.client} ${modified.xRoadId}` }, sk: { S: 'consumer#request' } },
        UpdateExpression: 'SET mt = :m',
        ExpressionAttributeValues: { ':m': { S: 'DELETE' } },
      }),
    );
    clock.set(minute(2) + 40_000);
    await g.seal();
    expect(await g.sealedCount()).toBe(2);
    const problems = (await g.audit()).join('\n');
    expect(problems).toMatch(/no longer matches the seal/);
    expect(problems).toMatch(/edited after it was logged/);
  });
});

describe('compact items: a response reads its request fields from its request record', () => {
  async function exchange() {
    clock.set(minute(0) + 5_000);
    const g = await gateway();
    const xRoadId = `x-${(ids += 1)}`;
    await g.log.append(record(clock.now(), 'request', xRoadId));
    await g.log.append(record(clock.now() + 100, 'response', xRoadId));
    clock.set(minute(1) + 40_000);
    await g.seal();
    const key = { pk: { S: `DEV/GOV/70000002/tax-records ${xRoadId}` } };
    return { g, xRoadId, key };
  }

  test('the response item stores no request field (the derivation is in use)', async () => {
    const { g, xRoadId } = await exchange();
    const [, response] = (await g.log.find('DEV/GOV/70000002/tax-records', xRoadId)).sort((a) => (a.direction === 'request' ? -1 : 1));
    expect(response.method).toBe('GET');
    expect(await g.audit()).toEqual([]);
  });

  test("editing the request record's method restates the response too: both are caught", async () => {
    const { g, key } = await exchange();
    await clients.dynamodb.send(
      new UpdateItemCommand({
        TableName: g.table,
        Key: { ...key, sk: { S: 'consumer#request' } },
        UpdateExpression: 'SET mt = :m',
        ExpressionAttributeValues: { ':m': { S: 'DELETE' } },
      }),
    );
    const problems = await g.audit();
    expect(problems.filter((problem) => /edited after it was logged/.test(problem))).toHaveLength(2);
    expect(problems.join('\n')).toMatch(/no longer matches the seal/);
  });

  test('removing the request record (within retention) makes its response fail too, and the sealed window short', async () => {
    const { g, key } = await exchange();
    await clients.dynamodb.send(new DeleteItemCommand({ TableName: g.table, Key: { ...key, sk: { S: 'consumer#request' } } }));
    const problems = (await g.audit()).join('\n');
    expect(problems).toMatch(/response.*edited after it was logged/);
    expect(problems).toMatch(/1 records found, 2 sealed/);
  });

  test('a response item given explicit request fields equal to the derived ones reads the same record (no silent change)', async () => {
    const { g, key } = await exchange();
    await clients.dynamodb.send(
      new UpdateItemCommand({
        TableName: g.table,
        Key: { ...key, sk: { S: 'consumer#response' } },
        UpdateExpression: 'SET mt = :m, tg = :t',
        ExpressionAttributeValues: { ':m': { S: 'POST' }, ':t': { S: '/other' } },
      }),
    );
    expect((await g.audit()).join('\n')).toMatch(/edited after it was logged/);
  });
});

describe('the kept configuration and conditional fetches', () => {
  const central = newTestKey();
  const anchor: Anchor = { instance: 'DEV', publicKey: central.spkiBase64 };
  const VALIDITY_MS = 600_000;
  const settings = centralSettingsSchema.parse({ instance: 'DEV', memberClasses: ['GOV'], agencies: [], validitySeconds: VALIDITY_MS / 1000 });
  const configAt = (generatedAtMs: number, version: number, groups: string[] = [], signer = central): Promise<SignedGlobalConfiguration> =>
    signGlobalConfiguration(
      buildGlobalConfiguration([], settings, generatedAtMs, {
        version,
        globalGroups: groups.map((code) => ({ code, description: code, members: [] })),
      }),
      signer,
    );
  const C0 = Date.parse('2026-12-07T12:00:00.000Z');

  /** Sources by URL; each answers what `serve` says for it, honouring If-None-Match unless `always304`. */
  class Sources implements HttpClient {
    readonly serve = new Map<string, { signed?: Promise<SignedGlobalConfiguration>; etag?: string; always304?: boolean; down?: boolean }>();
    readonly sent: OutboundRequest[] = [];
    async send(request: OutboundRequest): Promise<HttpResponse> {
      this.sent.push(request);
      const source = this.serve.get(request.url);
      if (!source || source.down) throw new Error('unreachable');
      const match = request.headers['if-none-match']?.[0];
      if (source.always304 || (match !== undefined && match === source.etag)) return { status: 304, headers: {}, body: Buffer.alloc(0) };
      return {
        status: 200,
        headers: { 'content-type': ['application/json'], ...(source.etag ? { etag: [source.etag] } : {}) },
        body: Buffer.from(JSON.stringify(await source.signed)),
      };
    }
  }
  const CDN = 'https://cdn.example/globalconf/current.json';
  const CENTRAL = 'https://central.example/globalconf';

  function setup(archive?: MemoryConfigurationArchive) {
    const clk = new ManualClock(C0);
    const http = new Sources();
    const fetcher = new HttpGlobalConfigurationFetcher(http, 'https://central.example', { sources: [CDN] });
    const cache = new GlobalConfigurationCache({ anchor, fetcher, clock: clk, refreshMs: 60_000, initialRetryMs: 1000, archive });
    return { clk, http, cache };
  }
  const outdated = async (promise: Promise<unknown>) => {
    const error = await rejectionOf(promise);
    expect(error).toBeInstanceOf(LayerFault);
    expect((error as LayerFault).code).toBe('OutdatedGlobalConf');
  };

  test('a source answering 304 to everything cannot keep a gateway serving a configuration past its expiry', async () => {
    const { clk, http, cache } = setup();
    http.serve.set(CDN, { signed: configAt(C0, 1), etag: '"a"' });
    expect((await cache.current()).version).toBe(1);
    http.serve.set(CDN, { always304: true });
    http.serve.set(CENTRAL, { always304: true });
    clk.set(C0 + VALIDITY_MS - 1_000);
    expect((await cache.current()).version).toBe(1);
    clk.set(C0 + VALIDITY_MS + 1);
    await outdated(cache.current());
  });

  test("a 304 from a source never accepted from (an ETag replayed from another source's object) is not taken", async () => {
    const { clk, http, cache } = setup();
    http.serve.set(CDN, { signed: configAt(C0, 1), etag: '"shared"' });
    await cache.current();
    http.serve.set(CDN, { down: true });
    http.serve.set(CENTRAL, { always304: true, etag: '"shared"' });
    clk.set(C0 + VALIDITY_MS + 1);
    await outdated(cache.current());
    expect(http.sent.filter((request) => request.url === CENTRAL).every((request) => request.headers['if-none-match'] === undefined)).toBe(true);
  });

  test('a 304 for an older object from one source, while a newer one is held from another, is a refused rollback', async () => {
    const { clk, http, cache } = setup();
    http.serve.set(CDN, { signed: configAt(C0, 1), etag: '"v1"' });
    await cache.current();
    http.serve.set(CDN, { down: true });
    http.serve.set(CENTRAL, { signed: configAt(C0 + 60_000, 2), etag: '"v2"' });
    clk.set(C0 + 61_000);
    expect((await cache.current()).version).toBe(2);
    http.serve.set(CDN, { always304: true }); // offers v1 again
    http.serve.set(CENTRAL, { down: true });
    clk.set(C0 + 130_000);
    expect((await cache.current()).version).toBe(2);
  });

  test('a 200 that is not signed by the central is refused even with the ETag of the accepted object', async () => {
    const { clk, http, cache } = setup();
    http.serve.set(CDN, { signed: configAt(C0, 1), etag: '"a"' });
    await cache.current();
    http.serve.set(CDN, { signed: configAt(C0 + 60_000, 2, ['forged'], newTestKey()), etag: '"a"' });
    http.serve.set(CENTRAL, { down: true });
    clk.set(C0 + 61_000);
    const held = await cache.current();
    expect(held.version).toBe(1);
  });

  test('a content change whose keep failed is kept by the next refresh: a cold start never acts on the content before it', async () => {
    const archive = new MemoryConfigurationArchive();
    const first = setup(archive);
    first.http.serve.set(CENTRAL, { signed: configAt(C0, 1) });
    await first.cache.current();
    archive.failing.writes = true;
    first.http.serve.set(CENTRAL, { signed: configAt(C0 + 60_000, 2, ['changed']) });
    first.clk.set(C0 + 61_000);
    expect((await first.cache.current()).version).toBe(2);
    archive.failing.writes = false;
    first.http.serve.set(CENTRAL, { signed: configAt(C0 + 120_000, 3, ['changed']) });
    first.clk.set(C0 + 122_000);
    expect((await first.cache.current()).version).toBe(3);
    expect(archive.newest?.version).toBe(3);
  });

  test('a cold start with the sources down serves the kept copy only until that copy expires', async () => {
    const archive = new MemoryConfigurationArchive();
    const first = setup(archive);
    first.http.serve.set(CENTRAL, { signed: configAt(C0, 1) });
    await first.cache.current();
    // Same content re-signed every minute: not kept until half the validity is used.
    for (let step = 1; step <= 6; step += 1) {
      first.http.serve.set(CENTRAL, { signed: configAt(C0 + step * 60_000, 1 + step) });
      first.clk.set(C0 + step * 60_000 + 1_000);
      await first.cache.current();
    }
    expect(archive.newest!.version).toBeGreaterThan(1);
    const cold = setup(archive);
    cold.clk.set(C0 + 6 * 60_000 + 2_000);
    expect((await cold.cache.current()).version).toBe(archive.newest!.version);
    const keptExpiry = Date.parse((await cold.cache.current()).document.expiresAt);
    cold.clk.set(keptExpiry + 1);
    await outdated(cold.cache.current());
  });
});
