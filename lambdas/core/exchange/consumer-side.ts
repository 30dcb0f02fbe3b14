/**
 * The consumer side of a gateway: an information system of this agency calls a service through it.
 *
 * 1. Read the client's message in its protocol (REST: `/r1/{service}[/path]` and the X-Road headers); the client must
 *    be a subsystem this gateway serves (and, with IAM consumer access, one the calling principal is bound to).
 * 2. Resolve the provider's gateway from the global configuration.
 * 3. Sign a request manifest (ids, method, target, time, request hash), log the request, forward it.
 * 4. Verify the provider's response manifest (its signature, our request hash, the response hash), log the
 *    response, and only then return it to the client. Error answers are verified the same way: an answer the
 *    provider's gateway did not sign never reaches the client as the provider's.
 */
import { bodyReference, receivedBody } from './body-transfer';
import { checkCallerMayActAs } from './caller-principals';
import { clientError, consumerError, XRoadError } from '../kernel/errors';
import {
  answerFailure,
  callTimeoutMs,
  checkBodySize,
  isoNow,
  logMessage,
  monitored,
  newId,
  pick,
  type GatewayDeps,
  type RecordBase,
} from './gateway';
import type { GatewayEntry, GlobalConfiguration } from '../trust/global-configuration';
import { requestHash, responseHash, signedHeaderNames } from '../kernel/hashing';
import {
  headerLines,
  headerValue,
  headerValues,
  MAX_REQUEST_HEAD_BYTES,
  requestHeadBytes,
  singleHeaders,
  type Headers,
  type HttpRequest,
  type HttpResponse,
} from '../kernel/http';
import { formatClientId, formatServiceId, instanceOfId, memberOf, serviceOwner, type ClientId } from '../kernel/identifiers';
import { gatewayHealth, HEALTH_PATH, healthResponse } from './health';
import type { MessageTimer } from './opmon';
import {
  ManifestError,
  manifestHeaders,
  readResponseManifest,
  signManifest,
  type RequestManifest,
  type ResponseManifest,
  type SignedManifest,
} from '../trust/manifest';
import { signerKeyResolver } from '../trust/message-signer';
import { HttpClientError } from '../kernel/ports';
import { isLoopbackHost, nonPublicHostReason } from '../kernel/network-addresses';
import { passThroughHeaders } from './header-policy';
import type { ClientMessage, MessageProtocol } from './protocols/protocol';
import { protocolOf } from './protocols/registry';
import { identityHeaders, XROAD } from './xroad-headers';

/** Handles one client request; never throws — every failure becomes an X-Road error response. */
export async function handleConsumerRequest(request: HttpRequest, deps: GatewayDeps): Promise<HttpResponse> {
  if (request.method === 'GET' && request.rawPath === HEALTH_PATH) return healthResponse(await gatewayHealth(deps));
  const protocol = protocolOf(request, deps.protocols);
  return monitored('Client', protocol, request, deps, (timer) => consume(protocol, request, deps, timer));
}

async function consume(protocol: MessageProtocol, request: HttpRequest, deps: GatewayDeps, timer: MessageTimer): Promise<HttpResponse> {
  let base: RecordBase | undefined;
  try {
    checkBodySize(request.body, deps, 'Client');
    const local = protocol.localAnswer?.(request, deps.globalConfiguration);
    if (local) return await local;
    await deps.sealHealth?.check();
    const message = protocol.readClientRequest(request, () => newId(deps));
    checkClientServedHere(message.client, deps);
    checkCallerMayActAs(deps.settings.consumerPrincipals, request.identity, message.client.subsystemCode!);
    // The provider's instance: this one, or a federated one this gateway takes part in (else `UnknownMember`).
    const configuration = await deps.globalConfiguration.forInstance(message.service.instance, 'Server.ClientProxy');
    const serviceId = formatServiceId(message.service);
    const provider = resolveProvider(message, configuration);
    timer.identify(message);

    const { target } = message;
    // The target travels twice between the gateways (request line and signed manifest) within API Gateway's
    // 10,240-byte limit on the request line and headers: refuse here what the provider side could not receive.
    if (target.length > MAX_REQUEST_TARGET_LENGTH) {
      throw new XRoadError(
        'Client',
        'RequestTooLarge',
        `The request target is ${target.length} characters; at most ${MAX_REQUEST_TARGET_LENGTH} pass through the layer`,
        { status: 414 },
      );
    }
    const forwarded = { ...passThroughHeaders(request.headers), ...identityHeaders({ ...message, client: formatClientId(message.client) }) };
    const headerNames = signedHeaderNames(forwarded);
    const hash = requestHash(message.method, target, forwarded, headerNames, request.body);
    const signed = await signManifest(await deps.messageSigner.session(), (signer): RequestManifest => ({
      type: 'sild.request.v1',
      client: formatClientId(message.client),
      service: serviceId,
      ...(message.service.serviceVersion === undefined ? {} : { serviceVersion: message.service.serviceVersion }),
      xRoadId: message.xRoadId,
      requestId: newId(deps),
      ...(message.userId === undefined ? {} : { userId: message.userId }),
      ...(message.issue === undefined ? {} : { issue: message.issue }),
      ...(message.representedParty === undefined ? {} : { representedParty: message.representedParty }),
      method: message.method,
      target,
      headers: headerNames,
      requestHash: hash,
      createdAt: isoNow(deps),
      signer,
    }));
    const { manifest } = signed;
    base = {
      client: manifest.client,
      xRoadId: manifest.xRoadId,
      service: serviceId,
      requestId: manifest.requestId,
      userId: manifest.userId,
      method: manifest.method,
      target,
    };
    const logged = await logMessage(
      deps,
      'Server.ClientProxy',
      base,
      {
        side: 'consumer',
        direction: 'request',
        manifest: b64(signed.bytes),
        signature: b64(signed.signature),
        certificate: signed.certificate,
        headers: forwarded,
      },
      request.body,
      { bodyOrigin: 'Client' },
    );
    deps.events?.('request-forwarded', { xRoadId: manifest.xRoadId, client: manifest.client, serviceId, provider: provider.id });

    // A large body travels by reference (see body-transfer.ts); the signed hash still covers its bytes.
    const reference = await bodyReference(deps, request.body, logged.bodyLocation, logged.bodySha256);
    const providerUrl = providerUrlOf(provider, deps);
    // The signature headers go first: the provider's web ACL sees at most the first 8 KB of headers, and limits a
    // request it sees them on as a peer's (`RateLimitWebAcl`); spread again last, so nothing forwarded overrides them.
    const signature = singleHeaders(manifestHeaders(signed));
    const outbound = { ...signature, ...forwarded, ...signature, ...reference };
    checkProviderAccepts(message.method, target, outbound, providerUrl);
    const sent = await timer.around(() =>
      forward(
        deps,
        providerUrl,
        target,
        outbound,
        message.method,
        reference ? Buffer.alloc(0) : request.body,
        callTimeoutMs(deps.settings.providerTimeoutMs, request),
      ),
    );
    // Only what the provider's gateway provably said reaches the client: its answers, errors included, are signed.
    // The signature is checked before a body sent by reference is fetched, and the body against it after.
    const response = verifyResponse(sent, manifest, provider.id, configuration, deps);
    const answer = {
      ...sent,
      body: await receivedBody(deps, sent.headers, sent.body, 'Server.ClientProxy', callTimeoutMs(deps.settings.providerTimeoutMs, request)),
    };
    checkResponseBody(response, answer);
    const headers = pick(answer.headers, response.manifest.headers);
    checkRelayedErrorTypes(headers, answer.body, protocol);
    const errorType = headerValue(headers, XROAD.error);
    await logMessage(
      deps,
      'Server.ClientProxy',
      base,
      {
        side: 'consumer',
        direction: 'response',
        status: answer.status,
        manifest: b64(response.bytes),
        signature: b64(response.signature),
        certificate: response.certificate,
        headers,
        ...(errorType === undefined ? {} : { errorType }),
      },
      answer.body,
    );
    const exchange = { client: manifest.client, service: serviceId, xRoadId: manifest.xRoadId, requestId: manifest.requestId, requestHash: hash };
    return protocol.clientAnswer({ status: answer.status, headers, body: answer.body }, exchange);
  } catch (error) {
    return answerFailure(deps, protocol, 'consumer', request, base, error);
  }
}

/** The client must be a subsystem of this gateway's member that this gateway serves. */
function checkClientServedHere(client: ClientId, deps: GatewayDeps): void {
  const { settings } = deps;
  if (client.subsystemCode === undefined) {
    throw clientError('InvalidClientIdentifier', 'X-Road-Client must name a subsystem (INSTANCE/CLASS/CODE/SUBSYSTEM)');
  }
  if (formatClientId(memberOf(client)) !== settings.member || !settings.subsystems.includes(client.subsystemCode)) {
    throw clientError('InvalidClientIdentifier', `Client ${formatClientId(client)} is not served by this gateway`);
  }
}

/** Finds the gateway that serves the requested service, or says precisely what is unknown. */
function resolveProvider(message: ClientMessage, configuration: GlobalConfiguration) {
  const { service } = message;
  const owner = formatClientId(serviceOwner(service));
  if (!configuration.hasMember(formatClientId(memberOf(service))))
    throw consumerError('UnknownMember', `Member ${formatClientId(memberOf(service))} is not registered`);
  if (!configuration.hasSubsystem(owner)) throw consumerError('UnknownMember', `Subsystem ${owner} is not registered`);
  // Metadata services are answered by the gateway that serves the subsystem.
  if (message.metadata) return configuration.gatewayOfClient(owner) ?? raise(consumerError('UnknownMember', `No gateway serves ${owner}`));
  const gateway = configuration.gatewayOfService(formatServiceId(service));
  if (!gateway) throw consumerError('UnknownService', `Service ${formatServiceId(service)} is not registered`);
  return gateway;
}

/** The provider gateway's URL; `https` only, except loopback `http` in the local runtime. */
function providerUrlOf(provider: GatewayEntry, deps: GatewayDeps): string {
  let url: URL;
  try {
    url = new URL(provider.providerUrl);
  } catch {
    throw consumerError('NetworkError', `The provider gateway ${provider.id} has no valid URL in the global configuration`);
  }
  const localHttp = deps.settings.insecureLoopbackHttp && url.protocol === 'http:' && isLoopbackHost(url.hostname);
  if (url.protocol !== 'https:' && !localHttp) {
    throw consumerError('NetworkError', `The provider gateway ${provider.id} is not reachable over https`);
  }
  // The own central checks its gateways' URLs at join; a federated partner's central is not ours to trust with a
  // URL into this gateway's own network.
  const foreignReason = !localHttp && instanceOfId(provider.id) !== deps.settings.instance ? nonPublicHostReason(url.hostname) : undefined;
  if (foreignReason)
    throw consumerError('NetworkError', `The provider gateway ${provider.id} of a federated instance is not on a public address: ${foreignReason}`);
  return provider.providerUrl.replace(/\/+$/, '');
}

/**
 * The request head must fit what the provider gateway's API accepts (`MAX_REQUEST_HEAD_BYTES`, with the signed
 * manifest and the `Host` and `Content-Length` lines): refused here as the client's, rather than by the provider's
 * front unsigned.
 */
function checkProviderAccepts(method: string, target: string, headers: Headers, providerUrl: string): void {
  const framing: [string, string][] = [
    ['host', new URL(providerUrl).host],
    ['content-length', '0000000'],
  ];
  const size = requestHeadBytes(method, target, [...headerLines(headers), ...framing]);
  if (size > MAX_REQUEST_HEAD_BYTES) {
    throw new XRoadError(
      'Client',
      'RequestTooLarge',
      `The request's headers are too large to pass through the layer: ${size} bytes with the signature, at most ${MAX_REQUEST_HEAD_BYTES}`,
      { status: 431 },
    );
  }
}

/** Sends the request to the provider gateway within `timeoutMs`; reads at most what this gateway can deliver. */
async function forward(
  deps: GatewayDeps,
  providerUrl: string,
  target: string,
  headers: Headers,
  method: string,
  body: Buffer,
  timeoutMs: number,
): Promise<HttpResponse> {
  try {
    return await deps.http.send({ method, url: `${providerUrl}${target}`, headers, body, timeoutMs, maxResponseBytes: deps.settings.maxBodyBytes });
  } catch (error) {
    if (error instanceof HttpClientError) {
      const message = {
        timeout: 'The provider gateway did not answer in time',
        unreachable: 'The provider gateway could not be reached',
        'too-large': `The provider gateway's answer exceeds this gateway's limit of ${deps.settings.maxBodyBytes} bytes`,
      }[error.reason];
      throw consumerError('NetworkError', message, error);
    }
    throw error;
  }
}

/**
 * Statuses of unsigned refusals by the provider's side: its API (API Gateway, WAF) before the gateway sees a request —
 * refused, too large, throttled, failed — or its gateway before it verified and logged the request (too large, its
 * global configuration outdated, its log or seals failing).
 */
const isFrontRefusal = (status: number) => status === 403 || status === 413 || status === 414 || status === 429 || status === 431 || status >= 500;

/**
 * Checks that the answer — a service's answer or the provider gateway's error — is signed by the provider's
 * gateway and answers our request (the body is checked by `checkResponseBody`, once a body sent by reference has
 * been fetched). The rule for unsigned answers: one is never relayed as the provider's. An unsigned refusal by the
 * provider's front (403, 413, 414, 429, 431, 5xx) is reported with its status as `NetworkError`; any other unsigned,
 * forged or replayed answer becomes `InvalidSignatureValue`, the man-in-the-middle signal, naming what it claimed.
 */
function verifyResponse(
  answer: HttpResponse,
  request: RequestManifest,
  providerGateway: string,
  configuration: GlobalConfiguration,
  deps: GatewayDeps,
): SignedManifest<ResponseManifest> {
  const claimed = headerValue(answer.headers, XROAD.error);
  const refuse = (why: string, cause?: unknown) =>
    new XRoadError(
      'Server.ClientProxy',
      'InvalidSignatureValue',
      `The provider gateway's answer (HTTP ${answer.status}${claimed ? `, claiming ${printable(claimed)}` : ''}) ${why}`,
      { status: 502, cause },
    );
  const policy = {
    maxValidityMs: deps.settings.maxSessionCertificateSeconds * 1000,
    nowMs: deps.clock.now(),
    skewMs: deps.settings.maxClockSkewSeconds * 1000,
  };
  let signed: SignedManifest<ResponseManifest>;
  try {
    signed = readResponseManifest(answer.headers, signerKeyResolver(configuration, policy));
  } catch (error) {
    if (error instanceof ManifestError && error.reason === 'missing' && isFrontRefusal(answer.status)) {
      throw new XRoadError(
        'Server.ClientProxy',
        'NetworkError',
        `The provider's side refused the request unsigned — its API, or its gateway before accepting it (HTTP ${answer.status})`,
        { status: answer.status, cause: error },
      );
    }
    if (error instanceof ManifestError)
      throw refuse(error.reason === 'missing' ? 'is not signed' : `has an invalid signature: ${error.message}`, error);
    throw error;
  }
  const { manifest } = signed;
  if (manifest.signer.gateway !== providerGateway) throw refuse(`is signed by ${manifest.signer.gateway}, not by the provider's gateway`);
  if (manifest.xRoadId !== request.xRoadId || manifest.requestId !== request.requestId || manifest.requestHash !== request.requestHash) {
    throw refuse('does not answer this request (request hash mismatch)');
  }
  if (manifest.status !== answer.status) throw refuse('does not match its signed manifest');
  return signed;
}

/** The error types a provider speaks for: its own side's and the client's request's. */
const PROVIDER_ERROR_TYPE = /^(Server\.ServerProxy|Client)\./;

/**
 * A provider speaks for its own side and for the client's request, never for this gateway: a consumer-side type it
 * signed would page this agency's operators for the provider's answer. Every type the relayed answer states counts —
 * each `X-Road-Error` value (a client may read the first of two lines) and, in an X-Road error answer, its body's
 * (read by the protocol, as a client would).
 */
function checkRelayedErrorTypes(headers: Headers, body: Buffer, protocol: MessageProtocol): void {
  const values = headerValues(headers, XROAD.error);
  if (values === undefined) return;
  const types = [...values.flatMap((value) => value.split(',')).map((type) => type.trim()), ...protocol.errorBody(body).types];
  const foreign = types.find((type) => !PROVIDER_ERROR_TYPE.test(type));
  if (foreign !== undefined) {
    throw new XRoadError(
      'Server.ServerProxy',
      'InternalError',
      `The provider gateway answered with the error type ${printable(foreign)}, which only a consumer gateway raises`,
      { status: 502 },
    );
  }
}

/** The answer's headers and body (fetched, when sent by reference) must be the ones the provider signed. */
function checkResponseBody(signed: SignedManifest<ResponseManifest>, answer: HttpResponse): void {
  if (signed.manifest.responseHash !== responseHash(answer.status, answer.headers, signed.manifest.headers, answer.body)) {
    throw new XRoadError(
      'Server.ClientProxy',
      'InvalidSignatureValue',
      `The provider gateway's answer (HTTP ${answer.status}) does not match its signed manifest`,
      { status: 502 },
    );
  }
}

/** A peer's value in an error message: bounded, control characters shown as escapes. */
const printable = (value: string) => JSON.stringify(value.slice(0, 80)).slice(1, -1);

/** Longest `/r1/…?query` accepted (characters). */
export const MAX_REQUEST_TARGET_LENGTH = 3072;

const b64 = (data: Buffer) => data.toString('base64');
const raise = (error: Error): never => {
  throw error;
};
