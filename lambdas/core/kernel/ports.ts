/**
 * The ports every feature of the core shares: signing keys, time, outbound HTTP, and the errors any adapter reports
 * failure with. Each feature keeps its own ports beside it (`trust/ports.ts`, `log/ports.ts`, `exchange/ports.ts`,
 * `central/ports.ts`); AWS implementations live in `lambdas/adapters/`, in-memory ones in `test/support/`, and the
 * core turns the errors at the end of this file into X-Road errors in one place (`portFault` in `errors.ts`).
 */
import type { Headers, HttpResponse } from './http';

/** Signs bytes with a gateway's (or the central server's) private key; ECDSA P-256 over SHA-256, DER output. */
export interface Signer {
  sign(message: Buffer): Promise<Buffer>;
  /** The DER SubjectPublicKeyInfo of the signing key, as published in the global configuration. */
  publicKey(): Promise<Buffer>;
}

/**
 * A party's signing keys, which rotate: the key that signs now, and the keys to publish (the current one, plus its
 * successor announced before the switch or its predecessor kept while messages it signed may still be in flight).
 */
export interface KeyRing {
  /** The key to sign with; take it once per use, so a key id and a signature made with it agree. */
  current(): Promise<Signer>;
  /** Every key to publish in the global configuration, each proven by a signature at join. */
  published(): Promise<Signer[]>;
}

/** A key ring of one key that never rotates (tests, and deployments before their first rotation). */
export const singleKeyRing = (signer: Signer): KeyRing => ({ current: async () => signer, published: async () => [signer] });

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

// Port errors: what an adapter throws; `portFault` (errors.ts) maps them to X-Road errors.

/** A conditional write found an existing item: the record (e.g. a message id) was already there. */
export class DuplicateRecordError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DuplicateRecordError';
  }
}

/** Which store failed: it decides the X-Road error (a log that cannot be written stops the exchange). */
export type StoreName = 'message-log' | 'body-store' | 'seals' | 'gateway-config' | 'registry';

/** A store could not be reached or refused the operation (throttling, outage, missing table). */
export class StoreUnavailableError extends Error {
  constructor(
    readonly store: StoreName,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StoreUnavailableError';
  }
}

/** The signing key (KMS) could not be used. */
export class SigningUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SigningUnavailableError';
  }
}
