/**
 * The benchmark's accounting: DynamoDB item sizes and capacity units, AWS call counting through a real SDK
 * middleware stack, per-message summaries, the cost model, percentiles, and the generated synth configs.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { KMSClient, SignCommand } from '@aws-sdk/client-kms';
import { MESSAGE_LOG_TABLE } from '../../lambdas/adapters/tables';
import { parseEcosystemConfig } from '../../lib/config/ecosystem-config';
import {
  attributeValueSize,
  AwsCallCounter,
  diffCounts,
  indexWriteUnits,
  itemSize,
  numberSize,
  perMessage,
  summarize,
  writeUnitsOf,
  type MiddlewareClient,
} from '../../bench/aws-call-counter';
import { jsonDocument } from '../../bench/backend';
import { costPerMillion, PRICES } from '../../bench/cost';
import { quantile } from '../../bench/load';
import { goalResults } from '../../bench/report';
import { generateEcosystemConfig } from '../../bench/synth';

describe('DynamoDB item size', () => {
  it('counts attribute names and values by type', () => {
    expect(attributeValueSize({ S: 'héllo' })).toBe(6);
    expect(attributeValueSize({ B: new Uint8Array(1000) })).toBe(1000);
    expect(attributeValueSize({ BOOL: true })).toBe(1);
    expect(attributeValueSize({ NULL: true })).toBe(1);
    expect(attributeValueSize({ L: [{ S: 'ab' }, { S: 'c' }] })).toBe(3 + (1 + 2) + (1 + 1));
    expect(attributeValueSize({ M: { k: { S: 'v' } } })).toBe(3 + 1 + 1 + 1);
    expect(itemSize({ pk: { S: 'abc' }, n: { N: '12345' } })).toBe(2 + 3 + 1 + numberSize('12345'));
  });

  it('sizes numbers by significant digits', () => {
    expect(numberSize('0')).toBe(2);
    expect(numberSize('1700000000')).toBe(2);
    expect(numberSize('-123.45')).toBe(4);
  });

  it('rounds write units up to whole kilobytes, at least one', () => {
    expect(writeUnitsOf(0)).toBe(1);
    expect(writeUnitsOf(1024)).toBe(1);
    expect(writeUnitsOf(1025)).toBe(2);
    expect(writeUnitsOf(65 * 1024)).toBe(65);
  });

  it('bills GSI writes only for items that carry the index key', () => {
    const index = MESSAGE_LOG_TABLE.indexes?.[0];
    const base = { pk: { S: 'client id' }, sk: { S: 'consumer#request' }, body: { B: new Uint8Array(5000) } };
    expect(indexWriteUnits(base, MESSAGE_LOG_TABLE)).toBe(0);
    if (index) {
      // The body is not projected into the index, so the entry stays small.
      expect(indexWriteUnits({ ...base, [index.partitionKey]: { S: '123#0' } }, MESSAGE_LOG_TABLE)).toBe(1);
    }
  });
});

/** An SDK client whose requests never leave the process: the last middleware answers. */
function offline<T extends { middlewareStack: { add: (...args: never[]) => void } }>(client: T, body: string): T {
  (client.middlewareStack as unknown as MiddlewareClient['middlewareStack']).add(
    () => async () => ({
      response: {
        statusCode: 200,
        headers: { 'content-type': 'application/x-amz-json-1.1', 'content-length': String(body.length) },
        body: Buffer.from(body),
      },
      output: {},
    }),
    { step: 'deserialize', name: 'offlineAnswer', priority: 'low' },
  );
  return client;
}

describe('AwsCallCounter', () => {
  const credentials = { accessKeyId: 'a', secretAccessKey: 'b' };

  it('counts each call by party and operation, with the written item size', async () => {
    const counter = new AwsCallCounter(
      (service, _operation, input) => (service === 'kms' && input.KeyId === 'central' ? 'central' : 'gateway'),
      () => MESSAGE_LOG_TABLE,
    );
    const kms = new KMSClient({ region: 'eu-north-1', credentials, endpoint: 'http://127.0.0.1:9' });
    const dynamodb = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-north-1', credentials, endpoint: 'http://127.0.0.1:9' }));
    counter.install(kms as unknown as MiddlewareClient, 'kms');
    counter.install(dynamodb as unknown as MiddlewareClient, 'dynamodb');
    offline(kms, '{}');
    offline(dynamodb, '{}');
    const before = counter.snapshot();

    await kms
      .send(new SignCommand({ KeyId: 'gateway-key', Message: Buffer.from('m'), MessageType: 'RAW', SigningAlgorithm: 'ECDSA_SHA_256' }))
      .catch(() => undefined);
    await kms
      .send(new SignCommand({ KeyId: 'central', Message: Buffer.from('m'), MessageType: 'RAW', SigningAlgorithm: 'ECDSA_SHA_256' }))
      .catch(() => undefined);
    const body = Buffer.alloc(3000);
    await dynamodb.send(new PutCommand({ TableName: 'log', Item: { pk: 'p', sk: 's', body } })).catch(() => undefined);

    const calls = diffCounts(before, counter.snapshot());
    expect(calls.central['kms:Sign'].calls).toBe(1);
    expect(calls.gateway['kms:Sign'].calls).toBe(1);
    const put = calls.gateway['dynamodb:PutItem'];
    expect(put.calls).toBe(1);
    expect(put.itemBytes).toBe(2 + 1 + 2 + 1 + 4 + 3000);
    expect(put.writeUnits).toBe(3);

    const summary = perMessage(summarize(calls.gateway), 2);
    expect(summary).toMatchObject({ kmsSign: 0.5, kmsOther: 0, dynamoWrites: 0.5, dynamoWriteUnits: 1.5 });
    expect(summary.byOperation).toEqual({ 'kms:Sign': 0.5, 'dynamodb:PutItem': 0.5 });
  });
});

describe('cost model', () => {
  it('prices a message from its counts at list prices', () => {
    const cost = costPerMillion({
      kmsSignPerMessage: 2,
      kmsOtherPerMessage: 0,
      dynamoWriteUnitsPerMessage: 4,
      dynamoReadUnitsPerMessage: 0,
      lambdaMsPerMessage: 100,
      lambdaMemoryMb: 512,
    });
    expect(cost.apiGateway).toBeCloseTo(7);
    expect(cost.lambdaRequests).toBeCloseTo(0.4);
    expect(cost.kms).toBeCloseTo(30);
    expect(cost.dynamoWrites).toBeCloseTo(2.5);
    expect(cost.lambdaCompute).toBeCloseTo(0.1 * 0.5 * PRICES.lambdaArmGbSecond * 1e6);
    expect(cost.total).toBeCloseTo(cost.apiGateway + cost.lambdaRequests + cost.kms + cost.dynamoWrites + cost.lambdaCompute);
  });

  it('judges goals in their direction and leaves unmeasured ones open', () => {
    const goals = goalResults({ throughputRatio: 0.9, p50OverheadMs: 4, kmsSignPerMessage: 0 });
    const byMetric = Object.fromEntries(goals.map((goal) => [goal.metric, goal.met]));
    expect(byMetric).toMatchObject({ throughputRatio: true, p50OverheadMs: false, kmsSignPerMessage: true, maxBundleKb: undefined });
  });
});

describe('load helpers', () => {
  it('takes nearest-rank quantiles', () => {
    const sorted = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(quantile(sorted, 0.5)).toBe(5);
    expect(quantile(sorted, 0.99)).toBe(10);
    expect(quantile(sorted, 0)).toBe(1);
    expect(quantile([], 0.5)).toBeNaN();
  });

  it('builds JSON documents of an exact size', () => {
    for (const size of [200, 64 * 1024]) {
      const document = jsonDocument(size);
      expect(document.length).toBe(size);
      expect(() => JSON.parse(document.toString())).not.toThrow();
    }
  });
});

describe('generated synth configs', () => {
  it('are valid ecosystem configs with the central configured', () => {
    const config = parseEcosystemConfig(generateEcosystemConfig(12));
    expect(config.agencies).toHaveLength(12);
    expect(config.central.apiUrl).toMatch(/execute-api/);
    expect(new Set(config.agencies.map((agency) => agency.account)).size).toBe(12);
  });
});
