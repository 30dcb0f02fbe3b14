/**
 * The message log: one record per request and per response, on each side of an exchange, written before the
 * message is passed on. A record is keyed by (client, X-Road-Id) and the side/direction, and written with a
 * condition that no such record exists — so the provider's request record both logs the request and rejects a
 * replay of its X-Road-Id, in one atomic write.
 */
import { sha256Base64 } from './hashing';
import type { Headers } from './http';
import { XRoadError, type FaultOrigin } from './errors';
import type { MessageLogSettings } from './gateway-settings';
import { DuplicateRecordError, type BodyStore, type MessageLog } from './ports';

export type Side = 'consumer' | 'provider';
export type Direction = 'request' | 'response';

export interface MessageLogRecord {
  readonly client: string;
  readonly xRoadId: string;
  readonly side: Side;
  readonly direction: Direction;
  readonly service: string;
  readonly requestId: string;
  readonly userId?: string;
  readonly method: string;
  readonly target: string;
  /** Response status; absent on request records. */
  readonly status?: number;
  readonly loggedAt: string;
  /** The signed manifest bytes (base64) and signature (base64); absent for a layer error that was not signed. */
  readonly manifest?: string;
  readonly signature?: string;
  /** Session mode: the certificate of the key that signed the manifest. */
  readonly certificate?: string;
  /** `X-Road-Error` type when the layer itself answered. */
  readonly errorType?: string;
  /** The headers the manifest's hash covers (X-Road's "message header part"), so the hash can be recomputed. */
  readonly headers?: Headers;
  readonly bodySha256: string;
  readonly bodyBytes: number;
  /**
   * `inline`: `body` holds it; `stored`: too large for a record, it is in the gateway's body store at
   * `bodyLocation`; `hash-only`: too large, not kept (opt-in); `metadata`: the gateway logs metadata only;
   * `withheld`: the request was refused (no access right, unknown service), so its body is not stored.
   */
  readonly bodyLogged: 'inline' | 'stored' | 'hash-only' | 'metadata' | 'withheld';
  readonly body?: Buffer;
  /** Where a `stored` body is (`s3://bucket/key`); its hash is `bodySha256`. */
  readonly bodyLocation?: string;
}

type LoggedBody = Pick<MessageLogRecord, 'bodySha256' | 'bodyBytes' | 'bodyLogged' | 'body' | 'bodyLocation'>;

/**
 * How a body goes into the log under the gateway's settings: inline up to `maxInlineBodyBytes`, above it in the body
 * store (default), as its hash only (opt-in), or refused (opt-in). A body store that cannot be written is
 * `LoggingFailed`: nothing unlogged is passed on.
 */
export async function bodyForLog(body: Buffer, settings: MessageLogSettings, origin: FaultOrigin, store: BodyStore | undefined): Promise<LoggedBody> {
  const base = { bodySha256: sha256Base64(body), bodyBytes: body.length };
  if (settings.mode === 'metadata') return { ...base, bodyLogged: 'metadata' };
  if (body.length <= settings.maxInlineBodyBytes) return { ...base, bodyLogged: 'inline', body };
  if (settings.oversizeBody === 'hash-only') return { ...base, bodyLogged: 'hash-only' };
  if (settings.oversizeBody === 'store' && store) {
    try {
      return { ...base, bodyLogged: 'stored', bodyLocation: await store.put(body, Buffer.from(base.bodySha256, 'base64').toString('hex'), 'log') };
    } catch (error) {
      throw new XRoadError(origin === 'Client' ? 'Server.ClientProxy' : origin, 'LoggingFailed', 'The message body could not be written to the body store', { cause: error });
    }
  }
  const message = `The body (${body.length} bytes) exceeds the message log's limit of ${settings.maxInlineBodyBytes} bytes`;
  throw new XRoadError(origin, 'RequestTooLarge', message);
}

/** A refused request's body: its hash and size only — a caller without rights cannot fill the provider's log. */
export function withheldBody(body: Buffer): Pick<MessageLogRecord, 'bodySha256' | 'bodyBytes' | 'bodyLogged'> {
  return { bodySha256: sha256Base64(body), bodyBytes: body.length, bodyLogged: 'withheld' };
}

/**
 * Appends a record; a duplicate becomes `DuplicateMessageId` (the X-Road-Id was used before by this client), any
 * other failure `LoggingFailed` — the message is then not passed on.
 */
export async function appendOrFail(log: MessageLog, record: MessageLogRecord, origin: FaultOrigin): Promise<void> {
  try {
    await log.append(record);
  } catch (error) {
    if (error instanceof DuplicateRecordError) {
      throw new XRoadError(origin, 'DuplicateMessageId', `X-Road-Id ${record.xRoadId} was already used by ${record.client}`, { cause: error });
    }
    throw new XRoadError(origin, 'LoggingFailed', 'The message could not be written to the message log', { cause: error });
  }
}
