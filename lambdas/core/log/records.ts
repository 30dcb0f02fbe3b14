/**
 * The message log: one record per request and per response, on each side of an exchange, written before the
 * message is passed on. A record is keyed by (client, X-Road-Id) and the side/direction, and written with a
 * condition that no such record exists — so the provider's request record both logs the request and rejects a
 * replay of its X-Road-Id, in one atomic write.
 */
import type { Headers } from '../kernel/http';

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
