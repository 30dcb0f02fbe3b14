/**
 * DynamoDB `PutItem` without the AWS SDK, for the one hot-path call every message makes four times: its log records
 * (ADR 0009 — through the SDK a `PutItem` costs 0.8–1.2 ms of CPU warm, this way 0.25–0.45 ms). Everything else stays
 * on the SDK.
 *
 * The wire protocol as DynamoDB documents it
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.LowLevelAPI.html): `POST /` with
 * `Content-Type: application/x-amz-json-1.0` and `X-Amz-Target: DynamoDB_20120810.PutItem`, signed with Signature
 * Version 4; an error answers `{"__type": "com.amazonaws.dynamodb.v20120810#<Name>", "message": …}`.
 * Retries follow the SDKs' standard mode (https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html):
 * up to `maxAttempts` attempts for throttling, 5xx answers and connection errors, with full-jitter exponential
 * back-off — base 100 ms (500 ms when throttled), at most 20 s — as `@smithy/util-retry` implements it.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';

export interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface PutItemInput {
  readonly TableName: string;
  /** Plain values (strings, numbers, booleans, Buffers, arrays, objects); `undefined` attributes are left out. */
  readonly Item: Record<string, unknown>;
  readonly ConditionExpression?: string;
}

/** Writes one item: the seam between the message log and its DynamoDB client. */
export interface ItemWriter {
  putItem(input: PutItemInput): Promise<void>;
}

/** A DynamoDB error answer, named as the SDK names it (`ConditionalCheckFailedException`, …). */
export class DynamoDbError extends Error {
  constructor(
    name: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = name;
  }
}

export interface DynamoDbPutItemClientOptions {
  /** The local endpoint. @default the Regional endpoint, `https://dynamodb.<region>.amazonaws.com` (https://docs.aws.amazon.com/general/latest/gr/ddb.html) */
  readonly endpoint?: string;
  readonly region: string | (() => Promise<string>);
  /** The SDK's resolved provider (Lambda's role credentials, refreshed by the SDK) or static ones. */
  readonly credentials: Credentials | (() => Promise<Credentials>);
  /** @default 3, as the SDKs' standard mode */
  readonly maxAttempts?: number;
  /** An attempt whose connection stays silent this long is abandoned and retried (a write it made is recognised). @default 3000 */
  readonly attemptTimeoutMs?: number;
  /** @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
}

const THROTTLING = new Set(['ThrottlingException', 'ProvisionedThroughputExceededException', 'RequestLimitExceeded', 'TooManyRequestsException']);
const BASE_DELAY_MS = 100;
const THROTTLED_BASE_DELAY_MS = 500;
const MAX_DELAY_MS = 20_000;

/** DynamoDB's JSON form of a value (what `@aws-sdk/util-dynamodb`'s `marshall` makes of the shapes the log writes). */
export function toAttributeValue(value: unknown): Record<string, unknown> {
  if (typeof value === 'string') return { S: value };
  if (typeof value === 'number') return { N: String(value) };
  if (typeof value === 'boolean') return { BOOL: value };
  if (value === null) return { NULL: true };
  if (value instanceof Uint8Array) return { B: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
  if (Array.isArray(value)) return { L: value.filter((entry) => entry !== undefined).map(toAttributeValue) };
  if (typeof value === 'object') return { M: toAttributeMap(value as Record<string, unknown>) };
  throw new TypeError(`Cannot store a ${typeof value} in DynamoDB`);
}

function toAttributeMap(item: Record<string, unknown>): Record<string, unknown> {
  // No prototype: an attribute named `__proto__` must stay an attribute, not replace the map's prototype.
  const map: Record<string, unknown> = Object.create(null);
  for (const [name, value] of Object.entries(item)) if (value !== undefined) map[name] = toAttributeValue(value);
  return map;
}

export class DynamoDbPutItemClient implements ItemWriter {
  private url?: URL;
  private readonly agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };
  private readonly signer: SignatureV4;
  private readonly maxAttempts: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly observers: ((operation: 'PutItem', input: PutItemInput) => void)[] = [];

  constructor(private readonly options: DynamoDbPutItemClientOptions) {
    this.signer = new SignatureV4({
      service: 'dynamodb',
      region: options.region,
      credentials: options.credentials,
      sha256: Hash.bind(null, 'sha256'),
    });
    this.maxAttempts = options.maxAttempts ?? 3;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** Sees every call before it is sent, as SDK middleware would (the benchmark counts calls and write units). */
  observe(observer: (operation: 'PutItem', input: PutItemInput) => void): void {
    this.observers.push(observer);
  }

  async putItem(input: PutItemInput): Promise<void> {
    for (const observer of this.observers) observer('PutItem', input);
    const body = JSON.stringify({
      TableName: input.TableName,
      Item: toAttributeMap(input.Item),
      ...(input.ConditionExpression ? { ConditionExpression: input.ConditionExpression } : {}),
    });
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.send(body);
      } catch (error) {
        if (attempt >= this.maxAttempts || !retryable(error)) throw error;
        const base = error instanceof DynamoDbError && THROTTLING.has(error.name) ? THROTTLED_BASE_DELAY_MS : BASE_DELAY_MS;
        await this.sleep(Math.random() * Math.min(MAX_DELAY_MS, base * 2 ** (attempt - 1)));
      }
    }
  }

  private async endpoint(): Promise<URL> {
    if (!this.url) {
      const { endpoint, region } = this.options;
      this.url = new URL(endpoint ?? `https://dynamodb.${typeof region === 'string' ? region : await region()}.amazonaws.com`);
    }
    return this.url;
  }

  private async send(body: string): Promise<void> {
    const url = await this.endpoint();
    const signed = await this.signer.sign({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path: '/',
      headers: {
        host: url.host,
        'content-type': 'application/x-amz-json-1.0',
        'content-length': String(Buffer.byteLength(body)),
        'x-amz-target': 'DynamoDB_20120810.PutItem',
      },
      body,
    });
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const call = send(
        {
          protocol: url.protocol,
          hostname: url.hostname,
          port: url.port || undefined,
          path: '/',
          method: 'POST',
          headers: signed.headers,
          agent: url.protocol === 'https:' ? this.agents.https : this.agents.http,
        },
        (response: IncomingMessage) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
          response.on('error', reject);
        },
      );
      call.on('error', reject);
      call.setTimeout(this.options.attemptTimeoutMs ?? 3000, () =>
        call.destroy(Object.assign(new Error('DynamoDB did not answer in time'), { code: 'ETIMEDOUT' })),
      );
      call.end(body);
    });
    if (answer.status === 200) return;
    let type = '';
    let message = `DynamoDB answered ${answer.status}`;
    try {
      const parsed = JSON.parse(answer.text) as { __type?: string; message?: string; Message?: string };
      type = String(parsed.__type ?? '');
      message = parsed.message ?? parsed.Message ?? message;
    } catch {
      // Not JSON (a proxy's answer): the status says enough.
    }
    throw new DynamoDbError(type.slice(type.lastIndexOf('#') + 1) || `Http${answer.status}`, message, answer.status);
  }
}

/** Throttling, a 5xx answer, or no answer at all (a reset keep-alive connection, a refused one) is worth another try. */
function retryable(error: unknown): boolean {
  if (error instanceof DynamoDbError) return error.status >= 500 || THROTTLING.has(error.name);
  return typeof (error as NodeJS.ErrnoException).code === 'string';
}
