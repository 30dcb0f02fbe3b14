/**
 * Counts every AWS API call an SDK v3 client makes, per operation, with the DynamoDB capacity it consumes — an SDK
 * middleware added to the clients the gateways use. It sits in the `deserialize` step, below the retry
 * middleware, so each HTTP attempt is counted once (every attempt is billed).
 *
 * Capacity is computed, not read from DynamoDB (the emulator does not report it):
 * - write units: per written item, ⌈item size / 1 KB⌉ (min 1), the item size taken from the marshalled item the
 *   SDK sends, under DynamoDB's documented size rules (see `attributeValueSize`); plus, per global secondary index
 *   the item appears in (it has the index's key), ⌈index entry / 1 KB⌉ — the entry being the table's and the
 *   index's keys and the projected attributes (DynamoDB bills a write to each affected GSI);
 * - read units: per read call, ⌈response bytes / 4 KB⌉ (min 1), halved for eventually consistent reads — an
 *   approximation from the HTTP response's length (JSON overhead makes it an over-estimate).
 * Calls are attributed to a party ("gateway" or "central") by a classifier the caller provides.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { toAttributeValue } from '../lambdas/adapters/dynamodb-put-item';
import type { TableLayout } from '../lambdas/adapters/tables';

/** The slice of an SDK client this needs (KMSClient, DynamoDBClient, DynamoDBDocumentClient). */
export interface MiddlewareClient {
  readonly middlewareStack: {
    add(middleware: unknown, options: { step: 'deserialize'; name: string; priority?: 'high' | 'normal' | 'low' }): void;
  };
}

export type Service = 'kms' | 'dynamodb' | 's3';

/** Totals for one (party, service, operation). */
export interface OperationCount {
  calls: number;
  /** DynamoDB write units (1 KB) of writes, GSI writes included. */
  writeUnits: number;
  /** The part of `writeUnits` spent on global secondary indexes. */
  indexWriteUnits: number;
  /** DynamoDB read units (4 KB, strongly consistent = 1, eventually = 0.5) of reads. */
  readUnits: number;
  /** Sum of item sizes written, bytes (DynamoDB size rules); for S3 `PutObject`, the object bytes. */
  itemBytes: number;
}

/** `party → "service:Operation" → totals`. */
export type CallCounts = Record<string, Record<string, OperationCount>>;

/** Who made a call, from the service and the command input (e.g. the table name or the key id). */
export type PartyClassifier = (service: Service, operation: string, input: Record<string, unknown>) => string;

const WRITE_OPERATIONS = new Set(['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem', 'TransactWriteItems']);
const READ_OPERATIONS = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan', 'TransactGetItems']);

/** Bytes of an S3 object body as the store passes it (a Buffer or a string). */
const bodyLength = (body: unknown) => (typeof body === 'string' ? Buffer.byteLength(body) : body instanceof Uint8Array ? body.byteLength : 0);

const utf8 = (value: string) => Buffer.byteLength(value, 'utf8');

/**
 * Size of a number under DynamoDB's rule: about one byte per two significant digits, plus one.
 * (DynamoDB: "Numbers are variable length, with up to 38 significant digits. Leading and trailing zeroes are
 * trimmed. The size of a number is approximately (number of UTF-8-encoded bytes of attribute name) + (1 byte per
 * two significant digits) + (1 byte).")
 */
export function numberSize(text: string): number {
  const digits = text.replace(/^[-+]/, '').replace(/e.*$/i, '').replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return Math.ceil(Math.max(digits.length, 1) / 2) + 1;
}

/** Size of one marshalled attribute value (without its name). */
export function attributeValueSize(value: AttributeValue): number {
  if (value.S !== undefined) return utf8(value.S);
  if (value.N !== undefined) return numberSize(value.N);
  // Binary as the SDK passes it (bytes), or as the JSON protocol carries it (base64: the SDK-less writer's form).
  const binary: unknown = value.B;
  if (binary !== undefined) return typeof binary === 'string' ? Buffer.byteLength(binary, 'base64') : (binary as Uint8Array).byteLength;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  if (value.SS !== undefined) return value.SS.reduce((sum, entry) => sum + utf8(entry), 0);
  if (value.NS !== undefined) return value.NS.reduce((sum, entry) => sum + numberSize(entry), 0);
  if (value.BS !== undefined) return value.BS.reduce((sum, entry) => sum + entry.byteLength, 0);
  // Lists and maps: 3 bytes, plus 1 byte per element, plus the elements (and the map's key names).
  if (value.L !== undefined) return 3 + value.L.reduce((sum, entry) => sum + 1 + attributeValueSize(entry), 0);
  if (value.M !== undefined) return 3 + Object.entries(value.M).reduce((sum, [name, entry]) => sum + 1 + utf8(name) + attributeValueSize(entry), 0);
  return 0;
}

/** Size of a marshalled item: attribute names plus values. */
export function itemSize(item: Record<string, AttributeValue>): number {
  return Object.entries(item).reduce((sum, [name, value]) => sum + utf8(name) + attributeValueSize(value), 0);
}

/** Write units of one item write (1 KB units, at least 1). */
export const writeUnitsOf = (bytes: number) => Math.max(1, Math.ceil(bytes / 1024));

type Item = Record<string, AttributeValue>;

/** The items a write call writes, by table (PutItem, BatchWriteItem puts); other writes are counted as 1 KB. */
function writtenItems(operation: string, input: Record<string, unknown>): { table: string; item?: Item }[] {
  if (operation === 'PutItem') return [{ table: String(input.TableName), item: input.Item as Item }];
  if (operation === 'BatchWriteItem') {
    return Object.entries((input.RequestItems ?? {}) as Record<string, { PutRequest?: { Item: Item } }[]>).flatMap(([table, requests]) =>
      requests.map((request) => ({ table, item: request.PutRequest?.Item })),
    );
  }
  return [{ table: String(input.TableName) }];
}

/** Write units an item costs in the GSIs it appears in (sparse indexes: only items with the index's key). */
export function indexWriteUnits(item: Item, layout: TableLayout | undefined): number {
  let units = 0;
  for (const index of layout?.indexes ?? []) {
    if (item[index.partitionKey] === undefined) continue;
    const names = new Set([layout!.partitionKey, ...(layout!.sortKey ? [layout!.sortKey] : []), index.partitionKey, ...index.include]);
    const entry: Item = {};
    for (const name of names) if (item[name] !== undefined) entry[name] = item[name];
    units += writeUnitsOf(itemSize(entry));
  }
  return units;
}

export class AwsCallCounter {
  private counts: CallCounts = {};

  constructor(
    private readonly classify: PartyClassifier = () => 'all',
    /** The layout of a table (for its GSIs), by name. */
    private readonly layoutOf: (table: string) => TableLayout | undefined = () => undefined,
  ) {}

  /** Adds the counting middleware to a client (idempotent per client: the name is fixed). */
  install(client: MiddlewareClient, service: Service): void {
    client.middlewareStack.add(
      (
        next: (args: { input: Record<string, unknown> }) => Promise<{ response?: { headers?: Record<string, string>; body?: unknown } }>,
        context: { commandName?: string },
      ) =>
        async (args: { input: Record<string, unknown> }) => {
          const operation = (context.commandName ?? 'Unknown').replace(/Command$/, '');
          const entry = this.count(service, operation, args.input);
          const result = await next(args);
          if (service === 'dynamodb' && READ_OPERATIONS.has(operation)) {
            const length = Number(result.response?.headers?.['content-length'] ?? 0);
            const consistent = args.input.ConsistentRead === true;
            entry.readUnits += Math.max(1, Math.ceil(length / 4096)) * (consistent ? 1 : 0.5);
          }
          return result;
        },
      { step: 'deserialize', name: 'benchAwsCallCounter', priority: 'low' },
    );
  }

  /** Counts the message log's SDK-less writes (`DynamoDbPutItemClient`), as the middleware counts the SDK's. */
  installWriter(writer: { observe(observer: (operation: string, input: object) => void): void }): void {
    writer.observe((operation, input) => {
      // The same attribute values the SDK would send (its write units are computed from them).
      const item = (input as { Item?: Record<string, unknown> }).Item;
      this.count('dynamodb', operation, { ...input, Item: item && (toAttributeValue(item) as { M: Record<string, AttributeValue> }).M });
    });
  }

  /** One call of an operation, with the write units and bytes of what it writes. */
  private count(service: Service, operation: string, input: Record<string, unknown>): OperationCount {
    const party = this.classify(service, operation, input);
    const entry = this.entry(party, `${service}:${operation}`);
    entry.calls += 1;
    if (service === 'dynamodb' && WRITE_OPERATIONS.has(operation)) {
      for (const { table, item } of writtenItems(operation, input)) {
        const bytes = item ? itemSize(item) : 1024;
        const index = item ? indexWriteUnits(item, this.layoutOf(table)) : 0;
        entry.itemBytes += bytes;
        entry.writeUnits += writeUnitsOf(bytes) + index;
        entry.indexWriteUnits += index;
      }
    }
    if (service === 's3' && operation === 'PutObject') entry.itemBytes += bodyLength(input.Body);
    return entry;
  }

  /** A deep copy of the totals so far. */
  snapshot(): CallCounts {
    return JSON.parse(JSON.stringify(this.counts)) as CallCounts;
  }

  private entry(party: string, key: string): OperationCount {
    const byOperation = (this.counts[party] ??= {});
    return (byOperation[key] ??= { calls: 0, writeUnits: 0, indexWriteUnits: 0, readUnits: 0, itemBytes: 0 });
  }
}

/** `after − before`, per party and operation. */
export function diffCounts(before: CallCounts, after: CallCounts): CallCounts {
  const result: CallCounts = {};
  for (const [party, operations] of Object.entries(after)) {
    for (const [key, count] of Object.entries(operations)) {
      const previous = before[party]?.[key] ?? { calls: 0, writeUnits: 0, indexWriteUnits: 0, readUnits: 0, itemBytes: 0 };
      const delta: OperationCount = {
        calls: count.calls - previous.calls,
        writeUnits: count.writeUnits - previous.writeUnits,
        indexWriteUnits: count.indexWriteUnits - previous.indexWriteUnits,
        readUnits: count.readUnits - previous.readUnits,
        itemBytes: count.itemBytes - previous.itemBytes,
      };
      if (delta.calls !== 0) (result[party] ??= {})[key] = delta;
    }
  }
  return result;
}

/** What the cost model needs from one party's calls. */
export interface CallSummary {
  kmsSign: number;
  kmsOther: number;
  dynamoWrites: number;
  /** GSI write units included. */
  dynamoWriteUnits: number;
  dynamoIndexWriteUnits: number;
  /** Mean size of a written item, bytes. */
  dynamoItemBytes: number;
  dynamoReads: number;
  dynamoReadUnits: number;
  /** S3 `PutObject`s (message bodies above the inline limit) and their bytes. */
  s3Puts: number;
  s3PutBytes: number;
  /** Every operation with its count, e.g. `{ "kms:Sign": 2, "dynamodb:PutItem": 4 }`. */
  byOperation: Record<string, number>;
}

export function summarize(operations: Record<string, OperationCount> | undefined): CallSummary {
  const summary: CallSummary = {
    kmsSign: 0,
    kmsOther: 0,
    dynamoWrites: 0,
    dynamoWriteUnits: 0,
    dynamoIndexWriteUnits: 0,
    dynamoItemBytes: 0,
    dynamoReads: 0,
    dynamoReadUnits: 0,
    s3Puts: 0,
    s3PutBytes: 0,
    byOperation: {},
  };
  let itemBytes = 0;
  for (const [key, count] of Object.entries(operations ?? {})) {
    const [service, operation] = key.split(':');
    summary.byOperation[key] = count.calls;
    if (service === 's3') {
      if (operation === 'PutObject') {
        summary.s3Puts += count.calls;
        summary.s3PutBytes += count.itemBytes;
      }
    } else if (service === 'kms') {
      if (operation === 'Sign') summary.kmsSign += count.calls;
      else summary.kmsOther += count.calls;
    } else if (WRITE_OPERATIONS.has(operation)) {
      summary.dynamoWrites += count.calls;
      summary.dynamoWriteUnits += count.writeUnits;
      summary.dynamoIndexWriteUnits += count.indexWriteUnits;
      itemBytes += count.itemBytes;
    } else if (READ_OPERATIONS.has(operation)) {
      summary.dynamoReads += count.calls;
      summary.dynamoReadUnits += count.readUnits;
    }
  }
  summary.dynamoItemBytes = summary.dynamoWrites > 0 ? itemBytes / summary.dynamoWrites : 0;
  return summary;
}

/** A summary divided by a message count (per-message figures). */
export function perMessage(summary: CallSummary, messages: number): CallSummary {
  const divide = (value: number) => (messages > 0 ? value / messages : 0);
  return {
    kmsSign: divide(summary.kmsSign),
    kmsOther: divide(summary.kmsOther),
    dynamoWrites: divide(summary.dynamoWrites),
    dynamoWriteUnits: divide(summary.dynamoWriteUnits),
    dynamoIndexWriteUnits: divide(summary.dynamoIndexWriteUnits),
    dynamoItemBytes: summary.dynamoItemBytes,
    dynamoReads: divide(summary.dynamoReads),
    dynamoReadUnits: divide(summary.dynamoReadUnits),
    s3Puts: divide(summary.s3Puts),
    s3PutBytes: divide(summary.s3PutBytes),
    byOperation: Object.fromEntries(Object.entries(summary.byOperation).map(([key, value]) => [key, divide(value)])),
  };
}
