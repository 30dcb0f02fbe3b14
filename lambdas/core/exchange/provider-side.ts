/**
 * The provider side of a gateway: another gateway forwards a client's request for one of this agency's services.
 * Any member may be hostile, so this side acts only on what it verified.
 *
 * 1. Verify the request manifest: signed by the gateway that serves the client (key from the global
 *    configuration, session certificate within bounds), matching the message received (request hash, method,
 *    target, the service the message names in its protocol), in canonical ids, and fresh (timestamp within the
 *    clock skew).
 * 2. Decide: the service must be offered here and the caller allowed (deny by default) on the canonical service
 *    path — the exact path the backend will receive — with the signed method, which no field of the body may
 *    override (REST's `methodOverrideRefusal`); a gateway in maintenance refuses every request.
 * 3. Log the request — a conditional write keyed by (client, X-Road-Id) that also rejects a replay. A refused
 *    request is logged with its body's hash only, so a caller without rights cannot fill this gateway's log.
 * 4. Call the backend (or answer a metadata service), sign the response manifest (binding the request hash), log
 *    the response, and only then return it. Error answers are signed too — but only for a request verified and
 *    logged: a refusal before that is unsigned, so this gateway's signature never vouches for a binding (X-Road-Id,
 *    request id, request hash) it did not verify, nor answers a logged request twice (a replay).
 */
import type { MessageTimer } from './opmon';
import { isAllowed, subjectMatches, type AccessContext } from './access-rights';
import { bodyReference, receivedBody } from './body-transfer';
import type { AccessPolicy, OfferedService } from './settings';
import { providerError, XRoadError } from '../kernel/errors';
import {
  answerFailure,
  asDelivered,
  callTimeoutMs,
  checkBodySize,
  logMessage,
  monitored,
  pick,
  signAnswer,
  signedLogFields,
  type GatewayDeps,
  type RecordBase,
} from './gateway';
import type { GlobalConfiguration } from '../trust/global-configuration';
import { requestHash } from '../kernel/hashing';
import { headerValue, sameTarget, type HttpRequest, type HttpResponse } from '../kernel/http';
import { formatClientId, formatServiceId, parseClientId, type ClientId, type ServiceId } from '../kernel/identifiers';
import {
  claimedClientInstance,
  ManifestError,
  readRequestManifest,
  type RequestManifest,
  type ResponseBinding,
  type SignedManifest,
} from '../trust/manifest';
import { signerKeyResolver } from '../trust/message-signer';
import { HttpClientError, type OutboundRequest } from '../kernel/ports';
import { passThroughHeaders } from './header-policy';
import type { MessageProtocol, ProviderMessage } from './protocols/protocol';
import { protocolOf } from './protocols/registry';
import { exchangeHeaders, freeTextProblem, identityHeaders, parseRepresentedParty, XROAD } from './xroad-headers';

/** Handles one request from a consumer gateway; never throws — every failure becomes an X-Road error. */
export async function handleProviderRequest(request: HttpRequest, deps: GatewayDeps): Promise<HttpResponse> {
  const protocol = protocolOf(request, deps.protocols);
  return monitored('Producer', protocol, request, deps, (timer) => provide(protocol, request, deps, timer));
}

async function provide(protocol: MessageProtocol, request: HttpRequest, deps: GatewayDeps, timer: MessageTimer): Promise<HttpResponse> {
  let base: RecordBase | undefined;
  // What this side signs its answers to: set once the request is verified and logged. Signing a claimed binding would
  // hand anyone this gateway's signature on a refusal of a request it never saw (a man in the middle's substitute for
  // a served answer, a log owner's for its evidence); the consumer reports an unsigned refusal as such.
  let binding: ResponseBinding | undefined;
  try {
    checkBodySize(request.body, deps, 'Server.ServerProxy');
    await deps.sealHealth?.check();
    // The client's instance says whose configuration vouches for its gateway: this instance's, or a federated one's
    // this gateway takes part in (else `UnknownMember`). The signature check below binds the claim.
    const own = await deps.globalConfiguration.current();
    const configuration = await deps.globalConfiguration.forInstance(claimedClientInstance(request.headers) ?? own.instance, 'Server.ServerProxy');
    const { signed, client, message, body } = await verifyRequest(protocol, request, configuration, deps);
    const { manifest } = signed;
    const { service } = message;
    timer.identify({
      client,
      service,
      xRoadId: manifest.xRoadId,
      userId: manifest.userId,
      issue: manifest.issue,
      representedParty: manifest.representedParty,
      opmon: message.opmon,
    });
    base = {
      client: manifest.client,
      xRoadId: manifest.xRoadId,
      service: manifest.service,
      requestId: manifest.requestId,
      userId: manifest.userId,
      method: manifest.method,
      target: manifest.target,
    };

    const policy = await deps.accessPolicy.current();
    const access = accessContext(policy, configuration, manifest.client);
    const { metadata } = message;
    // Maintenance refuses like a missing right: logged without the body, answered signed with the operator's message.
    const refusal = policy.maintenance
      ? providerError('Maintenance', policy.maintenance.message)
      : metadata
        ? undefined
        : (refusalOf(deps, protocol, policy, access, manifest, message) ?? message.refusal());
    // Only a body a backend will read is stored: a refused request's, and any metadata request's (metadata services
    // read none, and need no right), is logged by its hash, so no caller can fill this gateway's log.
    await logMessage(
      deps,
      'Server.ServerProxy',
      base,
      {
        side: 'provider',
        direction: 'request',
        manifest: signed.bytes.toString('base64'),
        signature: signed.signature.toString('base64'),
        certificate: signed.certificate,
        headers: pick(request.headers, manifest.headers),
      },
      body,
      { withhold: refusal !== undefined || metadata },
    );
    binding = { xRoadId: manifest.xRoadId, requestId: manifest.requestId, requestHash: manifest.requestHash };
    if (refusal) throw refusal;

    const answer = metadata
      ? await message.metadataAnswer({
          policy,
          allowed: (rule) => subjectMatches(rule.subject, manifest.client, access),
          descriptions: deps.descriptions,
        })
      : await timer.around(() =>
          callBackend(
            deps,
            backendRequest(message, offeredService(deps, policy, service)!, signed.manifest, request, body),
            deps.settings.maxBodyBytes,
          ),
        );

    const exchange = {
      client: manifest.client,
      service: manifest.service,
      xRoadId: manifest.xRoadId,
      requestId: manifest.requestId,
      requestHash: manifest.requestHash,
    };
    const passed = { status: answer.status, headers: passThroughHeaders(answer.headers), body: answer.body };
    const delivered = asDelivered(manifest.method, message.backendAnswer?.(passed, exchange) ?? passed);
    const { headers } = delivered;
    const { response, signed: signedResponse } = await signAnswer(deps, binding, delivered);
    const logged = await logMessage(
      deps,
      'Server.ServerProxy',
      base,
      { side: 'provider', direction: 'response', status: delivered.status, headers, ...signedLogFields(signedResponse) },
      delivered.body,
    );
    const reference = await bodyReference(deps, delivered.body, logged.bodyLocation, logged.bodySha256);
    return {
      status: response.status,
      headers: {
        ...response.headers,
        ...reference,
        ...exchangeHeaders(exchange),
      },
      body: reference ? Buffer.alloc(0) : response.body,
    };
  } catch (error) {
    return answerFailure(deps, protocol, 'provider', request, base, error, binding);
  }
}

const accessContext = (policy: AccessPolicy, configuration: GlobalConfiguration, caller: string): AccessContext => ({
  rules: policy.accessRights,
  localGroups: policy.localGroups,
  callerGlobalGroups: configuration.globalGroupsOf(caller),
});

/** The service, if this gateway's member offers it (the access policy's services). */
const offeredService = (deps: GatewayDeps, policy: AccessPolicy, service: ServiceId): OfferedService | undefined =>
  formatClientId({ instance: service.instance, memberClass: service.memberClass, memberCode: service.memberCode }) === deps.settings.member
    ? policy.services.find((entry) => entry.subsystem === service.subsystemCode && entry.code === service.serviceCode)
    : undefined;

/**
 * Why the call may not go on, or undefined when it may — in X-Road's order: an unknown service, a service of the other
 * protocol (`ServiceType`), a version not offered (a SOAP service's version is part of its id, as in X-Road), no
 * access right.
 */
function refusalOf(
  deps: GatewayDeps,
  protocol: MessageProtocol,
  policy: AccessPolicy,
  access: AccessContext,
  manifest: RequestManifest,
  message: ProviderMessage,
): XRoadError | undefined {
  const { service } = message;
  const offered = offeredService(deps, policy, service);
  if (!offered) return providerError('UnknownService', `Service ${manifest.service} is not offered by this gateway`);
  if (offered.type !== protocol.offeredType) {
    return providerError(
      'ServiceType',
      `Service ${manifest.service} is a ${offered.type.toUpperCase()} service; it cannot be called over ${protocol.offeredType.toUpperCase()}`,
    );
  }
  if (offered.version !== service.serviceVersion) {
    const stated = service.serviceVersion === undefined ? 'without a version' : `in version ${service.serviceVersion}`;
    return providerError('UnknownService', `Service ${manifest.service} is not offered ${stated} by this gateway`);
  }
  // Every view of the call the protocol names must be granted (REST: the path as sent, and without parameters).
  if (!message.accessViews.every((view) => isAllowed({ caller: manifest.client, service, ...view }, access))) {
    return providerError('AccessDenied', `${manifest.client} may not call ${message.callName} of ${manifest.service}`);
  }
  return undefined;
}

/**
 * Verifies that the request came through the client's gateway, unaltered and recently, and returns the facts
 * the rest of the exchange acts on: the signed manifest, the client, the message as its protocol reads it (the
 * service it names must be the signed one) and the body (fetched, when sent by reference, only once the signer is
 * known; it must still match the signed hash).
 */
async function verifyRequest(
  protocol: MessageProtocol,
  request: HttpRequest,
  configuration: GlobalConfiguration,
  deps: GatewayDeps,
): Promise<{ signed: SignedManifest<RequestManifest>; client: ClientId; message: ProviderMessage; body: Buffer }> {
  const { settings } = deps;
  let signed: SignedManifest<RequestManifest>;
  try {
    const policy = {
      maxValidityMs: settings.maxSessionCertificateSeconds * 1000,
      nowMs: deps.clock.now(),
      skewMs: settings.maxClockSkewSeconds * 1000,
    };
    signed = readRequestManifest(request.headers, signerKeyResolver(configuration, policy));
  } catch (error) {
    if (error instanceof ManifestError) {
      const why = error.reason === 'missing' ? 'The request did not come through a gateway: it carries no signed manifest' : error.message;
      throw providerError('InvalidSignatureValue', why, error);
    }
    throw error;
  }
  const { manifest } = signed;
  // One spelling per client: a percent-encoded variant would be another log key (a replay past the duplicate check).
  const client = parseClientId(manifest.client);
  if (client.subsystemCode === undefined || formatClientId(client) !== manifest.client) {
    throw providerError('InvalidSignatureValue', 'The manifest must name the client subsystem in canonical form');
  }
  // The backend receives these from the manifest (`identityHeaders`): they must be what a consumer side lets through.
  for (const [field, value] of [
    ['X-Road-Id', manifest.xRoadId],
    ['X-Road-UserId', manifest.userId],
    ['X-Road-Issue', manifest.issue],
  ] as const) {
    const problem = value === undefined ? undefined : value === '' ? 'is empty' : freeTextProblem(value);
    if (problem) throw providerError('InvalidSignatureValue', `The manifest's ${field} ${problem}`);
  }
  if (manifest.representedParty !== undefined) parseRepresentedParty(manifest.representedParty);
  const clientGateway = configuration.gatewayOfClient(manifest.client);
  if (!clientGateway || clientGateway.id !== manifest.signer.gateway) {
    throw providerError('InvalidSignatureValue', `The request is signed by ${manifest.signer.gateway}, which does not serve ${manifest.client}`);
  }
  // The manifest's target is what this side acts on (the front may have decoded part of it, see `sameTarget`).
  if (
    manifest.method !== request.method.toUpperCase() ||
    !sameTarget(manifest.target, request) ||
    headerValue(request.headers, XROAD.client) !== manifest.client ||
    headerValue(request.headers, XROAD.id) !== manifest.xRoadId
  ) {
    throw providerError('InvalidSignatureValue', 'The request does not match its signed manifest');
  }
  const body = await receivedBody(deps, request.headers, request.body, 'Server.ServerProxy', callTimeoutMs(deps.settings.providerTimeoutMs, request));
  checkBodySize(body, deps, 'Server.ServerProxy');
  if (requestHash(manifest.method, manifest.target, request.headers, manifest.headers, body) !== manifest.requestHash) {
    throw providerError('InvalidSignatureValue', 'The request body or headers do not match the signed request hash');
  }
  const skewMs = Math.abs(deps.clock.now() - Date.parse(manifest.createdAt));
  if (!(skewMs <= settings.maxClockSkewSeconds * 1000)) {
    throw providerError(
      'StaleMessage',
      `The request was signed at ${manifest.createdAt}, outside the accepted clock skew of ${settings.maxClockSkewSeconds} s`,
    );
  }
  // The service is the one the message names (REST: its path; a protocol may read it from the body, so the body is
  // read only now that it is known to be the signed one); the manifest must agree, in canonical form.
  const message = protocol.readForwardedRequest({
    method: manifest.method,
    target: manifest.target,
    headers: pick(request.headers, manifest.headers),
    body,
  });
  if (formatServiceId(message.service) !== manifest.service || message.service.serviceVersion !== manifest.serviceVersion) {
    throw providerError('InvalidSignatureValue', 'The signed service is not the service the request names');
  }
  const { stated } = message;
  if (stated && (['client', 'xRoadId', 'userId', 'issue', 'representedParty'] as const).some((field) => stated[field] !== manifest[field])) {
    throw providerError('InvalidSignatureValue', 'The ids the request states are not the signed ones');
  }
  return { signed, client, message, body };
}

/**
 * The call to the backend: the signed method, the canonical path under the service's base URL, the signed headers
 * the backend may see, and the X-Road identity headers from the verified manifest — one line each, never the
 * caller's own (`identityHeaders`); within the service's timeout and what the invocation has left.
 */
function backendRequest(
  message: ProviderMessage,
  service: OfferedService,
  manifest: RequestManifest,
  received: HttpRequest,
  body: Buffer,
): Omit<OutboundRequest, 'maxResponseBytes'> {
  const headers = { ...passThroughHeaders(pick(received.headers, manifest.headers)), ...identityHeaders(manifest) };
  return { ...message.backendCall(service, headers, body), timeoutMs: callTimeoutMs(service.timeoutMs, received) };
}

/** Calls the backend; reads at most `maxResponseBytes` of its answer (more could not be delivered anyway). */
async function callBackend(deps: GatewayDeps, outbound: Omit<OutboundRequest, 'maxResponseBytes'>, maxResponseBytes: number): Promise<HttpResponse> {
  try {
    return await deps.http.send({ ...outbound, maxResponseBytes });
  } catch (error) {
    if (error instanceof HttpClientError) {
      const message = {
        timeout: `The service did not answer within ${outbound.timeoutMs} ms`,
        unreachable: 'The service could not be reached',
        'too-large': `The service's answer exceeds the gateway's limit of ${maxResponseBytes} bytes`,
      }[error.reason];
      throw new XRoadError('Server.ServerProxy', 'ServiceFailed', message, { status: error.reason === 'timeout' ? 504 : 502, cause: error });
    }
    throw error;
  }
}
