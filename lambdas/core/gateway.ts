/**
 * What both sides of a gateway share: their dependencies, the signer identity, and the few steps both take.
 */
import { randomUUID } from 'node:crypto';
import { errorResponse, XRoadError, type FaultOrigin } from './errors';
import type { GlobalConfiguration } from './global-configuration';
import type { AccessPolicy, GatewaySettings } from './gateway-settings';
import type { Headers, HttpResponse } from './http';
import { bodyForLog, appendOrFail, type MessageLog, type MessageLogRecord, type Side } from './message-log';
import { XROAD } from './rest-message';
import type { Clock, HttpClient, Signer } from './ports';
import type { MessageSigner } from './message-signer';

export interface GatewayDeps {
  readonly settings: GatewaySettings;
  /** The gateway's own key (KMS): certifies session keys, signs seals, is published at join. */
  readonly signer: Signer;
  /** Signs manifests: with the KMS key, or with a session key it certifies (`settings.signing.mode`). */
  readonly messageSigner: MessageSigner;
  readonly globalConfiguration: { current(): Promise<GlobalConfiguration> };
  readonly log: MessageLog;
  readonly http: HttpClient;
  readonly clock: Clock;
  /** @default randomUUID */
  readonly newId?: () => string;
  /** The access rights and local groups the provider side enforces. */
  readonly accessPolicy: { current(): Promise<AccessPolicy> };
  /** Fail-closed check on the message-log seals (`SealHealth`). @default no check */
  readonly sealHealth?: { check(): Promise<void> };
  /** Structured, payload-free event log (X-Road-Id as correlation id). @default no logging */
  readonly events?: (event: string, fields: Record<string, unknown>) => void;
}

export function newId(deps: GatewayDeps): string {
  return (deps.newId ?? randomUUID)();
}

export function isoNow(deps: GatewayDeps): string {
  return new Date(deps.clock.now()).toISOString();
}

/** Refuses a body above the gateway's limit before anything else is done with it. */
export function checkBodySize(body: Buffer, deps: GatewayDeps, origin: FaultOrigin): void {
  if (body.length > deps.settings.maxBodyBytes) {
    throw new XRoadError(origin, 'RequestTooLarge', `The body (${body.length} bytes) exceeds the gateway's limit of ${deps.settings.maxBodyBytes} bytes`);
  }
}

/** The common part of a log record: who, what, when, and the body as the log mode keeps it. */
export type RecordBase = Pick<MessageLogRecord, 'client' | 'xRoadId' | 'service' | 'requestId' | 'userId' | 'method' | 'target'>;

/**
 * Writes a log record for a message; `LoggingFailed`/`DuplicateMessageId` on failure. A body the log may not hold
 * is refused as `RequestTooLarge` on behalf of `bodyOrigin` (the client, for the body it sent).
 */
export async function logMessage(
  deps: GatewayDeps,
  origin: FaultOrigin,
  base: RecordBase,
  entry: Pick<MessageLogRecord, 'side' | 'direction' | 'status' | 'manifest' | 'signature' | 'certificate' | 'errorType' | 'headers'>,
  body: Buffer,
  bodyOrigin: FaultOrigin = origin,
): Promise<void> {
  const record: MessageLogRecord = { ...base, ...entry, loggedAt: isoNow(deps), ...bodyForLog(body, deps.settings.messageLog, bodyOrigin) };
  await appendOrFail(deps.log, record, origin);
}

/** Logs a layer error answer; a failure here must not hide the original error, so it is reported, not thrown. */
export async function logErrorAnswer(deps: GatewayDeps, origin: FaultOrigin, base: RecordBase, side: Side, error: { type: string; status: number; body: Buffer }): Promise<void> {
  try {
    await logMessage(deps, origin, base, { side, direction: 'response', status: error.status, errorType: error.type }, error.body);
  } catch (logError) {
    deps.events?.('log-error-answer-failed', { xRoadId: base.xRoadId, type: error.type, reason: String(logError) });
  }
}

/**
 * The one way a gateway side answers a failure: the X-Road error response, a payload-free event, and — once the
 * message was logged — a log record of the error answer (not for a failed log write or a refused duplicate).
 */
export async function answerFailure(deps: GatewayDeps, side: Side, base: RecordBase | undefined, error: unknown): Promise<HttpResponse> {
  const origin: FaultOrigin = side === 'consumer' ? 'Server.ClientProxy' : 'Server.ServerProxy';
  const response = errorResponse(error, origin, newId(deps));
  const type = response.headers[XROAD.error];
  deps.events?.(`${side}-request-failed`, { xRoadId: base?.xRoadId, type, cause: error instanceof XRoadError ? error.cause : error });
  if (base && !(error instanceof XRoadError && (error.code === 'LoggingFailed' || error.code === 'DuplicateMessageId'))) {
    await logErrorAnswer(deps, origin, base, side, { type, status: response.status, body: response.body });
  }
  return response;
}

/** Picks the named headers (the ones a manifest covers) from a header map. */
export function pick(headers: Headers, names: readonly string[]): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of names) if (headers[name] !== undefined) picked[name] = headers[name];
  return picked;
}
