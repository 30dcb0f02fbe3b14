/** The message log's ports: where records, seals and large bodies are kept (the gateway's table and bucket in AWS). */
import type { MessageLogRecord } from './records';
import type { Seal, SealHeader } from './seal';

/**
 * Where bodies too large for a log record live (the gateway's own S3 bucket). Content-addressed by SHA-256: a body
 * is stored once however often it is sent, and a replayed message can never overwrite another exchange's body.
 */
export interface BodyStore {
  /** Stores the body; returns its location (`s3://bucket/key`). */
  put(body: Buffer, sha256Hex: string, purpose: 'log' | 'transfer'): Promise<string>;
  get(location: string): Promise<Buffer>;
  /** A URL another gateway can GET the body from without credentials, valid for `ttlSeconds`. */
  shareUrl(location: string, ttlSeconds: number): Promise<string>;
}

/** The message log: one record per request and per response, on each side of an exchange. */
export interface MessageLog {
  /** Writes the record unless one with the same key exists (`DuplicateRecordError`). */
  append(record: MessageLogRecord): Promise<void>;
  /** All records of one exchange, on this gateway. */
  find(client: string, xRoadId: string): Promise<MessageLogRecord[]>;
}

/** A record as the sealer hashes it into a seal's tree (from the log's change feed, or the legacy sealing index). */
export interface SealLeaf {
  /** `<client> <X-Road-Id> <side>#<direction>`, the tie-breaker after `loggedAt`. */
  readonly key: string;
  readonly loggedAt: string;
  /** base64 */
  readonly recordHash: string;
}

/**
 * Where the sealer stopped reading the log's change feed: per shard, the last position it consumed (a DynamoDB Streams
 * sequence number). Stored beside the seal it was read for, never signed: a wrong one can only make the next run read
 * more (records of sealed windows are skipped) or miss records, which the next audit reports.
 */
export type FeedPositions = Readonly<Record<string, string>>;

/** A seal as its store keeps it: the newest one also carries where the sealer's feed read stopped. */
export interface StoredSeal extends Seal {
  readonly feed?: FeedPositions;
}

/** Where seals live (the gateway's message-log table), and the records' leaves by window for evidence. */
export interface SealStore {
  latestSeal(): Promise<StoredSeal | undefined>;
  /** All seals, oldest first. */
  listSeals(): Promise<Seal[]>;
  /** Writes a seal (with the feed positions it was read at) unless one starting at the same window exists (another sealer won the race). */
  putSeal(seal: Seal, header: SealHeader, feed?: FeedPositions): Promise<boolean>;
  /** The leaves of every record logged in windows `from`…`to` (for inclusion proofs; slow: not on the sealing path). */
  leavesInWindows(fromWindow: number, toWindow: number): Promise<SealLeaf[]>;
  /**
   * The leaves the sealing index holds for windows `from`…`to` — records written before the log had a change feed
   * (items with a `sealWindow`). @default none
   */
  indexedLeaves?(fromWindow: number, toWindow: number): Promise<SealLeaf[]>;
}

/** What one read of the log's change feed found. */
export interface FeedRead {
  /** Every log record inserted since `positions` (TTL removals and other changes left out). */
  readonly leaves: readonly SealLeaf[];
  /**
   * Every record written before this time (epoch ms, the feed's clock) has been read: the sealer seals only windows that
   * closed (plus the grace for retried writes) before it.
   */
  readonly readThroughMs: number;
  /** When the feed began (epoch ms): records logged before it are only in the legacy index. */
  readonly startedAtMs: number;
  /** The positions to resume from once every record written before `ms` is sealed. */
  positionsBefore(ms: number): FeedPositions;
}

/**
 * The message log's change feed (the table's DynamoDB stream in AWS; locally, the same API served from the local
 * DynamoDB front's successful writes). One reader reads every shard to its end each run.
 */
export interface LogFeed {
  read(from: FeedPositions | undefined): Promise<FeedRead>;
}
