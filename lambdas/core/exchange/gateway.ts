/**
 * What both sides of a gateway share: their dependencies, the signer identity, and the few steps both take.
 */
import { randomUUID } from 'node:crypto';
import { asXRoadError, XROAD_ERROR_HEADER, XRoadError, type FaultOrigin } from '../kernel/errors';
import type { TrustedConfigurations } from '../trust/federation';
import type { AccessPolicy, GatewaySettings } from './settings';
import { peerKeyed, singleHeaders, type Headers, type HttpRequest, type HttpResponse } from '../kernel/http';
import { responseHash, signedHeaderNames } from '../kernel/hashing';
import { manifestHeaders, signManifest, type ResponseBinding, type ResponseManifest, type SignedManifest } from '../trust/manifest';
import { bodyForLog, appendOrFail, withheldBody } from '../log/writer';
import type { MessageLogRecord, Side } from '../log/records';
import type { MessageProtocol } from './protocols/protocol';
import type { BodyStore, MessageLog } from '../log/ports';
import type { Clock, HttpClient, KeyRing } from '../kernel/ports';
import type { OperationalMonitor, ServiceDescriptions } from './ports';
import type { MessageSigner } from '../trust/message-signer';
import { MessageTimer, opmonRecord, type OpmonRecord } from './opmon';
import type { SealHealth } from '../log/sealer';

export interface GatewayDeps {
  readonly settings: GatewaySettings;
  /** The gateway's own keys (KMS): the current one certifies session keys and signs seals; all are published at join. */
  readonly keys: KeyRing;
  /** Signs manifests: with the KMS key, or with a session key it certifies (`settings.signing.mode`). */
  readonly messageSigner: MessageSigner;
  /** The own instance's configuration, and the federated instances' this gateway follows. */
  readonly globalConfiguration: TrustedConfigurations;
  readonly log: MessageLog;
  readonly http: HttpClient;
  readonly clock: Clock;
  /** @default randomUUID */
  readonly newId?: () => string;
  /** The access rights and local groups the provider side enforces. */
  readonly accessPolicy: { current(): Promise<AccessPolicy> };
  /** OpenAPI descriptions of this gateway's services (`getOpenAPI`). @default - none */
  readonly descriptions?: ServiceDescriptions;
  /** Bodies above the inline log limit, and large bodies sent between gateways. @default - none: such bodies are refused */
  readonly bodyStore?: BodyStore;
  /** Fail-closed check on the message-log seals (`SealHealth`). @default no check */
  readonly sealHealth?: Pick<SealHealth, 'check' | 'status'>;
  /** Operational monitoring: one record per message (`opmon.ts`). @default - none */
  readonly monitor?: OperationalMonitor;
  /** The message protocols the gateway speaks, in the order they are asked (`protocols/registry.ts`). @default PROTOCOLS */
  readonly protocols?: readonly MessageProtocol[];
  /** Structured, payload-free event log (X-Road-Id as correlation id). @default no logging */
  readonly events?: (event: string, fields: Record<string, unknown>) => void;
}

/**
 * What a side keeps, after an outbound call gave up, to sign and log its answer before its invocation is stopped
 * (a log write and a signature take tens of milliseconds; a stopped invocation answers nothing and logs nothing, and
 * API Gateway answers the caller by itself).
 */
export const ANSWER_MARGIN_MS = 2000;

/**
 * An outbound call's timeout: the configured one (a backend's `timeoutMs`, `providerTimeoutMs`), but never beyond
 * what the invocation has left less the margin to answer — so the chain backend 25 s < provider call 28 s < function
 * 29 s < API 29–30 s holds however long the earlier steps took.
 */
export function callTimeoutMs(configuredMs: number, request: Pick<HttpRequest, 'remainingMs'>): number {
  const remaining = request.remainingMs?.();
  return remaining === undefined ? configuredMs : Math.max(1, Math.min(configuredMs, remaining - ANSWER_MARGIN_MS));
}

/** Runs one side's handling of a request and writes its opmon record (`opmon.ts`), whatever the answer. */
export async function monitored(
  type: OpmonRecord['securityServerType'],
  protocol: MessageProtocol,
  request: HttpRequest,
  deps: GatewayDeps,
  handle: (timer: MessageTimer) => Promise<HttpResponse>,
): Promise<HttpResponse> {
  const timer = new MessageTimer(deps.clock.now);
  const response = await handle(timer);
  deps.monitor?.record(opmonRecord(type, deps.settings.gatewayId, request, response, timer, deps.clock.now(), protocol));
  return response;
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
    throw new XRoadError(
      origin,
      'RequestTooLarge',
      `The body (${body.length} bytes) exceeds the gateway's limit of ${deps.settings.maxBodyBytes} bytes`,
    );
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
  entry: LogEntry,
  body: Buffer,
  options: { bodyOrigin?: FaultOrigin; withhold?: boolean } = {},
): Promise<MessageLogRecord> {
  const stored = options.withhold
    ? withheldBody(body)
    : await bodyForLog(body, deps.settings.messageLog, options.bodyOrigin ?? origin, deps.bodyStore);
  const record: MessageLogRecord = { ...base, ...entry, loggedAt: isoNow(deps), ...stored };
  await appendOrFail(deps.log, record, origin);
  return record;
}

type LogEntry = Pick<MessageLogRecord, 'side' | 'direction' | 'status' | 'manifest' | 'signature' | 'certificate' | 'errorType' | 'headers'>;

/** Logs a layer error answer; a failure here must not hide the original error, so it is reported, not thrown. */
export async function logErrorAnswer(
  deps: GatewayDeps,
  origin: FaultOrigin,
  base: RecordBase,
  entry: LogEntry & { errorType: string; status: number },
  body: Buffer,
): Promise<void> {
  try {
    await logMessage(deps, origin, base, entry, body);
  } catch (logError) {
    deps.events?.('log-error-answer-failed', { xRoadId: base.xRoadId, type: entry.errorType, reason: String(logError) });
  }
}

/** A response signed by this gateway: the response to send, and the manifest that went into the log. */
export interface SignedAnswer {
  readonly response: HttpResponse;
  readonly signed: SignedManifest<ResponseManifest>;
}

/**
 * Signs a response manifest over the answer's status, the given headers and the body, bound to the request it
 * answers, and adds the signature headers. Provider gateways sign every answer to a request they verified and logged,
 * errors included, so a consumer gateway can relay only what the provider's gateway provably said.
 */
export async function signAnswer(deps: GatewayDeps, binding: ResponseBinding, answer: HttpResponse): Promise<SignedAnswer> {
  const headerNames = signedHeaderNames(answer.headers);
  const signed = await signManifest(await deps.messageSigner.session(), (signer): ResponseManifest => ({
    type: 'sild.response.v1',
    xRoadId: binding.xRoadId,
    requestId: binding.requestId,
    requestHash: binding.requestHash,
    status: answer.status,
    headers: headerNames,
    responseHash: responseHash(answer.status, answer.headers, headerNames, answer.body),
    createdAt: isoNow(deps),
    signer,
  }));
  return { response: { ...answer, headers: { ...answer.headers, ...singleHeaders(manifestHeaders(signed)) } }, signed };
}

/**
 * An answer as HTTP delivers it: no body in an answer to `HEAD`, nor with 1xx, 204 or 304 (RFC 9110 §6.4.1, §9.3.2).
 * A provider signs and logs what the consumer will receive, so an answer to `HEAD` verifies as it arrives.
 */
export function asDelivered(method: string, answer: HttpResponse): HttpResponse {
  const bodyless = method.toUpperCase() === 'HEAD' || answer.status < 200 || answer.status === 204 || answer.status === 304;
  return bodyless && answer.body.length > 0 ? { ...answer, body: Buffer.alloc(0) } : answer;
}

/** The log fields of a signed manifest. */
export const signedLogFields = (
  signed: SignedManifest<ResponseManifest> | undefined,
): Pick<MessageLogRecord, 'manifest' | 'signature' | 'certificate'> =>
  signed ? { manifest: signed.bytes.toString('base64'), signature: signed.signature.toString('base64'), certificate: signed.certificate } : {};

/**
 * The one way a gateway side answers a failure: the X-Road error response in the message's protocol (with
 * `X-Road-Error` whatever the protocol renders), a payload-free event, the signature
 * when the side signs its answers (`binding`: the provider side, once it verified and logged the request), and —
 * once the message was logged — a log record of the error answer (not for a failed log write or a refused duplicate).
 */
export async function answerFailure(
  deps: GatewayDeps,
  protocol: MessageProtocol,
  side: Side,
  request: HttpRequest,
  base: RecordBase | undefined,
  error: unknown,
  binding?: ResponseBinding,
): Promise<HttpResponse> {
  const origin: FaultOrigin = side === 'consumer' ? 'Server.ClientProxy' : 'Server.ServerProxy';
  const known = asXRoadError(error, origin);
  const type = known.type;
  const rendered = protocol.errorAnswer(known, newId(deps), request, side);
  const unsigned = asDelivered(request.method, { ...rendered, headers: { ...rendered.headers, [XROAD_ERROR_HEADER]: [type] } });
  deps.events?.(`${side}-request-failed`, { xRoadId: base?.xRoadId, type, cause: error instanceof XRoadError ? error.cause : error });
  let answer: SignedAnswer | undefined;
  if (binding) {
    try {
      answer = await signAnswer(deps, binding, unsigned);
    } catch (signingError) {
      // Without a signature the consumer gateway will refuse the answer as unproven; it still learns it failed.
      deps.events?.('error-answer-unsigned', { xRoadId: base?.xRoadId, type, cause: signingError });
    }
  }
  if (base && !(error instanceof XRoadError && (error.code === 'LoggingFailed' || error.code === 'DuplicateMessageId'))) {
    await logErrorAnswer(
      deps,
      origin,
      base,
      { side, direction: 'response', status: unsigned.status, errorType: type, headers: unsigned.headers, ...signedLogFields(answer?.signed) },
      unsigned.body,
    );
  }
  return answer?.response ?? unsigned;
}

/** Picks the named headers (the ones a manifest covers) from a header map. */
export function pick(headers: Headers, names: readonly string[]): Record<string, readonly string[]> {
  const picked = peerKeyed<readonly string[]>();
  for (const name of names) if (Object.hasOwn(headers, name)) picked[name] = headers[name];
  return picked;
}
