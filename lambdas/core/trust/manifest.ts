/**
 * Signed manifests: the small JSON statement a gateway signs for each request it sends and each response it
 * returns. A manifest binds the message's ids, method, target, time and hashes; the message itself travels as
 * ordinary HTTP. Manifests travel base64-encoded in
 * `X-Sild-Manifest` with the DER signature in `X-Sild-Signature`.
 */
import * as z from '../kernel/schema';
import { CERTIFICATE_HEADER, type EncodedCertificate, type SignerKeyResolution, type SigningSession } from './message-signer';
import { headerValue, type HeaderInput } from '../kernel/http';
import { instanceOfId } from '../kernel/identifiers';
import { verifySignature } from '../kernel/signatures';

export const MANIFEST_HEADER = 'x-sild-manifest';
export const SIGNATURE_HEADER = 'x-sild-signature';
/** Bounds what a peer may make us parse before the signature is checked. */
export const MAX_MANIFEST_BYTES = 16 * 1024;

const signerSchema = z.object({ gateway: z.string(), keyId: z.string() });

const requestManifestSchema = z.object({
  type: z.literal('sild.request.v1'),
  client: z.string(),
  service: z.string(),
  /** A SOAP service's version (X-Road's `serviceVersion`); absent otherwise, so REST manifests are as before. */
  serviceVersion: z.optional(z.string()),
  xRoadId: z.string(),
  requestId: z.string(),
  userId: z.optional(z.string()),
  issue: z.optional(z.string()),
  representedParty: z.optional(z.string()),
  method: z.string(),
  target: z.string(),
  /** Header names covered by `requestHash`, in hash order. */
  headers: z.array(z.string()),
  requestHash: z.string(),
  createdAt: z.iso.datetime(),
  signer: signerSchema,
});

const responseManifestSchema = z.object({
  type: z.literal('sild.response.v1'),
  xRoadId: z.string(),
  requestId: z.string(),
  requestHash: z.string(),
  status: z.int(),
  headers: z.array(z.string()),
  responseHash: z.string(),
  createdAt: z.iso.datetime(),
  signer: signerSchema,
});

export type RequestManifest = z.infer<typeof requestManifestSchema>;
export type ResponseManifest = z.infer<typeof responseManifestSchema>;
export type Manifest = RequestManifest | ResponseManifest;

/** A manifest with its exact signed bytes, signature and (session mode) the signing key's certificate. */
export interface SignedManifest<M extends Manifest> {
  readonly manifest: M;
  readonly bytes: Buffer;
  readonly signature: Buffer;
  readonly certificate?: EncodedCertificate;
}

/** Signs a manifest built for the session's key (`build` gets the signer identity the manifest must name). */
export async function signManifest<M extends Manifest>(
  session: SigningSession,
  build: (signer: { gateway: string; keyId: string }) => M,
): Promise<SignedManifest<M>> {
  const manifest = build({ gateway: session.gateway, keyId: session.keyId });
  const bytes = Buffer.from(JSON.stringify(manifest));
  return { manifest, bytes, signature: await session.sign(bytes), certificate: session.certificate };
}

/** The headers that carry a signed manifest (one value each). */
export function manifestHeaders(signed: SignedManifest<Manifest>): Record<string, string> {
  return {
    [MANIFEST_HEADER]: signed.bytes.toString('base64'),
    [SIGNATURE_HEADER]: signed.signature.toString('base64'),
    ...(signed.certificate ? { [CERTIFICATE_HEADER]: signed.certificate } : {}),
  };
}

/** Why a manifest was rejected; the caller maps it to its side's error type. */
export class ManifestError extends Error {
  constructor(
    readonly reason: 'missing' | 'malformed' | 'unknown-key' | 'bad-signature',
    message: string,
  ) {
    super(message);
    this.name = 'ManifestError';
  }
}

/**
 * Finds the public key (DER SPKI, base64) of a manifest's signer — published in the global configuration, or
 * vouched for by the certificate that came with the message — or says why there is none to trust.
 */
export type SignerKeyResolver = (
  signer: { gateway: string; keyId: string },
  signedAtMs: number,
  certificate?: EncodedCertificate,
) => SignerKeyResolution;

function readManifest<M extends Manifest>(headers: HeaderInput, schema: z.ZodMiniType<M>, resolveKey: SignerKeyResolver): SignedManifest<M> {
  const encoded = headerValue(headers, MANIFEST_HEADER);
  const encodedSignature = headerValue(headers, SIGNATURE_HEADER);
  if (!encoded || !encodedSignature) throw new ManifestError('missing', 'The message carries no signed manifest');
  const bytes = Buffer.from(encoded, 'base64');
  if (bytes.length > MAX_MANIFEST_BYTES) throw new ManifestError('malformed', 'The manifest is too large');
  let parsed: ReturnType<typeof schema.safeParse>;
  try {
    parsed = schema.safeParse(JSON.parse(bytes.toString('utf8')));
  } catch {
    throw new ManifestError('malformed', 'The manifest is not valid JSON');
  }
  if (!parsed.success) throw new ManifestError('malformed', 'The manifest is malformed');
  const manifest = parsed.data;
  const certificate = headerValue(headers, CERTIFICATE_HEADER);
  const resolution = resolveKey(manifest.signer, Date.parse(manifest.createdAt), certificate);
  if ('problem' in resolution) throw new ManifestError('unknown-key', resolution.problem);
  const signature = Buffer.from(encodedSignature, 'base64');
  if (!verifySignature(resolution.publicKey, bytes, signature)) throw new ManifestError('bad-signature', 'The manifest signature is invalid');
  return { manifest, bytes, signature, certificate };
}

/** Reads and verifies the request manifest a consumer gateway attached. */
export function readRequestManifest(headers: HeaderInput, resolveKey: SignerKeyResolver): SignedManifest<RequestManifest> {
  return readManifest(headers, requestManifestSchema, resolveKey);
}

/** Reads and verifies the response manifest a provider gateway attached. */
export function readResponseManifest(headers: HeaderInput, resolveKey: SignerKeyResolver): SignedManifest<ResponseManifest> {
  return readManifest(headers, responseManifestSchema, resolveKey);
}

/** What a response must echo to answer a request: its ids and hash. */
export type ResponseBinding = Pick<ResponseManifest, 'xRoadId' | 'requestId' | 'requestHash'>;

/** A manifest's fields as claimed, read without verifying anything (bounded like a verified read). */
function claimedFields(headers: HeaderInput): Record<string, unknown> | undefined {
  const encoded = headerValue(headers, MANIFEST_HEADER);
  if (!encoded || encoded.length > (MAX_MANIFEST_BYTES * 4) / 3 + 4) return undefined;
  try {
    const claimed: unknown = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8'));
    return typeof claimed === 'object' && claimed !== null ? (claimed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The instance of the client a request claims, read without verifying it: it says which instance's configuration
 * the signature is then verified with (a federated one for a foreign client).
 */
export function claimedClientInstance(headers: HeaderInput): string | undefined {
  const { client } = claimedFields(headers) ?? {};
  return typeof client === 'string' && instanceOfId(client) !== '' ? instanceOfId(client) : undefined;
}
