/**
 * The central API's client: `POST {centralUrl}/join`, signed with AWS Signature V4 so the central API (IAM-authorized
 * in AWS; the local front verifies the same signature) knows the caller's account. Used by the deploy-time custom
 * resource in AWS and by the local runtime at start-up.
 */
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, Provider } from '@smithy/types';
import type { JoinRequest } from '../core/central/join-request';
import { keyIdOf } from '../core/kernel/signatures';

export interface JoinResult {
  readonly agency: string;
  readonly member: string;
  readonly gateway: string;
  readonly keyIds: string[];
}

export interface SignedPostOptions {
  readonly region: string;
  readonly credentials: AwsCredentialIdentity | Provider<AwsCredentialIdentity>;
  /** @default 10000 */
  readonly timeoutMs?: number;
}

export interface JoinOptions extends SignedPostOptions {
  readonly centralUrl: string;
}

/** POSTs a JSON body to an IAM-authorized API, signed with SigV4 (`execute-api`). */
export async function signedPost(url: URL, body: string, options: SignedPostOptions): Promise<Response> {
  const signer = new SignatureV4({
    service: 'execute-api',
    region: options.region,
    credentials: options.credentials,
    sha256: Hash.bind(null, 'sha256'),
  });
  const signed = await signer.sign({
    method: 'POST',
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port ? Number(url.port) : undefined,
    path: url.pathname,
    query: {},
    headers: { host: url.host, 'content-type': 'application/json' },
    body,
  });
  return fetch(url, {
    method: 'POST',
    headers: signed.headers as Record<string, string>,
    body,
    signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
  });
}

export async function joinCentral(request: JoinRequest, options: JoinOptions): Promise<JoinResult> {
  const url = new URL(`${options.centralUrl.replace(/\/+$/, '')}/join`);
  const response = await signedPost(url, JSON.stringify(request), options);
  const text = await response.text();
  if (response.status !== 200) throw new Error(`Joining ${url.origin} failed with ${response.status}: ${text.slice(0, 500)}`);
  const result = JSON.parse(text) as JoinResult;
  const expected = keyIdOf(Buffer.from(request.gateway.publicKeys[0], 'base64'));
  if (!result.keyIds.includes(expected)) throw new Error(`The central registry did not confirm key ${expected}`);
  return result;
}
