/** A GET signed with SigV4 for `execute-api`, as an AWS SDK client signs a call to an IAM-authorized API. */
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { httpCall, type CallResult } from '../../lib/local/http-call';
import { LOCAL_REGION } from '../../lib/local/names';
import type { LocalCredential } from '../../lib/local/sigv4-verifier';

/** `credential` undefined: the same GET unsigned. */
export async function signedGet(
  href: string,
  credential: Pick<LocalCredential, 'accessKeyId' | 'secretAccessKey'> | undefined,
  client: string,
): Promise<CallResult> {
  const url = new URL(href);
  const headers: Record<string, string> = { host: url.host, 'x-road-client': client };
  if (!credential) return httpCall(url.href, { headers });
  const signer = new SignatureV4({ service: 'execute-api', region: LOCAL_REGION, credentials: credential, sha256: Hash.bind(null, 'sha256') });
  const signed = await signer.sign({
    method: 'GET',
    protocol: url.protocol,
    hostname: url.hostname,
    port: Number(url.port),
    path: url.pathname,
    query: {},
    headers,
  });
  return httpCall(url.href, { headers: signed.headers as Record<string, string> });
}
