/**
 * Operational monitoring (X-Road's PR-OPMON data model): one record per message on each side — who called what,
 * when (four timestamps), how big, with what outcome. Field names are X-Road's, so existing opmon tooling reads
 * them. Built from the request and the answer the side gave (nothing from bodies: sizes only), and handed to the
 * `OperationalMonitor` port — in AWS an Embedded Metric Format line (metrics by service, client and outcome, the
 * record beside them for Logs Insights), locally a file `sild monitor` reads. No extra DynamoDB write.
 *
 * `succeeded` is X-Road's: the layer raised no error (`X-Road-Error` absent); a backend's own 4xx/5xx is a
 * successful exchange with that `statusCode`.
 *
 * The X-Road id fields hold only what the side established (`MessageTimer.identify`): the ids it parsed and checked
 * (consumer) or verified (provider), never the raw headers — a client's joined `X-Road-Client` lines would otherwise
 * name another member, and each variant spelling be a new metric dimension. Before that, anyone can send anything to
 * a provider API: what such a request claims is kept apart, cut short, in the `claimed*` fields, so no reader of the
 * records (`sild monitor`, Logs Insights, opmon tooling) takes an invented or impersonated member for a caller.
 */
import { headerValue, type HttpRequest, type HttpResponse } from '../kernel/http';
import type { ClientId, ServiceId } from '../kernel/identifiers';
import { XROAD } from './xroad-headers';

export interface OpmonRecord {
  /** `Client`: the consumer side; `Producer`: the provider side. */
  readonly securityServerType: 'Client' | 'Producer';
  /** The gateway (X-Road: the security server) that wrote the record. */
  readonly gateway: string;
  /** Unix ms: request received by this side, sent on (to the provider gateway or the backend), answer received, answer sent. */
  readonly requestInTs: number;
  readonly requestOutTs?: number;
  readonly responseInTs?: number;
  readonly responseOutTs: number;
  readonly clientXRoadInstance?: string;
  readonly clientMemberClass?: string;
  readonly clientMemberCode?: string;
  readonly clientSubsystemCode?: string;
  readonly serviceXRoadInstance?: string;
  readonly serviceMemberClass?: string;
  readonly serviceMemberCode?: string;
  readonly serviceSubsystemCode?: string;
  readonly serviceCode?: string;
  readonly representedPartyClass?: string;
  readonly representedPartyCode?: string;
  /** The X-Road-Id. */
  readonly messageId?: string;
  readonly messageUserId?: string;
  readonly messageIssue?: string;
  /** X-Road-Request-Id. */
  readonly xRequestId?: string;
  /** X-Road's name of the message protocol: `REST` (`WSDL` for SOAP). */
  readonly serviceType: string;
  /** REST only. */
  readonly restMethod?: string;
  /** The path after the service id, without the query (queries may carry personal data). */
  readonly restPath?: string;
  /** SOAP only: the service's version, and the X-Road message protocol version (`4.0`) the client stated. */
  readonly serviceVersion?: string;
  readonly messageProtocolVersion?: string;
  readonly statusCode: number;
  /** The body's size; for SOAP, the SOAP part's (PR-OPMON), the whole MIME message in `requestMimeSize`. */
  readonly requestSize: number;
  readonly responseSize: number;
  /** SOAP with attachments only: the whole multipart message's size and its attachments (parts besides the SOAP part). */
  readonly requestMimeSize?: number;
  readonly requestAttachmentCount?: number;
  readonly responseMimeSize?: number;
  readonly responseAttachmentCount?: number;
  readonly succeeded: boolean;
  /**
   * Sild: the client and service were established before the answer — the provider side verified the request's
   * signature, the consumer side checked the client is served here and found the service. Without it, the client,
   * service, represented party, user, issue, message id and path fields are absent; see the `claimed*` fields.
   */
  readonly identified: boolean;
  /** Sild, unidentified requests only: the `X-Road-Client` header as sent, at most 256 characters. Unverified. */
  readonly claimedClient?: string;
  /** Sild, unidentified requests only: the request path as sent (no query), at most 256 characters. Unverified. */
  readonly claimedPath?: string;
  /** Sild, unidentified requests only: the `X-Road-Id` header as sent, at most 256 characters. Unverified. */
  readonly claimedMessageId?: string;
  /** The X-Road error type, and its message (the layer's own words, never a payload). */
  readonly faultCode?: string;
  readonly faultString?: string;
}

/** What a message protocol adds to a record about the request: its `serviceType`; REST's method and path; SOAP's sizes. */
export type OpmonFields = Partial<
  Pick<
    OpmonRecord,
    | 'serviceType'
    | 'restMethod'
    | 'restPath'
    | 'serviceVersion'
    | 'messageProtocolVersion'
    | 'requestSize'
    | 'requestMimeSize'
    | 'requestAttachmentCount'
  >
>;

/** What a message protocol adds to a record about the answer (SOAP: the SOAP part's size, the MIME size, attachments). */
export type OpmonAnswerFields = Partial<Pick<OpmonRecord, 'responseSize' | 'responseMimeSize' | 'responseAttachmentCount'>>;

/** How the message's protocol reads it for a record (a `MessageProtocol` is one). */
export interface OpmonReader {
  opmonFields(request: HttpRequest): OpmonFields & Pick<OpmonRecord, 'serviceType'>;
  /** @default - the answer's body size only */
  opmonAnswerFields?(response: HttpResponse): OpmonAnswerFields;
  errorBody(body: Buffer): { readonly message?: string };
}

/** What a side established about a message before answering it: the request it parsed (consumer) or verified (provider). */
export interface EstablishedMessage {
  readonly client: ClientId;
  readonly service: ServiceId;
  readonly xRoadId: string;
  readonly userId?: string;
  readonly issue?: string;
  readonly representedParty?: string;
  /** The protocol's fields (REST: the path). */
  readonly opmon: OpmonFields;
}

/** The times of one message on one side, marked as it passes, and what the side established about it. */
export class MessageTimer {
  readonly requestInTs: number;
  requestOutTs?: number;
  responseInTs?: number;
  /** Set once the side has established who calls what (`OpmonRecord.identified`). */
  established?: EstablishedMessage;

  constructor(private readonly now: () => number) {
    this.requestInTs = now();
  }

  identify(message: EstablishedMessage): void {
    this.established = message;
  }

  /** Wraps the call onward (to the provider gateway or the backend). */
  async around<T>(call: () => Promise<T>): Promise<T> {
    this.requestOutTs = this.now();
    try {
      return await call();
    } finally {
      this.responseInTs = this.now();
    }
  }
}

/** How much of a free-form value (a path, a claimed id) a record keeps: a header may be kilobytes. */
const KEPT_LENGTH = 256;

export function opmonRecord(
  type: OpmonRecord['securityServerType'],
  gateway: string,
  request: HttpRequest,
  response: HttpResponse,
  timer: MessageTimer,
  responseOutTs: number,
  protocol: OpmonReader,
): OpmonRecord {
  const faultCode = headerValue(response.headers, XROAD.error);
  return strip({
    securityServerType: type,
    gateway,
    requestInTs: timer.requestInTs,
    requestOutTs: timer.requestOutTs,
    responseInTs: timer.responseInTs,
    responseOutTs,
    ...(timer.established ? establishedIds(timer.established, response) : claimedIds(request)),
    statusCode: response.status,
    requestSize: request.body.length,
    responseSize: response.body.length,
    ...protocol.opmonFields(request),
    ...timer.established?.opmon,
    ...protocol.opmonAnswerFields?.(response),
    succeeded: faultCode === undefined,
    identified: timer.established !== undefined,
    faultCode,
    faultString: faultCode === undefined ? undefined : protocol.errorBody(response.body).message,
  });
}

/** The X-Road id fields of a message, as the side established them. */
function establishedIds(message: EstablishedMessage, response: HttpResponse): Partial<OpmonRecord> {
  const { client, service } = message;
  const represented = message.representedParty?.split('/') ?? [];
  return {
    clientXRoadInstance: client.instance,
    clientMemberClass: client.memberClass,
    clientMemberCode: client.memberCode,
    clientSubsystemCode: client.subsystemCode,
    serviceXRoadInstance: service.instance,
    serviceMemberClass: service.memberClass,
    serviceMemberCode: service.memberCode,
    serviceSubsystemCode: service.subsystemCode,
    serviceCode: service.serviceCode,
    ...(represented.length === 2 ? { representedPartyClass: represented[0], representedPartyCode: represented[1] } : {}),
    messageId: message.xRoadId,
    messageUserId: message.userId,
    messageIssue: message.issue,
    // The side's own answer header (it sets X-Road-Request-Id from the manifest it signed or verified).
    xRequestId: headerValue(response.headers, XROAD.requestId),
  };
}

/** What an unidentified request claims, as sent (not decoded) and cut short: for investigating, never as ids. */
function claimedIds(request: HttpRequest): Partial<OpmonRecord> {
  return {
    claimedClient: headerValue(request.headers, XROAD.client)?.slice(0, KEPT_LENGTH),
    claimedPath: request.rawPath.slice(0, KEPT_LENGTH),
    claimedMessageId: headerValue(request.headers, XROAD.id)?.slice(0, KEPT_LENGTH),
  };
}

function strip<T extends object>(record: T): T {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined && value !== '')) as T;
}
