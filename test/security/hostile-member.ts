/**
 * A hostile member: it runs its own gateway, holds that gateway's keys (the KMS key and the session keys it
 * certifies), and talks to other gateways' provider sides directly — sending whatever it likes, signed as
 * validly as its own key allows. The attack suite uses it to try each property from the outside.
 */
import { generateKeyPairSync, sign as signWithKey } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { requestHash, signedHeaderNames } from '../../lambdas/core/kernel/hashing';
import { manifestHeaders, signManifest, type RequestManifest, type ResponseBinding } from '../../lambdas/core/trust/manifest';
import { issueSessionCertificate, type SigningSession } from '../../lambdas/core/trust/message-signer';
import type { Signer } from '../../lambdas/core/kernel/ports';
import type { CallResult } from '../../lib/local/http-call';
import { headersOf, headerValue } from '../../lambdas/core/kernel/http';
import { rawCall } from '../support/raw-call';
import type { LocalEcosystem } from '../../lib/local/ecosystem';

export interface ForgedRequest {
  /** The raw path, sent exactly as given. */
  readonly path: string;
  readonly method?: string;
  /** Headers the manifest lists and the request hash covers (X-Road-Client and X-Road-Id are added). */
  readonly headers?: Record<string, string>;
  /** More header lines, sent in this order before `headers` (a name may repeat); listed and hashed like them. */
  readonly lines?: readonly (readonly [string, string])[];
  readonly body?: string | Buffer;
  /** Fields that override what an honest gateway would sign. */
  readonly manifest?: Partial<RequestManifest>;
  /** Signs with this session instead of the gateway's current one (forged certificates). */
  readonly session?: SigningSession;
  readonly client?: string;
  readonly xRoadId?: string;
}

export interface HostileMember {
  /** Signs the request with this member's gateway key and sends it straight to `provider`'s provider side. */
  send(provider: string, request: ForgedRequest): Promise<CallResult>;
  /** A session key with a certificate signed by this member's own KMS key, for any validity it chooses. */
  forgeSession(notBeforeMs: number, notAfterMs: number, issuer?: Signer): Promise<SigningSession>;
}

export function hostileMember(eco: LocalEcosystem & { clock: { now(): number } }, agency = 'tax-board'): HostileMember {
  const deps = eco.agencies[agency].deps;
  const gateway = deps.settings.gatewayId;
  return {
    async send(provider, request) {
      const method = request.method ?? (request.body === undefined ? 'GET' : 'POST');
      const body = Buffer.from(request.body ?? '');
      const client = request.client ?? `${deps.settings.member}/${deps.settings.subsystems[0]}`;
      const xRoadId = request.xRoadId ?? `hostile-${Math.random().toString(36).slice(2)}`;
      const lines: [string, string][] = [
        ...(request.lines ?? []).map(([name, value]): [string, string] => [name, value]),
        ...Object.entries({ ...request.headers, 'x-road-client': client, 'x-road-id': xRoadId }),
      ];
      const headers = headersOf(lines);
      const names = signedHeaderNames(headers);
      const session = request.session ?? (await deps.messageSigner.session());
      const signed = await signManifest(session, (signer): RequestManifest => ({
        type: 'sild.request.v1',
        client,
        service: request.path.split('?')[0].split('/').slice(2, 7).join('/'),
        xRoadId,
        requestId: `hostile-request-${Math.random().toString(36).slice(2)}`,
        method,
        target: request.path,
        headers: names,
        requestHash: requestHash(method, request.path, headers, names, body),
        createdAt: new Date(eco.clock.now()).toISOString(),
        signer,
        ...request.manifest,
      }));
      return rawCall(`${eco.agencies[provider].providerUrl}${request.path}`, [...lines, ...Object.entries(manifestHeaders(signed))], {
        method,
        body: body.length ? body : undefined,
      });
    },

    async forgeSession(notBeforeMs, notAfterMs, issuer?: Signer) {
      issuer ??= await deps.keys.current();
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
      const { keyId, certificate } = await issueSessionCertificate(
        issuer,
        gateway,
        publicKey.export({ format: 'der', type: 'spki' }),
        notBeforeMs,
        notAfterMs,
      );
      return { gateway, keyId, certificate, sign: async (bytes) => signWithKey('sha256', bytes, privateKey) };
    },
  };
}

/**
 * Replaces `agency`'s provider side with `handle` on the same address while `run` runs: a hostile provider gateway
 * (it may sign with its own keys) or a man in the middle, as its consumer peers reach it.
 */
export async function impersonateProvider(
  eco: LocalEcosystem,
  agency: string,
  handle: Parameters<typeof createServer>[1],
  run: () => Promise<void>,
): Promise<void> {
  const front = eco.agencies[agency].fronts.provider;
  const port = Number(new URL(front.url).port);
  await front.pause();
  const server: Server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  try {
    await run();
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await front.resume();
  }
}

/**
 * The binding (X-Road-Id, request id, request hash) a forwarded request's manifest states, read without verifying it:
 * what a hostile provider gateway, holding its own keys, signs its answer to.
 */
export function claimedBinding(request: IncomingMessage): ResponseBinding {
  const encoded = headerValue(headersOf(rawHeaderLines(request)), 'x-sild-manifest')!;
  const { xRoadId, requestId, requestHash } = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')) as ResponseBinding;
  return { xRoadId, requestId, requestHash };
}

/** A received request's header lines as sent, names as spelled. */
export function rawHeaderLines(request: IncomingMessage): [string, string][] {
  const lines: [string, string][] = [];
  for (let index = 0; index < request.rawHeaders.length; index += 2) lines.push([request.rawHeaders[index], request.rawHeaders[index + 1]]);
  return lines;
}
