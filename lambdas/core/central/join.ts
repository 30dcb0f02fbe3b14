/**
 * Joining the central: authorized by AWS identity — the front (API Gateway with IAM auth, or the local runtime
 * verifying SigV4) tells us the caller's account; the central settings list which account may register which agency
 * and member. A join replaces the agency's previous entry, so re-deploying an agency is idempotent; removing the
 * entry revokes it at the next configuration refresh.
 */
import { createPublicKey } from 'node:crypto';
import { clientError, XRoadError } from '../kernel/errors';
import { jsonResponse, type HttpRequest, type HttpResponse } from '../kernel/http';
import { clientIdOf, invalidPartReason } from '../kernel/identifiers';
import { RESERVED_SERVICE_CODES } from '../exchange/protocols/metadata-services';
import type { CentralDeps } from './ports';
import type { CentralSettings } from './settings';
import { joinProofBytes, joinRequestSchema, type JoinRequest } from './join-request';
import type { RegistryEntry } from './registry';
import { isLoopbackHost, nonPublicHostReason } from '../kernel/network-addresses';
import { keyIdOf, verifySignature } from '../kernel/signatures';

/** Checks a join against the allow-list and the identifier rules, then stores it. */
export async function join(request: HttpRequest, deps: CentralDeps): Promise<HttpResponse> {
  const account = request.identity?.accountId;
  if (!account) throw new XRoadError('Client', 'Unauthorized', 'Joining requires an authenticated AWS identity');
  const body = parseJson(request.body);
  const parsed = joinRequestSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw clientError('BadRequest', `Invalid join request at ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  const joinRequest = parsed.data;
  const allowed = (await deps.registry.allowList()).find((agency) => agency.name === joinRequest.agency);
  if (!allowed || allowed.account !== account) {
    throw new XRoadError('Client', 'Unauthorized', `Account ${account} may not register agency ${joinRequest.agency}`);
  }
  if (joinRequest.member.id !== allowed.member) {
    throw new XRoadError('Client', 'Unauthorized', `Agency ${joinRequest.agency} may register member ${allowed.member} only`);
  }
  validateJoin(joinRequest, deps.settings, deps.clock.now());
  const { signedAt: _signedAt, proofs: _proofs, ...verified } = joinRequest;
  const member = { id: joinRequest.member.id, name: allowed.memberName ?? allowed.name };
  const entry: RegistryEntry = { ...verified, member, account, joinedAt: new Date(deps.clock.now()).toISOString() };
  await deps.registry.put(entry);
  return jsonResponse(200, {
    agency: entry.agency,
    member: entry.member.id,
    gateway: entry.gateway.id,
    keyIds: entry.gateway.publicKeys.map((key) => keyIdOf(Buffer.from(key, 'base64'))),
  });
}

/**
 * A join asserts only what it may: well-formed identifiers of the joining member, a gateway URL other gateways
 * can safely call, and keys the joiner proves it holds.
 */
function validateJoin(request: JoinRequest, settings: CentralSettings, nowMs: number): void {
  const member = clientIdOf(request.member.id.split('/'), 'BadRequest');
  if (member.subsystemCode !== undefined) throw clientError('BadRequest', 'member.id must be INSTANCE/CLASS/CODE');
  if (member.instance !== settings.instance) throw clientError('BadRequest', `member.id must be in instance ${settings.instance}`);
  if (!settings.memberClasses.includes(member.memberClass)) throw clientError('BadRequest', `Unknown member class ${member.memberClass}`);
  const gatewayParts = request.gateway.id.split('/');
  if (gatewayParts.length !== 4 || `${gatewayParts.slice(0, 3).join('/')}` !== request.member.id || invalidPartReason(gatewayParts[3])) {
    throw clientError('BadRequest', 'gateway.id must be MEMBER/SERVERCODE of the joining member');
  }
  for (const code of [...request.subsystems, ...request.services.flatMap((service) => [service.subsystem, service.code])]) {
    const reason = invalidPartReason(code);
    if (reason) throw clientError('BadRequest', `Identifier part ${JSON.stringify(code.slice(0, 64))} ${reason}`);
  }
  for (const service of request.services) {
    if (RESERVED_SERVICE_CODES.has(service.code)) throw clientError('BadRequest', `Service code ${service.code} is reserved for metadata services`);
    if (!request.subsystems.includes(service.subsystem))
      throw clientError('BadRequest', `Service ${service.code} names unknown subsystem ${service.subsystem}`);
  }
  validateProviderUrl(request.gateway.providerUrl, settings);
  for (const key of request.gateway.publicKeys) {
    // Parse it now, so a bad key is refused at join rather than breaking every gateway that verifies with it.
    let parsed;
    try {
      parsed = createPublicKey({ key: Buffer.from(key, 'base64'), format: 'der', type: 'spki' });
    } catch {
      throw clientError('BadRequest', 'gateway.publicKeys must be DER SubjectPublicKeyInfo keys, base64');
    }
    if (parsed.asymmetricKeyType !== 'ec' || parsed.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
      throw clientError('BadRequest', 'gateway.publicKeys must be ECDSA P-256 keys (KMS ECC_NIST_P256)');
    }
  }
  // Proof of possession: each key signed this very request, recently — nobody registers a key it does not hold.
  if (!(Math.abs(nowMs - Date.parse(request.signedAt)) <= settings.joinMaxSkewSeconds * 1000)) {
    throw clientError('BadRequest', `signedAt ${request.signedAt} is more than ${settings.joinMaxSkewSeconds} s from the central clock`);
  }
  if (request.proofs.length !== request.gateway.publicKeys.length) throw clientError('BadRequest', 'proofs must hold one signature per public key');
  const bytes = joinProofBytes(request, request.signedAt);
  request.gateway.publicKeys.forEach((key, index) => {
    if (!verifySignature(key, bytes, Buffer.from(request.proofs[index], 'base64'))) {
      throw clientError('BadRequest', `proofs.${index}: not a signature of this join request by gateway.publicKeys.${index}`);
    }
  });
}

/** `https` on a public address; loopback `http` only in the local runtime; private addresses only when allowed. */
function validateProviderUrl(providerUrl: string, settings: CentralSettings): void {
  const url = new URL(providerUrl);
  const localHttp = settings.insecureLoopbackHttp && url.protocol === 'http:' && isLoopbackHost(url.hostname);
  if (url.protocol !== 'https:' && !localHttp) throw clientError('BadRequest', 'gateway.providerUrl must be an https URL');
  if (url.username || url.password || url.search || url.hash)
    throw clientError('BadRequest', 'gateway.providerUrl must not carry credentials, a query or a fragment');
  const reason = localHttp ? undefined : nonPublicHostReason(url.hostname);
  if (reason && !settings.allowPrivateProviderUrls)
    throw clientError('BadRequest', `gateway.providerUrl: ${reason} (other gateways would call into their own network)`);
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw clientError('BadRequest', 'The request body is not valid JSON');
  }
}
