/**
 * The seam between a gateway's two sides and the message protocols clients speak (X-Road REST; SOAP next). Both sides
 * work on a protocol-neutral exchange — who calls which service, with what ids, which bytes — and ask the protocol only
 * for what differs: how a request names its service, which views of a call an access right must allow, how the
 * backend is called, what the answer looks like, and how an error is rendered. Between the gateways every protocol
 * travels the same way (a signed manifest over the method, target, headers and body).
 *
 * Adding a protocol is a folder beside `rest/` and one line in `registry.ts`.
 */
import type { XRoadError } from '../../kernel/errors';
import type { Headers, HttpRequest, HttpResponse } from '../../kernel/http';
import type { ServiceId } from '../../kernel/identifiers';
import type { TrustedConfigurations } from '../../trust/federation';
import type { RequestManifest } from '../../trust/manifest';
import type { AccessRule } from '../access-rights';
import type { EstablishedMessage, OpmonAnswerFields, OpmonFields } from '../opmon';
import type { ServiceDescriptions } from '../ports';
import type { AccessPolicy, OfferedService } from '../settings';
import type { ExchangeHeaderIds } from '../xroad-headers';

/** The request line and headers: enough to tell which protocol a request is in. */
export type RequestHead = Pick<HttpRequest, 'method' | 'rawPath' | 'rawQuery' | 'headers'>;

export interface MessageProtocol {
  /** X-Road's name for the protocol in opmon records (`REST`, `WSDL`). */
  readonly serviceType: string;
  /**
   * The services this protocol calls (`OfferedService.type`): a service registered for the other protocol is refused
   * with `Server.ServerProxy.ServiceType`, as X-Road refuses a REST service called over SOAP and the reverse.
   */
  readonly offeredType: OfferedService['type'];
  /** Service codes the protocol reserves for its metadata services; the central refuses them at join. */
  readonly metadataServices: ReadonlySet<string>;
  /**
   * Routes the consumer and provider APIs need for this protocol besides `ANY /{proxy+}` (SOAP: `POST /`).
   * @default - none
   */
  readonly routes?: readonly { readonly method: 'GET' | 'POST' | 'ANY'; readonly path: string }[];
  /** Whether a request — a client's, or one a consumer gateway forwarded — is in this protocol. */
  claims(request: RequestHead): boolean;
  /**
   * A request the consumer gateway answers itself, without an exchange (REST's `GET /listClients`); undefined for any
   * other request.
   */
  localAnswer?(request: HttpRequest, configurations: TrustedConfigurations): Promise<HttpResponse> | undefined;
  /** Consumer side: the client's message. Throws a `Client.*` `XRoadError` for anything it refuses. */
  readClientRequest(request: HttpRequest, newId: () => string): ClientMessage;
  /**
   * Provider side: the message as the consumer gateway signed it (method, target, the covered headers, the body,
   * all verified). Throws an `XRoadError` for a message the protocol cannot read.
   */
  readForwardedRequest(request: SignedRequest): ProviderMessage;
  /** Consumer side: the answer the client receives, from the provider's verified (and logged) answer. */
  clientAnswer(answer: HttpResponse, exchange: ExchangeIds): HttpResponse;
  /**
   * A layer error as this protocol answers it (REST: JSON or XML, with the error's status). The side adds
   * `X-Road-Error` itself, so every layer error carries it whatever the protocol. `side` says who answers: a client
   * (`consumer`) or a consumer gateway (`provider`), which reads the status to tell a signed answer from an unsigned
   * refusal — so a protocol that answers its clients' faults with 200 (SOAP) keeps the error's status between gateways.
   */
  errorAnswer(error: XRoadError, detail: string, request: HttpRequest, side: 'consumer' | 'provider'): HttpResponse;
  /** The error types and message an error answer's body states, read as a client would read them. */
  errorBody(body: Buffer): { readonly types: readonly string[]; readonly message?: string };
  /** Opmon's protocol fields for a request, before anything about it is established. */
  opmonFields(request: RequestHead): OpmonFields & { readonly serviceType: string };
  /** Opmon's protocol fields for an answer (SOAP: sizes and attachments). @default - none */
  opmonAnswerFields?(answer: HttpResponse): OpmonAnswerFields;
}

/** A client's message, read by its protocol on the consumer side: its ids as the request states them, and the call. */
export interface ClientMessage extends EstablishedMessage {
  /** The method and target (path and query) the consumer gateway forwards and signs. */
  readonly method: string;
  readonly target: string;
  /** A metadata service: answered by the gateway that serves the subsystem, whatever it registered. */
  readonly metadata: boolean;
}

/** The request a consumer gateway signed, as the provider side verified it. */
export interface SignedRequest {
  readonly method: string;
  readonly target: string;
  /** The headers the manifest covers. */
  readonly headers: Headers;
  readonly body: Buffer;
}

/** One view of a call an access right must allow: the method and the service-relative path's segments. */
export interface AccessView {
  readonly method: string;
  readonly segments: readonly string[];
}

/** What a metadata service answers from on the provider side. */
export interface MetadataContext {
  /** The services offered, their rights and endpoints. */
  readonly policy: AccessPolicy;
  /** True when the rule's subject covers the caller. */
  readonly allowed: (rule: AccessRule) => boolean;
  readonly descriptions?: ServiceDescriptions;
}

/** The parts of the backend call the protocol decides. */
export interface BackendCall {
  readonly method: string;
  readonly url: string;
  readonly headers: Headers;
  readonly body: Buffer;
}

/** A forwarded message, read by its protocol on the provider side. */
export interface ProviderMessage {
  /** The service the message names; the provider side checks it is the signed one. */
  readonly service: ServiceId;
  /**
   * The ids the message itself states besides its service (SOAP: its header), which the provider side checks are the
   * signed ones: the backend reads them there, and a body cannot be rewritten as REST's identity headers are.
   * @default - none (REST states them in headers the provider side sets from the manifest)
   */
  readonly stated?: Pick<RequestManifest, 'client' | 'xRoadId' | 'userId' | 'issue' | 'representedParty'>;
  readonly metadata: boolean;
  /** Every view of the call an access right must allow (REST: the path as sent, and without path parameters). */
  readonly accessViews: readonly AccessView[];
  /** The call as an access refusal names it (`GET /persons/1`). */
  readonly callName: string;
  /** What opmon records about the call besides the ids. */
  readonly opmon: OpmonFields;
  /** A refusal no access right lifts (REST: a body that overrides the signed method); undefined when none. */
  refusal(): XRoadError | undefined;
  /** The backend call: where and how, given the service's registration and the headers and body to send. */
  backendCall(service: OfferedService, headers: Headers, body: Buffer): BackendCall;
  /** Answers a metadata service. */
  metadataAnswer(context: MetadataContext): Promise<HttpResponse>;
  /** The backend's answer as the provider gateway signs and sends it (SOAP adds the request hash). @default as is */
  backendAnswer?(answer: HttpResponse, exchange: ExchangeIds): HttpResponse;
}

/** The ids of an exchange both gateways agreed on (the signed manifests'), for what an answer carries. */
export type ExchangeIds = ExchangeHeaderIds;
