/**
 * The provider side of a gateway: another gateway forwards a client's request for one of this agency's services.
 *
 * 1. Verify the request manifest: signed by the gateway that serves the client (key from the global
 *    configuration), matching the message received (request hash), and fresh (timestamp within the clock skew).
 * 2. Log the request — a conditional write keyed by (client, X-Road-Id) that also rejects a replay.
 * 3. Enforce access rights (deny by default), call the backend (or answer a metadata service), sign the response manifest (binding the request
 *    hash), log the response, and only then return it.
 */
import { isAllowed, subjectMatches, type AccessContext } from './access-rights';
import type { AccessPolicy } from './gateway-settings';
import { providerError, XRoadError } from './errors';
import { answerFailure, checkBodySize, isoNow, logMessage, pick, type GatewayDeps, type RecordBase } from './gateway';
import type { GlobalConfiguration } from './global-configuration';
import { requestHash, responseHash, signedHeaderNames } from './hashing';
import { requestTarget, type HttpRequest, type HttpResponse } from './http';
import { formatClientId, memberOf, parseClientId, type ServiceId } from './identifiers';
import { isMetadataRequest, metadataAnswer } from './metadata';
import { ManifestError, manifestHeaders, readRequestManifest, signManifest, type RequestManifest, type ResponseManifest, type SignedManifest } from './manifest';
import { signerKeyResolver } from './message-signer';
import { HttpClientError } from './ports';
import { parseServicePath, passThroughHeaders, XROAD } from './rest-message';

/** Handles one request from a consumer gateway; never throws — every failure becomes an X-Road error response. */
export async function handleProviderRequest(request: HttpRequest, deps: GatewayDeps): Promise<HttpResponse> {
  let base: RecordBase | undefined;
  try {
    checkBodySize(request.body, deps, 'Server.ServerProxy');
    await deps.sealHealth?.check();
    const configuration = await deps.globalConfiguration.current();
    const { manifest, certificate } = verifyRequest(request, configuration, deps);
    const { service, servicePath } = parseServicePath(request.rawPath);
    base = { client: manifest.client, xRoadId: manifest.xRoadId, service: manifest.service, requestId: manifest.requestId, userId: manifest.userId, method: manifest.method, target: manifest.target };
    await logMessage(deps, 'Server.ServerProxy', base, { side: 'provider', direction: 'request', manifest: request.headers['x-sild-manifest'], signature: request.headers['x-sild-signature'], certificate, headers: pick(request.headers, manifest.headers) }, request.body);

    const access = accessContext(await deps.accessPolicy.current(), configuration, manifest.client);
    const answer = isMetadataRequest(service, servicePath)
      ? metadataAnswer(service, deps.settings, access.rules, (rule) => subjectMatches(rule.subject, manifest.client, access))
      : await serveRequest(deps, access, request, manifest, service, servicePath);

    const headers = passThroughHeaders(answer.headers);
    const headerNames = signedHeaderNames(headers);
    const signed = await signManifest(await deps.messageSigner.session(), (signer): ResponseManifest => ({
      type: 'sild.response.v1',
      xRoadId: manifest.xRoadId,
      requestId: manifest.requestId,
      requestHash: manifest.requestHash,
      status: answer.status,
      headers: headerNames,
      responseHash: responseHash(answer.status, headers, headerNames, answer.body),
      createdAt: isoNow(deps),
      signer,
    }));
    await logMessage(deps, 'Server.ServerProxy', base, { side: 'provider', direction: 'response', status: answer.status, manifest: signed.bytes.toString('base64'), signature: signed.signature.toString('base64'), certificate: signed.certificate, headers }, answer.body);
    return {
      status: answer.status,
      headers: {
        ...headers,
        ...manifestHeaders(signed),
        [XROAD.client]: manifest.client,
        [XROAD.service]: manifest.service,
        [XROAD.id]: manifest.xRoadId,
        [XROAD.requestId]: manifest.requestId,
        [XROAD.requestHash]: manifest.requestHash,
      },
      body: answer.body,
    };
  } catch (error) {
    return answerFailure(deps, 'provider', base, error);
  }
}

const accessContext = (policy: AccessPolicy, configuration: GlobalConfiguration, caller: string): AccessContext => ({
  rules: policy.accessRights,
  localGroups: policy.localGroups,
  callerGlobalGroups: configuration.globalGroupsOf(caller),
});

/** A service call proper: the service must be offered here and the caller allowed; then the backend answers. */
async function serveRequest(deps: GatewayDeps, access: AccessContext, request: HttpRequest, manifest: RequestManifest, service: ServiceId, servicePath: string): Promise<HttpResponse> {
  const offered = deps.settings.services.find((entry) => entry.subsystem === service.subsystemCode && entry.code === service.serviceCode);
  if (!offered || formatClientId(memberOf(service)) !== deps.settings.member) {
    throw providerError('UnknownService', `Service ${manifest.service} is not offered by this gateway`);
  }
  const allowed = isAllowed({ caller: manifest.client, service, method: manifest.method, path: servicePath }, access);
  if (!allowed) throw providerError('AccessDenied', `${manifest.client} may not call ${manifest.method} ${servicePath || '/'} of ${manifest.service}`);

  const url = `${offered.backendUrl}${servicePath}${request.rawQuery ? `?${request.rawQuery}` : ''}`;
  return callBackend(deps, { method: manifest.method, url, headers: pick(request.headers, manifest.headers), body: request.body, timeoutMs: offered.timeoutMs });
}

/** Verifies that the request came through the client's gateway, unaltered and recently. */
function verifyRequest(request: HttpRequest, configuration: GlobalConfiguration, deps: GatewayDeps): SignedManifest<RequestManifest> {
  let signed: SignedManifest<RequestManifest>;
  try {
    signed = readRequestManifest(request.headers, signerKeyResolver(configuration));
  } catch (error) {
    if (error instanceof ManifestError) {
      const why = error.reason === 'missing' ? 'The request did not come through a gateway: it carries no signed manifest' : error.message;
      throw providerError('InvalidSignatureValue', why, error);
    }
    throw error;
  }
  const { manifest } = signed;
  const client = formatClientId(parseClientId(manifest.client));
  const clientGateway = configuration.gatewayOfClient(client);
  if (!clientGateway || clientGateway.id !== manifest.signer.gateway) {
    throw providerError('InvalidSignatureValue', `The request is signed by ${manifest.signer.gateway}, which does not serve ${client}`);
  }
  const target = requestTarget(request.rawPath, request.rawQuery);
  if (manifest.method !== request.method.toUpperCase() || manifest.target !== target || request.headers[XROAD.client] !== manifest.client || request.headers[XROAD.id] !== manifest.xRoadId) {
    throw providerError('InvalidSignatureValue', 'The request does not match its signed manifest');
  }
  if (requestHash(manifest.method, target, request.headers, manifest.headers, request.body) !== manifest.requestHash) {
    throw providerError('InvalidSignatureValue', 'The request body or headers do not match the signed request hash');
  }
  const skewMs = Math.abs(deps.clock.now() - Date.parse(manifest.createdAt));
  if (!(skewMs <= deps.settings.maxClockSkewSeconds * 1000)) {
    throw providerError('StaleMessage', `The request was signed at ${manifest.createdAt}, outside the accepted clock skew of ${deps.settings.maxClockSkewSeconds} s`);
  }
  return signed;
}

async function callBackend(deps: GatewayDeps, outbound: Parameters<GatewayDeps['http']['send']>[0]): Promise<HttpResponse> {
  try {
    return await deps.http.send(outbound);
  } catch (error) {
    if (error instanceof HttpClientError) {
      const message = error.reason === 'timeout' ? `The service did not answer within ${outbound.timeoutMs} ms` : 'The service could not be reached';
      throw new XRoadError('Server.ServerProxy', 'ServiceFailed', message, { status: error.reason === 'timeout' ? 504 : 502, cause: error });
    }
    throw error;
  }
}
