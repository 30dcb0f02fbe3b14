/**
 * Writing the message log: how each body goes into a record under the gateway's settings, and appending a record so
 * that nothing is passed on unlogged (a duplicate X-Road-Id is refused by the same write).
 */
import { sha256Base64 } from '../kernel/hashing';
import { XRoadError, type FaultOrigin } from '../kernel/errors';
import { DuplicateRecordError } from '../kernel/ports';
import type { MessageLogRecord } from './records';
import type { BodyStore, MessageLog } from './ports';
import type { MessageLogSettings } from './settings';

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
      throw new XRoadError(
        origin === 'Client' ? 'Server.ClientProxy' : origin,
        'LoggingFailed',
        'The message body could not be written to the body store',
        { cause: error },
      );
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
