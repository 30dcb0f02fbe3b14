/**
 * The ports the protocol core depends on. AWS implementations live in `lambdas/adapters/`; unit tests of the
 * core use trivial in-memory ones. Nothing here knows about AWS.
 */
import type { Headers, HttpResponse } from './http';

/** Signs bytes with a gateway's (or the central server's) private key; ECDSA P-256 over SHA-256, DER output. */
export interface Signer {
  sign(message: Buffer): Promise<Buffer>;
  /** The DER SubjectPublicKeyInfo of the signing key, as published in the global configuration. */
  publicKey(): Promise<Buffer>;
}

/** Milliseconds since the epoch; a port so tests and the local runtime can control time. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/**
 * An outgoing HTTP call (to a backend or to another gateway): sent exactly as given — no added end-to-end headers,
 * no content decoding, redirects not followed. `url` is used as is (never normalized).
 */
export interface OutboundRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Headers;
  readonly body: Buffer;
  readonly timeoutMs: number;
  /** Gives up (`too-large`) on an answer body above this size. @default - no limit */
  readonly maxResponseBytes?: number;
}

export interface HttpClient {
  /** Resolves with any HTTP response; rejects with `HttpClientError` when no response arrived. */
  send(request: OutboundRequest): Promise<HttpResponse>;
}

/** Why an outbound call produced no response. */
export class HttpClientError extends Error {
  constructor(
    readonly reason: 'unreachable' | 'timeout' | 'too-large',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'HttpClientError';
  }
}

/** A conditional write found an existing item: the record (e.g. a message id) was already there. */
export class DuplicateRecordError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DuplicateRecordError';
  }
}

/** A store could not be reached or refused the write (throttling, outage, missing table). */
export class StoreUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}

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
