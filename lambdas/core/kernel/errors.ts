/**
 * The X-Road error model, and the one place that maps a domain error to an HTTP response.
 *
 * X-Road answers a failed message with `{"type","message","detail"}` and the header `X-Road-Error: <type>`.
 * The type carries a prefix that says who failed: `Client.*` (the caller's request was wrong),
 * `Server.ClientProxy.*` (the consumer-side gateway failed) or `Server.ServerProxy.*` (the provider side failed).
 * A response without `X-Road-Error` is the backend's own answer, passed through.
 */
import { randomUUID } from 'node:crypto';
import type { HttpResponse } from './http';
import { SigningUnavailableError, StoreUnavailableError, type StoreName } from './ports';
import { escapeXml } from './xml-text';

/** The header naming the error type on every answer the layer itself gives (X-Road's `X-Road-Error`). */
export const XROAD_ERROR_HEADER = 'x-road-error';

/** Who is at fault, as X-Road's type prefix expresses it. */
export type FaultOrigin = 'Client' | 'Server.ClientProxy' | 'Server.ServerProxy';

/** The error codes Sild emits. X-Road's own codes where one exists; Sild's additions are marked. */
export type ErrorCode =
  | 'AccessDenied'
  | 'BadRequest'
  | 'DatabaseError'
  | 'DuplicateHeaderField' // SOAP: an X-Road header field stated twice
  | 'DuplicateMessageId' // Sild: an X-Road-Id that this client already used (replay protection)
  | 'InconsistentHeaders' // SOAP: the body's element is not the service the header names
  | 'InconsistentResponse' // SOAP: the service's answer does not restate the request's header
  | 'InternalError'
  | 'InvalidClientIdentifier'
  | 'InvalidProtocolVersion'
  | 'InvalidBody' // SOAP: a body without exactly one element
  | 'InvalidContentType' // SOAP: a content type that carries no SOAP message
  | 'InvalidSignatureValue'
  | 'InvalidSoap' // SOAP: not well-formed XML, or not a SOAP 1.1 envelope
  | 'InvalidXml' // SOAP: an identifier without a valid objectType
  | 'LoggingFailed'
  | 'Maintenance' // Sild: the provider gateway is in maintenance mode (X-Road's maintenance mode)
  | 'MimeParsingFailed' // SOAP: a multipart message that cannot be read
  | 'MissingBody' // SOAP: an envelope without a Body
  | 'MissingHeader'
  | 'MissingHeaderField' // SOAP: a required X-Road header field absent
  | 'NetworkError'
  | 'NotFound' // Sild: a route that does not exist
  | 'OutdatedGlobalConf'
  | 'RequestTooLarge' // Sild: a body or header beyond the configured limits
  | 'ServiceFailed'
  | 'ServiceType' // a REST service called over SOAP, or the reverse
  | 'SigningFailed' // Sild: the gateway's signing key (KMS) could not sign
  | 'TimestampingFailed' // X-Road's code; in Sild: the message log has not been sealed for too long
  | 'StaleMessage' // Sild: a message timestamp outside the accepted clock skew
  | 'Unauthorized' // Sild: an admin/join call without an accepted identity
  | 'UnknownMember'
  | 'UnknownService';

/** Default HTTP status per code; X-Road itself uses 400/500, Sild is more precise (documented in the README). */
const STATUS: Record<ErrorCode, number> = {
  AccessDenied: 403,
  BadRequest: 400,
  DatabaseError: 503,
  DuplicateHeaderField: 400,
  DuplicateMessageId: 409,
  InconsistentHeaders: 400,
  InconsistentResponse: 502,
  InternalError: 500,
  InvalidClientIdentifier: 400,
  InvalidProtocolVersion: 400,
  InvalidBody: 400,
  InvalidContentType: 415,
  InvalidSignatureValue: 401,
  InvalidSoap: 400,
  InvalidXml: 400,
  LoggingFailed: 503,
  MimeParsingFailed: 400,
  MissingBody: 400,
  MissingHeader: 400,
  MissingHeaderField: 400,
  NetworkError: 502,
  NotFound: 404,
  OutdatedGlobalConf: 503,
  RequestTooLarge: 413,
  ServiceFailed: 502,
  ServiceType: 400,
  SigningFailed: 503,
  StaleMessage: 401,
  TimestampingFailed: 503,
  Maintenance: 503,
  Unauthorized: 403,
  UnknownMember: 400,
  UnknownService: 404,
};

/** A failure the layer reports to its caller as an X-Road error. */
export class XRoadError extends Error {
  readonly type: string;
  readonly status: number;

  constructor(
    readonly origin: FaultOrigin,
    readonly code: ErrorCode,
    message: string,
    options: { status?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'XRoadError';
    this.type = `${origin}.${code}`;
    this.status = options.status ?? STATUS[code];
  }
}

/**
 * A failure raised by code that serves both gateway sides (the configuration cache, the log): it knows the error
 * code but not the side, which `errorResponse` adds from the handler that caught it.
 */
export class LayerFault extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'LayerFault';
  }
}

/** Whether `type` is an X-Road error type this layer knows (`Client.BadRequest`, `Server.ServerProxy.AccessDenied`…). */
export function isKnownErrorType(type: string): boolean {
  const code = /^(?:Client|Server\.ClientProxy|Server\.ServerProxy)\.(\w+)$/.exec(type)?.[1];
  return code !== undefined && Object.hasOwn(STATUS, code);
}

/** Shorthands for the three origins, so call sites read like the X-Road type they produce. */
export const clientError = (code: ErrorCode, message: string, cause?: unknown) => new XRoadError('Client', code, message, { cause });
export const consumerError = (code: ErrorCode, message: string, cause?: unknown) => new XRoadError('Server.ClientProxy', code, message, { cause });
export const providerError = (code: ErrorCode, message: string, cause?: unknown) => new XRoadError('Server.ServerProxy', code, message, { cause });

/** The JSON body of an X-Road error response. */
export interface ErrorBody {
  readonly type: string;
  readonly message: string;
  readonly detail: string;
}

/**
 * Any thrown value as the X-Road error the caller gets: an `XRoadError` as it is, a `LayerFault` or port error with
 * the side's origin, anything else `InternalError` with a generic message (the cause stays in the operator's logs).
 */
export function asXRoadError(error: unknown, origin: FaultOrigin): XRoadError {
  if (error instanceof XRoadError) return error;
  const fault = error instanceof LayerFault ? error : portFault(error);
  return fault ? new XRoadError(origin, fault.code, fault.message) : new XRoadError(origin, 'InternalError', 'Internal error');
}

/**
 * Maps any thrown value to an X-Road error response. Unknown errors become `InternalError` with a generic
 * message: the caller gets the `detail` id to quote, the operator finds the cause in the logs under that id.
 * The body is JSON, or XML when the client's `Accept` prefers XML (PR-REST §4.6).
 */
export function errorResponse(
  error: unknown,
  origin: FaultOrigin = 'Server.ClientProxy',
  detail: string = randomUUID(),
  accept?: string,
): HttpResponse {
  const known = asXRoadError(error, origin);
  const body: ErrorBody = { type: known.type, message: known.message, detail };
  const xml = prefersXml(accept);
  return {
    status: known.status,
    headers: { 'content-type': [xml ? `${xml};charset=utf-8` : 'application/json;charset=utf-8'], [XROAD_ERROR_HEADER]: [known.type] },
    body: Buffer.from(xml ? errorXml(body) : JSON.stringify(body)),
  };
}

/**
 * The one place a port error (what an adapter throws) becomes an X-Road error: a signing key that cannot sign is
 * `SigningFailed`; a log or body store that cannot be written `LoggingFailed` (nothing unlogged is passed on); seals
 * that cannot be read `TimestampingFailed`; the registry or the deployment's items `DatabaseError`.
 */
export function portFault(error: unknown): LayerFault | undefined {
  if (error instanceof SigningUnavailableError) return new LayerFault('SigningFailed', error.message, { cause: error });
  if (error instanceof StoreUnavailableError) {
    const code: Record<StoreName, ErrorCode> = {
      'message-log': 'LoggingFailed',
      'body-store': 'LoggingFailed',
      seals: 'TimestampingFailed',
      'gateway-config': 'DatabaseError',
      registry: 'DatabaseError',
    };
    return new LayerFault(code[error.store], error.message, { cause: error });
  }
  return undefined;
}

/** X-Road's XML error body: `<error><type/><message/><detail/></error>`, no namespace (its reference implementation's form). */
function errorXml(body: ErrorBody): string {
  return `<?xml version="1.0" encoding="UTF-8" standalone="no"?><error><type>${escapeXml(body.type)}</type><message>${escapeXml(body.message)}</message><detail>${escapeXml(body.detail)}</detail></error>`;
}

const XML_TYPES: Readonly<Record<string, string>> = { 'application/xml': 'application/xml', 'text/xml': 'text/xml', 'text/*': 'text/xml' };
const JSON_TYPES = new Set(['application/json', 'application/*', '*/*']);

/**
 * The XML media type when `Accept` prefers XML over JSON (RFC 9110 §12.5.1: the highest q wins, earlier on a tie),
 * else undefined (JSON, also without `Accept`). X-Road's implementation picks XML whenever an XML type is listed,
 * ignoring q; Sild honours q, so `application/json, application/xml;q=0.5` gets JSON.
 */
export function prefersXml(accept: string | undefined): string | undefined {
  if (!accept) return undefined;
  let best: { type: string; q: number } | undefined;
  for (const range of accept.split(',')) {
    const [type, ...parameters] = range.split(';').map((part) => part.trim().toLowerCase());
    if (!Object.hasOwn(XML_TYPES, type) && !JSON_TYPES.has(type)) continue;
    const q = Number(parameters.find((parameter) => parameter.startsWith('q='))?.slice(2) ?? '1');
    if (Number.isFinite(q) && q > 0 && (!best || q > best.q)) best = { type, q };
  }
  return best && Object.hasOwn(XML_TYPES, best.type) ? XML_TYPES[best.type] : undefined;
}
