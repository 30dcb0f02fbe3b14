/**
 * How a gateway signs its manifests, in one of two modes:
 *
 * - `kms`: every manifest is signed by the gateway's KMS key — two KMS calls per exchange, bounded by KMS's
 *   shared 1,000 Sign/s per account and priced at $0.15 per 10,000.
 * - `session` (default): the KMS key certifies a short-lived P-256 key generated in the function's memory (the
 *   certificate names the gateway, both keys and the validity), and manifests are signed with that session key.
 *   One KMS call per process per validity period; the certificate travels with each message and is verified
 *   against the gateway's KMS public key from the global configuration, then cached.
 *
 * The trade-off: a session private key lives in function memory for at most its validity; whoever could read
 * that memory could also have called KMS Sign with the function's role, so the exposure added is bounded by the
 * validity, while signing no longer depends on KMS's quota, latency and price per message.
 */
import { generateKeyPairSync, sign as signWithKey, type KeyObject } from 'node:crypto';
import * as z from '../kernel/schema';
import type { GlobalConfiguration } from './global-configuration';
import type { Clock, KeyRing, Signer } from '../kernel/ports';
import { keyIdOf, verifySignature } from '../kernel/signatures';

export const CERTIFICATE_HEADER = 'x-sild-certificate';
export const SESSION_CERTIFICATE_TYPE = 'sild.session-certificate.v1';

const certificateHeaderSchema = z.object({
  type: z.literal(SESSION_CERTIFICATE_TYPE),
  gateway: z.string(),
  /** The KMS key that certifies (published in the global configuration). */
  issuerKeyId: z.string(),
  /** The session key's id and public key (DER SPKI, base64). */
  keyId: z.string(),
  publicKey: z.string(),
  notBefore: z.iso.datetime(),
  notAfter: z.iso.datetime(),
});

export type SessionCertificateHeader = z.infer<typeof certificateHeaderSchema>;

/** A session certificate on the wire and in the log: base64 of `{"header": b64, "signature": b64}`. */
export type EncodedCertificate = string;

/** One signing: who signs (as the manifest names it) and how. */
export interface SigningSession {
  readonly gateway: string;
  readonly keyId: string;
  /** Present in `session` mode: travels with the message and is logged with it. */
  readonly certificate?: EncodedCertificate;
  sign(bytes: Buffer): Promise<Buffer>;
}

export interface MessageSigner {
  /** The key to sign the next message with (fetch once per message: identity and signature must agree). */
  session(): Promise<SigningSession>;
}

/** `kms` mode: the current KMS key signs every manifest. */
export class KmsMessageSigner implements MessageSigner {
  constructor(
    private readonly keys: KeyRing,
    private readonly gateway: string,
  ) {}

  async session(): Promise<SigningSession> {
    const signer = await this.keys.current();
    return { gateway: this.gateway, keyId: keyIdOf(await signer.publicKey()), sign: (bytes) => signer.sign(bytes) };
  }
}

interface ActiveSession {
  readonly privateKey: KeyObject;
  readonly keyId: string;
  /** The KMS key that certified it: a rotation to another key starts a new session at once. */
  readonly issuer: Signer;
  readonly certificate: EncodedCertificate;
  readonly renewAt: number;
}

/** `session` mode: a fresh in-memory key per validity period, certified by the KMS key. */
export class SessionKeyMessageSigner implements MessageSigner {
  private active?: ActiveSession;
  private pending?: Promise<ActiveSession>;

  constructor(
    private readonly keys: KeyRing,
    private readonly gateway: string,
    private readonly clock: Clock,
    private readonly validityMs: number,
  ) {}

  async session(): Promise<SigningSession> {
    const issuer = await this.keys.current();
    const active = this.active && this.active.issuer === issuer && this.clock.now() < this.active.renewAt ? this.active : await this.renew(issuer);
    return {
      gateway: this.gateway,
      keyId: active.keyId,
      certificate: active.certificate,
      sign: async (bytes) => signWithKey('sha256', bytes, active.privateKey),
    };
  }

  /** One renewal at a time; renewal starts when 80 % of the validity has passed, so no message gets an expiring key. */
  private renew(issuer: Signer): Promise<ActiveSession> {
    this.pending ??= (async () => {
      try {
        const now = this.clock.now();
        const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
        const { keyId, certificate } = await issueSessionCertificate(
          issuer,
          this.gateway,
          publicKey.export({ format: 'der', type: 'spki' }),
          now,
          now + this.validityMs,
        );
        this.active = { privateKey, keyId, issuer, certificate, renewAt: now + this.validityMs * 0.8 };
        return this.active;
      } finally {
        this.pending = undefined;
      }
    })();
    return this.pending;
  }
}

/** Certifies a session public key (DER SPKI) with the gateway's KMS key for the given validity. */
export async function issueSessionCertificate(
  kms: Signer,
  gateway: string,
  publicKeyDer: Buffer,
  notBeforeMs: number,
  notAfterMs: number,
): Promise<{ keyId: string; certificate: EncodedCertificate }> {
  const header: SessionCertificateHeader = {
    type: SESSION_CERTIFICATE_TYPE,
    gateway,
    issuerKeyId: keyIdOf(await kms.publicKey()),
    keyId: keyIdOf(publicKeyDer),
    publicKey: publicKeyDer.toString('base64'),
    notBefore: new Date(notBeforeMs).toISOString(),
    notAfter: new Date(notAfterMs).toISOString(),
  };
  const headerBytes = Buffer.from(JSON.stringify(header));
  const signature = await kms.sign(headerBytes);
  const certificate = Buffer.from(JSON.stringify({ header: headerBytes.toString('base64'), signature: signature.toString('base64') })).toString(
    'base64',
  );
  return { keyId: header.keyId, certificate };
}

/** Verified certificates by their encoding: each is checked once per process, not once per message. */
const verifiedCertificates = new Map<string, SessionCertificateHeader>();
const MAX_CACHED_CERTIFICATES = 4096;

/** The certificate's header if it is signed by the gateway's published KMS key; undefined otherwise. */
export function verifyCertificate(
  encoded: EncodedCertificate,
  configuration: Pick<GlobalConfiguration, 'publicKey'>,
): SessionCertificateHeader | undefined {
  const cached = verifiedCertificates.get(encoded);
  if (cached && configuration.publicKey(cached.gateway, cached.issuerKeyId) !== undefined) return cached;
  try {
    const { header, signature } = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')) as { header: string; signature: string };
    const headerBytes = Buffer.from(header, 'base64');
    const parsed = certificateHeaderSchema.parse(JSON.parse(headerBytes.toString('utf8')));
    const issuerKey = configuration.publicKey(parsed.gateway, parsed.issuerKeyId);
    if (!issuerKey || !verifySignature(issuerKey, headerBytes, Buffer.from(signature, 'base64'))) return undefined;
    if (keyIdOf(Buffer.from(parsed.publicKey, 'base64')) !== parsed.keyId) return undefined;
    if (verifiedCertificates.size >= MAX_CACHED_CERTIFICATES) verifiedCertificates.clear();
    verifiedCertificates.set(encoded, parsed);
    return parsed;
  } catch {
    return undefined;
  }
}

/** Limits a receiver puts on a session certificate (X-Road-style bounded trust). */
export interface CertificatePolicy {
  /** Longest validity (`notAfter − notBefore`) accepted. */
  readonly maxValidityMs: number;
  /** The receiver's clock; when set, the certificate must be current within `skewMs`. @default - not checked (offline evidence) */
  readonly nowMs?: number;
  /** @default 0 */
  readonly skewMs?: number;
}

/** The longest session validity a gateway may configure, and so the default limit receivers apply. */
export const MAX_SESSION_VALIDITY_MS = 3600_000;
export const DEFAULT_CERTIFICATE_POLICY: CertificatePolicy = { maxValidityMs: MAX_SESSION_VALIDITY_MS };

/** A signer's public key (DER SPKI, base64), or why none could be trusted. */
export type SignerKeyResolution = { readonly publicKey: string } | { readonly problem: string };

/**
 * The public key a manifest's signer names: a KMS key published in the global configuration, or a session key
 * whose certificate (signed by such a key, for the same gateway) was valid when the manifest was signed, is no
 * longer-lived than the policy allows and — for a live message — is current on the receiver's clock.
 */
export function resolveSigner(
  configuration: Pick<GlobalConfiguration, 'publicKey'>,
  signer: { gateway: string; keyId: string },
  signedAtMs: number,
  certificate: EncodedCertificate | undefined,
  policy: CertificatePolicy = DEFAULT_CERTIFICATE_POLICY,
): SignerKeyResolution {
  const published = configuration.publicKey(signer.gateway, signer.keyId);
  if (published !== undefined) return { publicKey: published };
  const unknown = `Key ${signer.keyId} of ${signer.gateway} is neither in the global configuration nor certified by it`;
  if (certificate === undefined) return { problem: unknown };
  const header = verifyCertificate(certificate, configuration);
  if (!header || header.gateway !== signer.gateway || header.keyId !== signer.keyId) return { problem: unknown };
  const notBefore = Date.parse(header.notBefore);
  const notAfter = Date.parse(header.notAfter);
  if (!(notAfter - notBefore <= policy.maxValidityMs)) {
    return { problem: `The session certificate of ${signer.gateway} is valid for longer than the accepted ${policy.maxValidityMs / 1000} s` };
  }
  if (policy.nowMs !== undefined) {
    const skew = policy.skewMs ?? 0;
    if (notBefore > policy.nowMs + skew || notAfter < policy.nowMs - skew) {
      return { problem: `The session certificate of ${signer.gateway} (${header.notBefore} – ${header.notAfter}) is not current` };
    }
  }
  if (!(signedAtMs >= notBefore && signedAtMs <= notAfter)) {
    return { problem: `The manifest was signed outside its session certificate's validity` };
  }
  return { publicKey: header.publicKey };
}

/** `resolveSigner`, reduced to the key or undefined. */
export function resolveSignerKey(
  configuration: Pick<GlobalConfiguration, 'publicKey'>,
  signer: { gateway: string; keyId: string },
  signedAtMs: number,
  certificate?: EncodedCertificate,
  policy?: CertificatePolicy,
): string | undefined {
  const resolution = resolveSigner(configuration, signer, signedAtMs, certificate, policy);
  return 'publicKey' in resolution ? resolution.publicKey : undefined;
}

/** A `SignerKeyResolver` over one verified configuration, under a certificate policy. */
export const signerKeyResolver =
  (configuration: Pick<GlobalConfiguration, 'publicKey'>, policy?: CertificatePolicy) =>
  (signer: { gateway: string; keyId: string }, signedAtMs: number, certificate?: EncodedCertificate) =>
    resolveSigner(configuration, signer, signedAtMs, certificate, policy);
