/**
 * Large bodies between gateways, by reference. API Gateway hands a Lambda its body inside a 6 MB payload and
 * base64-encodes binary bodies, so about 4.4 MB is the most a gateway side can receive inline. Above
 * `bodyTransferThresholdBytes` the sending gateway puts the body in its own body store and sends a short-lived
 * presigned URL in `X-Sild-Body-Url` instead; the receiving gateway fetches it (only from an S3 endpoint, bounded
 * in size and time) and uses it as the message body. Nothing is trusted for being fetched: the body must still
 * match the signed request or response hash.
 */
import { consumerError, providerError, type FaultOrigin } from '../kernel/errors';
import type { GatewayDeps } from './gateway';
import { headerValue, type Headers } from '../kernel/http';
import { isLoopbackHost } from '../kernel/network-addresses';
import { HttpClientError } from '../kernel/ports';

export const BODY_URL_HEADER = 'x-sild-body-url';
/** How long a presigned URL lives: long enough for the receiver to fetch it at once, no longer. */
const SHARE_TTL_SECONDS = 120;

/** An S3 endpoint host (`bucket.s3.eu-north-1.amazonaws.com`, `s3.eu-north-1.amazonaws.com`, …). */
const S3_HOST = /^([a-z0-9][a-z0-9.-]*\.)?s3([.-][a-z0-9-]+)*\.amazonaws\.com(\.cn)?$/;

/** The header that sends `body` by reference, or undefined when it is small enough to send inline. */
export async function bodyReference(
  deps: GatewayDeps,
  body: Buffer,
  storedAt: string | undefined,
  sha256Base64: string,
): Promise<Record<string, string[]> | undefined> {
  if (body.length <= deps.settings.bodyTransferThresholdBytes) return undefined;
  const store = deps.bodyStore;
  if (!store) return undefined;
  const location = storedAt ?? (await store.put(body, Buffer.from(sha256Base64, 'base64').toString('hex'), 'transfer'));
  return { [BODY_URL_HEADER]: [await store.shareUrl(location, SHARE_TTL_SECONDS)] };
}

/** The body a message carries: as received, or fetched (within `timeoutMs`) from the URL it was sent by reference with. */
export async function receivedBody(
  deps: GatewayDeps,
  headers: Headers,
  body: Buffer,
  origin: Exclude<FaultOrigin, 'Client'>,
  timeoutMs: number,
): Promise<Buffer> {
  const reference = headerValue(headers, BODY_URL_HEADER);
  if (reference === undefined) return body;
  const refuse = (message: string, cause?: unknown) =>
    (origin === 'Server.ServerProxy' ? providerError : consumerError)('NetworkError', message, cause);
  let url: URL;
  try {
    url = new URL(reference);
  } catch {
    throw refuse('The message body reference is not a URL');
  }
  const local = deps.settings.insecureLoopbackHttp && url.protocol === 'http:' && isLoopbackHost(url.hostname);
  if (!local && !(url.protocol === 'https:' && S3_HOST.test(url.hostname)))
    throw refuse('A message body may be sent by reference only from an S3 endpoint over https');
  try {
    const answer = await deps.http.send({
      method: 'GET',
      url: reference,
      headers: {},
      body: Buffer.alloc(0),
      timeoutMs,
      maxResponseBytes: deps.settings.maxBodyBytes,
    });
    if (answer.status !== 200) throw refuse(`The message body could not be fetched (HTTP ${answer.status})`);
    return answer.body;
  } catch (error) {
    if (error instanceof HttpClientError)
      throw refuse(error.reason === 'too-large' ? 'The message body sent by reference is too large' : 'The message body could not be fetched', error);
    throw error;
  }
}
