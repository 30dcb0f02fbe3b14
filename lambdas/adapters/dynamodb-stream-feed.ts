/**
 * `LogFeed` on the message-log table's DynamoDB stream (`NEW_IMAGE`): the sealer's one reader reads every shard from
 * where the last seal left it to the shard's end, with the four actions a stream reader needs — `ListStreams`,
 * `DescribeStream`, `GetShardIterator`, `GetRecords`
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Streams.html,
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazondynamodb.html).
 *
 * - Shards: `DescribeStream` lists every shard the stream still holds (open, and closed within its 24-hour retention),
 *   page by page (`ExclusiveStartShardId`). A shard with a position resumes `AFTER_SEQUENCE_NUMBER`; a new one (a child
 *   after a split, or every shard on the first run) starts at `TRIM_HORIZON`. Parents and children are all read to their
 *   end in the same run, so their order does not matter here.
 * - Read through: a closed shard read to its end (no `NextShardIterator`) holds nothing back; an open shard read until
 *   `GetRecords` answered no records is read through the time that call began, less `PROPAGATION_MARGIN_MS` (a write
 *   reaches the stream shortly after DynamoDB acknowledges it); a shard left after `MAX_PAGES_PER_SHARD` pages is read
 *   through its last record's `ApproximateCreationDateTime` (the next run goes on from there).
 * - Records: only `INSERT`s of log records (items with their time and hash) are leaves. `REMOVE`s are left out —
 *   DynamoDB's TTL deletions carry `userIdentity` `{Type: Service, PrincipalId: dynamodb.amazonaws.com}`
 *   (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/time-to-live-ttl-streams.html) and any other
 *   removal or `MODIFY` of a record is tampering, which the audit reports from the table itself.
 * - Data the stream trimmed before it was read (`TrimmedDataAccessException`: the sealer stopped for longer than the
 *   retention) is an error: sealing stops, and the gateway fails closed, rather than seal a window with records missing.
 */
import {
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListStreamsCommand,
  type DynamoDBStreamsClient,
  type _Record as StreamRecord,
  type Shard,
} from '@aws-sdk/client-dynamodb-streams';
import type { Clock } from '../core/kernel/ports';
import type { FeedPositions, FeedRead, LogFeed, SealLeaf } from '../core/log/ports';
import { StoreUnavailableError } from '../core/kernel/ports';
import { CERT_PK, LOGGED_AT_MS, RECORD_HASH } from './message-log-item';
import { CONFIG_PK, GLOBALCONF_PK, KEYS_PK, SEAL_PK } from './tables';

/** How long after DynamoDB acknowledges a write it may take to appear in the stream (near real time). */
export const PROPAGATION_MARGIN_MS = 5_000;
/** Pages of up to 1,000 records per shard per run: a backlog is caught up over several runs. */
export const MAX_PAGES_PER_SHARD = 200;
/** `ApproximateCreationDateTime` is given to the second by default: a record's creation is known to within this. */
const CREATION_PRECISION_MS = 1_000;

const NOT_RECORDS = new Set([SEAL_PK, CONFIG_PK, KEYS_PK, GLOBALCONF_PK, CERT_PK]);

/** A TTL deletion, as DynamoDB Streams marks it. */
export const isTtlRemoval = (record: Pick<StreamRecord, 'eventName' | 'userIdentity'>) =>
  record.eventName === 'REMOVE' && record.userIdentity?.Type === 'Service' && record.userIdentity.PrincipalId === 'dynamodb.amazonaws.com';

/** The leaf of a stream record, when it is the insertion of a log record. */
export function leafOf(record: StreamRecord): SealLeaf | undefined {
  if (record.eventName !== 'INSERT' || isTtlRemoval(record)) return undefined;
  const image = record.dynamodb?.NewImage;
  const pk = image?.pk?.S;
  const sk = image?.sk?.S;
  // The current item format (`t`: epoch ms, `rh`: bytes), or the one before it (`loggedAt`, `recordHash` in base64).
  const ms = image?.[LOGGED_AT_MS]?.N;
  const loggedAt = ms !== undefined ? new Date(Number(ms)).toISOString() : image?.loggedAt?.S;
  const hash = image?.[RECORD_HASH]?.B ?? image?.recordHash?.S;
  if (pk === undefined || sk === undefined || loggedAt === undefined || hash === undefined || NOT_RECORDS.has(pk)) return undefined;
  return { key: `${pk} ${sk}`, loggedAt, recordHash: typeof hash === 'string' ? hash : Buffer.from(hash).toString('base64') };
}

const creationMs = (record: StreamRecord) => {
  const created = record.dynamodb?.ApproximateCreationDateTime;
  return created === undefined ? Number.NEGATIVE_INFINITY : new Date(created).getTime();
};

interface ShardRead {
  /** Sequence numbers and creation times of what was read, in order, and a leaf's `loggedAt` (epoch ms). */
  readonly read: { sequence: string; createdMs: number; loggedAtMs?: number }[];
  readThroughMs: number;
}

export class DynamoDbStreamFeed implements LogFeed {
  constructor(
    private readonly client: () => DynamoDBStreamsClient,
    private readonly tableName: string,
    private readonly clock: Clock,
  ) {}

  async read(from: FeedPositions | undefined): Promise<FeedRead> {
    const positions = from ?? {};
    const { streamArn, startedAtMs, shards } = await this.describe();
    const leaves: SealLeaf[] = [];
    const reads = new Map<string, ShardRead>();
    for (const shard of shards) reads.set(shard.ShardId!, await this.readShard(streamArn, shard, positions[shard.ShardId!], leaves));
    const readThroughMs = Math.min(this.clock.now(), ...[...reads.values()].map((read) => read.readThroughMs));
    return {
      leaves,
      readThroughMs,
      startedAtMs,
      positionsBefore: (ms) => {
        const next: Record<string, string> = {};
        for (const [shardId, read] of reads) {
          // The last record of the shard's prefix known to be written before `ms` and, if a leaf, logged before it (its
          // window is sealed), or where this run began. A writer whose clock runs ahead of DynamoDB's stamps a record
          // into a window not sealed yet although it was created before `ms`: the position stops before it, or the
          // next run would never read it again.
          let position = positions[shardId];
          for (const entry of read.read) {
            if (entry.createdMs + CREATION_PRECISION_MS > ms || (entry.loggedAtMs !== undefined && entry.loggedAtMs >= ms)) break;
            position = entry.sequence;
          }
          if (position !== undefined) next[shardId] = position;
        }
        return next;
      },
    };
  }

  private async describe(): Promise<{ streamArn: string; startedAtMs: number; shards: Shard[] }> {
    const client = this.client();
    const call = async <T>(what: string, send: () => Promise<T>) => {
      try {
        return await send();
      } catch (error) {
        throw new StoreUnavailableError('seals', `The message log's stream could not be read (${what})`, { cause: error });
      }
    };
    const listed = await call('ListStreams', () => client.send(new ListStreamsCommand({ TableName: this.tableName })));
    // The newest stream (labels are creation timestamps); an older, disabled one is kept 24 h but written no more.
    const stream = [...(listed.Streams ?? [])].sort((a, b) => String(b.StreamLabel).localeCompare(String(a.StreamLabel)))[0];
    if (!stream?.StreamArn) throw new StoreUnavailableError('seals', `The message log ${this.tableName} has no stream to seal from`);
    const shards: Shard[] = [];
    let startedAtMs = Number.POSITIVE_INFINITY;
    let exclusiveStartShardId: string | undefined;
    do {
      const page = await call('DescribeStream', () =>
        client.send(new DescribeStreamCommand({ StreamArn: stream.StreamArn, ExclusiveStartShardId: exclusiveStartShardId })),
      );
      const description = page.StreamDescription;
      if (description?.CreationRequestDateTime) startedAtMs = Math.min(startedAtMs, new Date(description.CreationRequestDateTime).getTime());
      shards.push(...(description?.Shards ?? []));
      exclusiveStartShardId = description?.LastEvaluatedShardId;
    } while (exclusiveStartShardId);
    return { streamArn: stream.StreamArn, startedAtMs: Number.isFinite(startedAtMs) ? startedAtMs : 0, shards };
  }

  private async readShard(streamArn: string, shard: Shard, position: string | undefined, leaves: SealLeaf[]): Promise<ShardRead> {
    const client = this.client();
    const result: ShardRead = { read: [], readThroughMs: Number.POSITIVE_INFINITY };
    const read = async <T>(send: () => Promise<T>) => {
      try {
        return await send();
      } catch (error) {
        const trimmed = (error as Error).name === 'TrimmedDataAccessException';
        throw new StoreUnavailableError(
          'seals',
          trimmed
            ? `Shard ${shard.ShardId} of the message log's stream lost records before they were sealed (the stream keeps 24 hours)`
            : `Shard ${shard.ShardId} of the message log's stream could not be read`,
          { cause: error },
        );
      }
    };
    let iterator = (
      await read(() =>
        client.send(
          new GetShardIteratorCommand({
            StreamArn: streamArn,
            ShardId: shard.ShardId,
            ...(position === undefined
              ? { ShardIteratorType: 'TRIM_HORIZON' }
              : { ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', SequenceNumber: position }),
          }),
        ),
      )
    ).ShardIterator;
    for (let page = 0; iterator !== undefined; page += 1) {
      if (page === MAX_PAGES_PER_SHARD) {
        // Left for the next run: read through the last record seen.
        result.readThroughMs = result.read.at(-1)?.createdMs ?? Number.NEGATIVE_INFINITY;
        return result;
      }
      const startedMs = this.clock.now();
      const answer = await read(() => client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 })));
      const records = answer.Records ?? [];
      for (const record of records) {
        const leaf = leafOf(record);
        result.read.push({
          sequence: record.dynamodb!.SequenceNumber!,
          createdMs: creationMs(record),
          loggedAtMs: leaf && Date.parse(leaf.loggedAt),
        });
        if (leaf) leaves.push(leaf);
      }
      iterator = answer.NextShardIterator;
      if (records.length === 0 && iterator !== undefined) {
        // At the end of an open shard: everything written before this call (less the propagation margin) was read.
        result.readThroughMs = startedMs - PROPAGATION_MARGIN_MS;
        return result;
      }
    }
    return result; // a closed shard read to its end
  }
}
