/**
 * Who signed a request to a local AWS service: the principal whose credential verifies the request's Signature
 * Version 4, or why AWS would refuse it before any permission is looked at — no signature
 * (`MissingAuthenticationToken`), an access key nobody has (`UnrecognizedClient`), a signature that does not verify
 * (`InvalidSignature`) (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-troubleshooting.html).
 */
import type { IncomingMessage } from 'node:http';
import { verifySigV4 } from '../sigv4-verifier';
import type { LocalPrincipal } from './authorizer';
import type { LocalIam } from './local-iam';

export type SignatureRefusal = 'MissingAuthenticationToken' | 'UnrecognizedClient' | 'InvalidSignature';

export type Caller = { readonly principal: LocalPrincipal } | { readonly refusal: SignatureRefusal };

/** The caller of a header-signed request (`service` is its credential scope's service). */
export async function signedCaller(
  iam: LocalIam,
  request: IncomingMessage,
  body: Buffer,
  service: string,
  options: { uriEscapePath?: boolean } = {},
): Promise<Caller> {
  const authorization = String(request.headers.authorization ?? '');
  if (!authorization) return { refusal: 'MissingAuthenticationToken' };
  const principal = iam.authorizer.principal(/Credential=([^/]+)\//.exec(authorization)?.[1] ?? '');
  if (!principal) return { refusal: 'UnrecognizedClient' };
  // Repeated headers as Node joins them; a null-prototype map (a caller names the headers).
  const headers: Record<string, string> = Object.create(null);
  for (const [name, value] of Object.entries(request.headers))
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  const [path, search = ''] = (request.url ?? '/').split('?');
  const query: Record<string, string> = Object.create(null);
  for (const [name, value] of new URLSearchParams(search)) query[name] = value;
  const credential = {
    accessKeyId: principal.accessKeyId,
    secretAccessKey: principal.secretAccessKey,
    account: principal.account ?? '',
    arn: principal.arn,
  };
  // The SDKs sign with the machine's clock, whatever clock a test gives the handlers.
  const verified = await verifySigV4({ method: request.method ?? 'POST', path, query, headers, body }, [credential], Date.now(), service, options);
  return verified ? { principal } : { refusal: 'InvalidSignature' };
}
