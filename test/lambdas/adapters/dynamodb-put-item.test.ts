/**
 * The SDK-less `PutItem` of the message log, against dynalite behind the local DynamoDB front (which checks SigV4 as
 * DynamoDB does and injects DynamoDB's own error answers): what it writes reads back through the SDK exactly, and its
 * errors and retries are the SDK's.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { marshall } from '@aws-sdk/util-dynamodb';
import { createAwsClients, type AwsClients } from '../../../lambdas/adapters/aws-clients';
import { DynamoDbError, DynamoDbPutItemClient, toAttributeValue } from '../../../lambdas/adapters/dynamodb-put-item';
import { MESSAGE_LOG_TABLE } from '../../../lambdas/adapters/tables';
import { ensureTable } from '../../../lib/local/dynamodb';
import { LOCAL_CREDENTIALS, startEmulators, type Emulators } from '../../../lib/local/emulators';
import { THROTTLED, UNAVAILABLE } from '../../../lib/local/fault-proxy';
import { httpCall } from '../../../lib/local/http-call';

const TABLE = 'put-item-test';
let emulators: Emulators;
let clients: AwsClients;
const delays: number[] = [];
const client = (credentials: { accessKeyId: string; secretAccessKey: string } = LOCAL_CREDENTIALS) =>
  new DynamoDbPutItemClient({ endpoint: emulators.dynamodbUrl, region: 'eu-north-1', credentials, sleep: async (ms) => void delays.push(ms) });
let calls = 0;
const failPuts = (answer: typeof UNAVAILABLE, times: number) => {
  let remaining = times;
  calls = 0;
  emulators.dynamodb.setRule((call) => {
    if (!call.target.endsWith('.PutItem')) return undefined;
    calls += 1;
    if (remaining <= 0) return undefined;
    remaining -= 1;
    return answer;
  });
};

beforeAll(async () => {
  emulators = await startEmulators({ region: 'eu-north-1', account: '111111111111' });
  clients = createAwsClients({ region: 'eu-north-1', endpoints: { dynamodb: emulators.dynamodbUrl }, credentials: LOCAL_CREDENTIALS });
  await ensureTable(clients.dynamodb as never, TABLE, MESSAGE_LOG_TABLE);
});
afterEach(() => {
  emulators.dynamodb.setRule(undefined);
  delays.length = 0;
});
afterAll(async () => {
  clients?.dynamodb.destroy();
  await emulators?.stop();
});

const item = {
  pk: 'DEV/GOV/1/a x-1',
  sk: 'consumer#request',
  loggedAt: '2026-11-27T23:03:32.543Z',
  m: Buffer.from('{"type":"sild.request.v1"}'),
  bn: 0,
  b: Buffer.alloc(0),
  hd: { 'x-road-client': ['DEV/GOV/1/a'], accept: ['a', 'b'] },
  flag: true,
  skipped: undefined,
};

test('what it writes reads back through the SDK exactly; its attribute values are the SDK marshaller’s', async () => {
  await client().putItem({ TableName: TABLE, Item: item, ConditionExpression: 'attribute_not_exists(pk)' });
  const read = await clients.dynamodb.send(new GetCommand({ TableName: TABLE, Key: { pk: item.pk, sk: item.sk }, ConsistentRead: true }));
  const { skipped: _skipped, ...stored } = item;
  expect({ ...read.Item, m: Buffer.from(read.Item!.m), b: Buffer.from(read.Item!.b) }).toEqual(stored);
  const normalised = (value: unknown): unknown =>
    JSON.parse(
      JSON.stringify(value, (_key, entry) =>
        entry instanceof Uint8Array || entry?.type === 'Buffer' ? Buffer.from(entry.data ?? entry).toString('base64') : entry,
      ),
    );
  expect(normalised(toAttributeValue(stored))).toEqual(normalised({ M: marshall(stored) }));
});

test('a map attribute named `__proto__` or `constructor` (a peer’s header name) is written as an attribute', () => {
  const peerNamed: Record<string, unknown> = JSON.parse('{"__proto__": ["x"], "constructor": ["y"]}');
  expect(JSON.parse(JSON.stringify(toAttributeValue({ hd: peerNamed })))).toEqual({
    M: { hd: { M: JSON.parse('{"__proto__": {"L": [{"S": "x"}]}, "constructor": {"L": [{"S": "y"}]}}') } },
  });
});

test('a second write under the same key fails its condition: ConditionalCheckFailedException, not retried', async () => {
  failPuts(UNAVAILABLE, 0);
  const error = await client()
    .putItem({ TableName: TABLE, Item: item, ConditionExpression: 'attribute_not_exists(pk)' })
    .catch((caught: unknown) => caught);
  expect(error).toBeInstanceOf(DynamoDbError);
  expect(error).toMatchObject({ name: 'ConditionalCheckFailedException', status: 400 });
  expect(calls).toBe(1);
});

test('throttled twice: retried with the throttling back-off (base 500 ms, doubling, full jitter), then written', async () => {
  failPuts(THROTTLED, 2);
  await client().putItem({ TableName: TABLE, Item: { ...item, pk: 'throttled' } });
  expect(calls).toBe(3);
  expect(delays).toHaveLength(2);
  expect(delays[0]).toBeLessThanOrEqual(500);
  expect(delays[1]).toBeLessThanOrEqual(1000);
});

test('a stalled connection is abandoned after the attempt timeout and the write retried', async () => {
  failPuts({ ...UNAVAILABLE, stallMs: 300 }, 1);
  const stalled = new DynamoDbPutItemClient({
    endpoint: emulators.dynamodbUrl,
    region: 'eu-north-1',
    credentials: LOCAL_CREDENTIALS,
    attemptTimeoutMs: 50,
    sleep: async () => undefined,
  });
  await stalled.putItem({ TableName: TABLE, Item: { ...item, pk: 'stalled' } });
  expect(calls).toBe(2);
  const read = await clients.dynamodb.send(new GetCommand({ TableName: TABLE, Key: { pk: 'stalled', sk: item.sk }, ConsistentRead: true }));
  expect(read.Item?.pk).toBe('stalled');
});

test('unavailable: three attempts, then the error', async () => {
  failPuts(UNAVAILABLE, 10);
  await expect(client().putItem({ TableName: TABLE, Item: { ...item, pk: 'down' } })).rejects.toMatchObject({
    name: 'InternalServerError',
    status: 500,
  });
  expect(calls).toBe(3);
});

test('a wrong secret is refused as DynamoDB refuses it (the local DynamoDB checks SigV4), and not retried', async () => {
  failPuts(UNAVAILABLE, 0);
  await expect(
    client({ ...LOCAL_CREDENTIALS, secretAccessKey: 'wrong' }).putItem({ TableName: TABLE, Item: { ...item, pk: 'forged' } }),
  ).rejects.toMatchObject({ name: 'InvalidSignatureException', status: 400 });
  await expect(
    client({ accessKeyId: 'AKIAUNKNOWN', secretAccessKey: 'x' }).putItem({ TableName: TABLE, Item: { ...item, pk: 'forged' } }),
  ).rejects.toMatchObject({ name: 'UnrecognizedClientException' });
  // One attempt each: the fault proxy passes them on, DynamoDB behind it refuses, and the writer does not retry.
  expect(calls).toBe(2);
});

describe('the local DynamoDB front checks signatures as DynamoDB does', () => {
  /** A PutItem signed correctly, then changed by `tamper` before it is sent. */
  async function sendSigned(tamper: (request: { headers: Record<string, string>; body: string }) => void, sign: { unsignable?: string[] } = {}) {
    const url = new URL(emulators.dynamodbUrl);
    const body = JSON.stringify({ TableName: TABLE, Item: { pk: { S: 'raw' }, sk: { S: 'raw' } } });
    const signer = new SignatureV4({ service: 'dynamodb', region: 'eu-north-1', credentials: LOCAL_CREDENTIALS, sha256: Hash.bind(null, 'sha256') });
    const signed = await signer.sign(
      {
        method: 'POST',
        protocol: url.protocol,
        hostname: url.hostname,
        port: Number(url.port),
        path: '/',
        headers: { host: url.host, 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.PutItem' },
        body,
      },
      { unsignableHeaders: new Set(sign.unsignable ?? []) },
    );
    const request = { headers: { ...(signed.headers as Record<string, string>) }, body };
    tamper(request);
    return httpCall(`${emulators.dynamodbUrl}/`, { method: 'POST', headers: request.headers, body: request.body });
  }
  const typeOf = (answer: { body: Buffer }) => JSON.parse(answer.body.toString('utf8')).__type as string;

  test('a request as signed passes', async () => {
    expect((await sendSigned(() => undefined)).status).toBe(200);
  });

  test('a body changed after signing is refused (its payload hash no longer matches)', async () => {
    const answer = await sendSigned((request) => (request.body = request.body.replace('raw', 'RAW')));
    expect({ status: answer.status, type: typeOf(answer) }).toEqual({ status: 400, type: 'com.amazon.coral.service#InvalidSignatureException' });
  });

  test('an operation header left out of the signature is refused (it could be swapped)', async () => {
    const answer = await sendSigned(() => undefined, { unsignable: ['x-amz-target'] });
    expect({ status: answer.status, type: typeOf(answer) }).toEqual({ status: 400, type: 'com.amazon.coral.service#InvalidSignatureException' });
  });
});
