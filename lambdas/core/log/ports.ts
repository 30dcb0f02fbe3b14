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

/** A record as the sealing index holds it. */
export interface SealLeaf {
  /** `<client> <X-Road-Id> <side>#<direction>`, the tie-breaker after `loggedAt`. */
  readonly key: string;
  readonly loggedAt: string;
  /** base64 */
  readonly recordHash: string;
}

/** Where seals and the sealing index live (the gateway's message-log table). */
export interface SealStore {
  latestSeal(): Promise<Seal | undefined>;
  /** All seals, oldest first. */
  listSeals(): Promise<Seal[]>;
  /** Writes a seal unless one starting at the same window exists (another sealer won the race). */
  putSeal(seal: Seal, header: SealHeader): Promise<boolean>;
  /** The leaves of every record logged in windows `from`…`to`. */
  leavesInWindows(fromWindow: number, toWindow: number): Promise<SealLeaf[]>;
}
