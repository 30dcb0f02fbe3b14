/**
 * DynamoDB Streams for the local DynamoDB front: dynalite has no streams (and DynamoDB Local is not available here), so
 * the front keeps one `NEW_IMAGE` stream per table from the writes dynalite accepted (answered 200), and serves the
 * Streams API the sealer reads it with — `ListStreams`, `DescribeStream`, `GetShardIterator`, `GetRecords`
 * (https://docs.aws.amazon.com/amazondynamodbstreams/latest/APIReference/API_Operations_Amazon_DynamoDB_Streams.html),
 * on the same endpoint (target prefix `DynamoDBStreams_20120810.`, JSON 1.0, SigV4 with the `dynamodb` signing name),
 * each call authorized by the front with the caller's policies as IAM authorizes it.
 *
 * As DynamoDB Streams does: records in a shard in write order, with a sequence number, `ApproximateCreationDateTime`
 * (epoch seconds), `Keys` and `NewImage`; `INSERT` for a new item, `MODIFY` for an overwrite, `REMOVE` for a delete;
 * records older than the retention trimmed (`TrimmedDataAccessException` for a position before them). Where it differs,
 * deliberately: `SHARDS` open shards per table, never split or closed (AWS splits and closes them; the sealer reads
 * every listed shard to its end either way); a retention of `RETENTION_MS` (AWS: 24 h) to bound memory; an `UpdateItem`
 * gives a `MODIFY` without its new image (no Sild table that is sealed is updated); a conditional put that succeeded
 * is an `INSERT` (its condition is `attribute_not_exists`), another put is an `INSERT` the first time this front sees its
 * key. With a state folder the records are kept on disk beside dynalite's (one JSON line each), so a restart resumes
 * the stream where it stopped.
 */
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';

export const STREAMS_TARGET_PREFIX = 'DynamoDBStreams_20120810.';
/** Locally every stream has this label (AWS: its creation time), so the stacks' stream ARN names it exactly. */
export const LOCAL_STREAM_LABEL = '1970-01-01T00:00:00.000';
export const SHARDS = 2;
export const RETENTION_MS = 60 * 60_000;
const MAX_LIMIT = 1000;

type AttributeMap = Record<string, unknown>;

interface StreamEntry {
  readonly table: string;
  readonly shard: number;
  readonly sequence: string;
  readonly createdMs: number;
  readonly eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  readonly keys: AttributeMap;
  readonly newImage?: AttributeMap;
}

export interface StreamError {
  readonly status: number;
  readonly type: string;
  readonly message: string;
}

export type StreamAnswer = { readonly body: unknown } | { readonly error: StreamError };

interface Iterator {
  readonly table: string;
  readonly shard: number;
  /** Records after this sequence number (exclusive); '' = from the oldest kept. */
  readonly after: string;
}

const pad = (n: bigint) => n.toString().padStart(21, '0');
const keyOf = (item: AttributeMap | undefined) => {
  const keys: AttributeMap = {};
  for (const name of ['pk', 'sk']) if (item?.[name] !== undefined) keys[name] = item[name];
  return keys;
};
const pkOf = (keys: AttributeMap) => String((keys.pk as { S?: string } | undefined)?.S ?? '');

export interface LocalStreamsOptions {
  readonly region: string;
  /** The table's ARN as IAM sees it (its stream's ARN is `<table ARN>/stream/<label>`). */
  readonly tableArn: (table: string) => string;
  /** The clock of `ApproximateCreationDateTime` (the ecosystem's, so seal windows and stream times agree). @default Date.now */
  readonly now?: () => number;
  /** Where the records are kept across restarts (a JSON-lines file). @default - memory only */
  readonly file?: string;
}

export class LocalStreams {
  private readonly entries = new Map<string, StreamEntry[][]>();
  /** Per table and shard, the newest sequence number trimmed away. */
  private readonly trimmedThrough = new Map<string, string[]>();
  /** Keys seen written without a condition (to tell an overwrite from an insert). */
  private readonly seenKeys = new Set<string>();
  private sequence: bigint;
  private readonly startedMs: number;
  private readonly now: () => number;

  constructor(private readonly options: LocalStreamsOptions) {
    this.now = options.now ?? Date.now;
    this.startedMs = this.now();
    // Increasing across restarts, as a stream's sequence numbers are.
    this.sequence = BigInt(Date.now()) * 1_000_000n;
    if (options.file && existsSync(options.file)) this.load(options.file);
  }

  /** Records what a write that DynamoDB accepted changed. */
  recordWrite(operation: string, input: Record<string, unknown>): void {
    const table = String(input.TableName ?? '');
    switch (operation) {
      case 'PutItem': {
        const item = input.Item as AttributeMap;
        const insert = /attribute_not_exists/.test(String(input.ConditionExpression ?? '')) || !this.seen(table, item);
        this.append(table, insert ? 'INSERT' : 'MODIFY', keyOf(item), item);
        return;
      }
      case 'DeleteItem':
        this.append(table, 'REMOVE', keyOf(input.Key as AttributeMap));
        return;
      case 'UpdateItem':
        this.append(table, 'MODIFY', keyOf(input.Key as AttributeMap));
        return;
      case 'BatchWriteItem':
        for (const [name, writes] of Object.entries(
          (input.RequestItems ?? {}) as Record<string, { PutRequest?: { Item: AttributeMap }; DeleteRequest?: { Key: AttributeMap } }[]>,
        )) {
          for (const write of writes) {
            if (write.PutRequest)
              this.append(name, this.seen(name, write.PutRequest.Item) ? 'MODIFY' : 'INSERT', keyOf(write.PutRequest.Item), write.PutRequest.Item);
            else if (write.DeleteRequest) this.append(name, 'REMOVE', keyOf(write.DeleteRequest.Key));
          }
        }
        return;
      default:
    }
  }

  /**
   * The stream ARN a call names, as IAM sees the resource; `ListStreams` has no resource type (IAM authorizes it on
   * `*`: https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazondynamodb.html).
   */
  resourceOf(operation: string, input: Record<string, unknown>): { arn: string; table: string } | undefined {
    if (operation === 'ListStreams') return { arn: '*', table: '*' };
    const table =
      operation === 'GetRecords' ? this.iteratorOf(String(input.ShardIterator ?? ''))?.table : tableOfStreamArn(String(input.StreamArn ?? ''));
    return table === undefined ? undefined : { arn: this.streamArn(table), table };
  }

  answer(operation: string, input: Record<string, unknown>): StreamAnswer {
    switch (operation) {
      case 'ListStreams': {
        const tables = input.TableName === undefined ? [...this.entries.keys()] : [String(input.TableName)];
        return {
          body: { Streams: tables.map((table) => ({ StreamArn: this.streamArn(table), TableName: table, StreamLabel: LOCAL_STREAM_LABEL })) },
        };
      }
      case 'DescribeStream': {
        const table = tableOfStreamArn(String(input.StreamArn ?? ''));
        if (table === undefined) return notFound(`Requested resource not found: Stream: ${String(input.StreamArn)} not found`);
        this.trim(table);
        return {
          body: {
            StreamDescription: {
              StreamArn: this.streamArn(table),
              StreamLabel: LOCAL_STREAM_LABEL,
              StreamStatus: 'ENABLED',
              StreamViewType: 'NEW_IMAGE',
              CreationRequestDateTime: Math.floor(this.startedMs / 1000),
              TableName: table,
              KeySchema: [
                { AttributeName: 'pk', KeyType: 'HASH' },
                { AttributeName: 'sk', KeyType: 'RANGE' },
              ],
              Shards: Array.from({ length: SHARDS }, (_, shard) => ({
                ShardId: shardId(shard),
                SequenceNumberRange: { StartingSequenceNumber: this.shard(table, shard)[0]?.sequence ?? pad(this.sequence) },
              })),
            },
          },
        };
      }
      case 'GetShardIterator': {
        const table = tableOfStreamArn(String(input.StreamArn ?? ''));
        const shard = Array.from({ length: SHARDS }, (_, index) => index).find((index) => shardId(index) === input.ShardId);
        if (table === undefined || shard === undefined) return notFound(`Requested resource not found: Shard: ${String(input.ShardId)} not found`);
        this.trim(table);
        const records = this.shard(table, shard);
        const type = String(input.ShardIteratorType);
        const sequence = String(input.SequenceNumber ?? '');
        let after = '';
        if (type === 'LATEST') after = records.at(-1)?.sequence ?? '';
        else if (type === 'AFTER_SEQUENCE_NUMBER' || type === 'AT_SEQUENCE_NUMBER') {
          const trimmed = this.trimmedThrough.get(table)?.[shard] ?? '';
          if (sequence < trimmed) return { error: trimmedError(`The position ${sequence} in ${shardId(shard)} was trimmed`) };
          after = type === 'AFTER_SEQUENCE_NUMBER' ? sequence : pad(BigInt(sequence) - 1n);
        } else if (type !== 'TRIM_HORIZON') return validation(`Invalid ShardIteratorType ${type}`);
        return { body: { ShardIterator: this.encode({ table, shard, after }) } };
      }
      case 'GetRecords': {
        const iterator = this.iteratorOf(String(input.ShardIterator ?? ''));
        if (!iterator) return validation('Invalid ShardIterator');
        this.trim(iterator.table);
        const trimmed = this.trimmedThrough.get(iterator.table)?.[iterator.shard] ?? '';
        if (iterator.after !== '' && iterator.after < trimmed) return { error: trimmedError('The records after this iterator were trimmed') };
        const limit = Math.min(MAX_LIMIT, Number(input.Limit ?? MAX_LIMIT));
        const records = this.shard(iterator.table, iterator.shard)
          .filter((entry) => entry.sequence > iterator.after)
          .slice(0, limit);
        const after = records.at(-1)?.sequence ?? iterator.after;
        return {
          body: {
            Records: records.map((entry) => this.wire(entry)),
            NextShardIterator: this.encode({ ...iterator, after }),
          },
        };
      }
      default:
        return { error: { status: 400, type: 'com.amazon.coral.service#UnknownOperationException', message: `Unknown operation ${operation}` } };
    }
  }

  streamArn(table: string): string {
    return `${this.options.tableArn(table)}/stream/${LOCAL_STREAM_LABEL}`;
  }

  private seen(table: string, item: AttributeMap): boolean {
    const key = `${table}\u0000${JSON.stringify(keyOf(item))}`;
    if (this.seenKeys.has(key)) return true;
    this.seenKeys.add(key);
    return false;
  }

  private shard(table: string, shard: number): StreamEntry[] {
    let shards = this.entries.get(table);
    if (!shards) this.entries.set(table, (shards = Array.from({ length: SHARDS }, () => [])));
    return shards[shard];
  }

  private append(table: string, eventName: StreamEntry['eventName'], keys: AttributeMap, newImage?: AttributeMap): void {
    this.sequence += 1n;
    const shard = createHash('sha256').update(pkOf(keys)).digest()[0] % SHARDS;
    const entry: StreamEntry = { table, shard, sequence: pad(this.sequence), createdMs: this.now(), eventName, keys, newImage };
    this.shard(table, shard).push(entry);
    if (this.options.file) appendFileSync(this.options.file, `${JSON.stringify(entry)}\n`);
  }

  /** Drops what is older than the retention (by the stream's own clock, as AWS trims after 24 h). */
  private trim(table: string): void {
    const oldest = this.now() - RETENTION_MS;
    (this.entries.get(table) ?? []).forEach((records, shard) => {
      let drop = 0;
      while (drop < records.length && records[drop].createdMs < oldest) drop += 1;
      if (drop === 0) return;
      const trimmed = this.trimmedThrough.get(table) ?? Array.from({ length: SHARDS }, () => '');
      trimmed[shard] = records[drop - 1].sequence;
      this.trimmedThrough.set(table, trimmed);
      records.splice(0, drop);
    });
  }

  private load(file: string): void {
    const oldest = this.now() - RETENTION_MS;
    const kept: StreamEntry[] = [];
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!line) continue;
      try {
        const entry = JSON.parse(line) as StreamEntry;
        if (entry.createdMs >= oldest) kept.push(entry);
        if (BigInt(entry.sequence) > this.sequence) this.sequence = BigInt(entry.sequence);
      } catch {
        // A torn last line (the process stopped mid-write): that write was not acknowledged.
      }
    }
    for (const entry of kept) this.shard(entry.table, entry.shard).push(entry);
    writeFileSync(file, kept.map((entry) => `${JSON.stringify(entry)}\n`).join(''));
  }

  /** A record as `GetRecords` answers it (https://docs.aws.amazon.com/amazondynamodbstreams/latest/APIReference/API_streams_Record.html). */
  private wire(entry: StreamEntry): unknown {
    const image = entry.newImage ? { NewImage: entry.newImage } : {};
    return {
      eventID: createHash('sha256').update(entry.sequence).digest('hex').slice(0, 32),
      eventName: entry.eventName,
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: this.options.region,
      dynamodb: {
        ApproximateCreationDateTime: Math.floor(entry.createdMs / 1000),
        Keys: entry.keys,
        ...image,
        SequenceNumber: entry.sequence,
        SizeBytes: Buffer.byteLength(JSON.stringify(entry.newImage ?? entry.keys)),
        StreamViewType: 'NEW_IMAGE',
      },
    };
  }

  private encode(iterator: Iterator): string {
    return Buffer.from(JSON.stringify(iterator)).toString('base64url');
  }

  private iteratorOf(text: string): Iterator | undefined {
    try {
      const parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as Iterator;
      return typeof parsed.table === 'string' && typeof parsed.shard === 'number' && typeof parsed.after === 'string' ? parsed : undefined;
    } catch {
      return undefined;
    }
  }
}

const shardId = (shard: number) => `shardId-00000000000000000000-0000000${shard}`;

/** `arn:aws:dynamodb:<region>:<account>:table/<name>/stream/<label>` → `<name>`. */
const tableOfStreamArn = (arn: string) => /:table\/([^/]+)\/stream\/[^/]+$/.exec(arn)?.[1];

const notFound = (message: string): StreamAnswer => ({
  error: { status: 400, type: 'com.amazonaws.dynamodb.v20120810#ResourceNotFoundException', message },
});
const validation = (message: string): StreamAnswer => ({
  error: { status: 400, type: 'com.amazon.coral.validate#ValidationException', message },
});
const trimmedError = (message: string): StreamError => ({
  status: 400,
  type: 'com.amazonaws.dynamodb.v20120810#TrimmedDataAccessException',
  message,
});
