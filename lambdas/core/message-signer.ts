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
import * as z from 'zod';
import type { GlobalConfiguration } from './global-configuration';
import type { Clock, Signer } from './ports';
import { keyIdOf, verifySignature } from './signatures';

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

/** `kms` mode: the KMS key signs every manifest. */
export class KmsMessageSigner implements MessageSigner {
  private keyId?: Promise<string>;

  constructor(
    private readonly signer: Signer,
    private readonly gateway: string,
  ) {}

  async session(): Promise<SigningSession> {
    this.keyId ??= this.signer.publicKey().then(keyIdOf);
    this.keyId.catch(() => (this.keyId = undefined));
    return { gateway: this.gateway, keyId: await this.keyId, sign: (bytes) => this.signer.sign(bytes) };
  }
}

interface ActiveSession {
  readonly privateKey: KeyObject;
  readonly keyId: string;
  readonly certificate: EncodedCertificate;
  readonly renewAt: number;
}

/** `session` mode: a fresh in-memory key per validity period, certified by the KMS key. */
export class SessionKeyMessageSigner implements MessageSigner {
  private active?: ActiveSession;
  private pending?: Promise<ActiveSession>;

  constructor(
    private readonly kms: Signer,
    private readonly gateway: string,
    private readonly clock: Clock,
    private readonly validityMs: number,
  ) {}

  async session(): Promise<SigningSession> {
    const active = this.active && this.clock.now() < this.active.renewAt ? this.active : await this.renew();
    return { gateway: this.gateway, keyId: active.keyId, certificate: active.certificate, sign: async (bytes) => signWithKey('sha256', bytes, active.privateKey) };
  }

  /** One renewal at a time; renewal starts when 80 % of the validity has passed, so no message gets an expiring key. */
  private renew(): Promise<ActiveSession> {
    this.pending ??= (async () => {
      try {
        const now = this.clock.now();
        const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
        const publicDer = publicKey.export({ format: 'der', type: 'spki' });
        const header: SessionCertificateHeader = {
          type: SESSION_CERTIFICATE_TYPE,
          gateway: this.gateway,
          issuerKeyId: keyIdOf(await this.kms.publicKey()),
          keyId: keyIdOf(publicDer),
          publicKey: publicDer.toString('base64'),
          notBefore: new Date(now).toISOString(),
          notAfter: new Date(now + this.validityMs).toISOString(),
        };
        const headerBytes = Buffer.from(JSON.stringify(header));
        const signature = await this.kms.sign(headerBytes);
        const certificate = Buffer.from(JSON.stringify({ header: headerBytes.toString('base64'), signature: signature.toString('base64') })).toString('base64');
        this.active = { privateKey, keyId: header.keyId, certificate, renewAt: now + this.validityMs * 0.8 };
        return this.active;
      } finally {
        this.pending = undefined;
      }
    })();
    return this.pending;
  }
}

/** Verified certificates by their encoding: each is checked once per process, not once per message. */
const verifiedCertificates = new Map<string, SessionCertificateHeader>();
const MAX_CACHED_CERTIFICATES = 4096;

/** The certificate's header if it is signed by the gateway's published KMS key; undefined otherwise. */
export function verifyCertificate(encoded: EncodedCertificate, configuration: Pick<GlobalConfiguration, 'publicKey'>): SessionCertificateHeader | undefined {
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

/**
 * The public key a manifest's signer names: a KMS key published in the global configuration, or a session key
 * whose certificate (signed by such a key, for the same gateway) was valid when the manifest was signed.
 */
export function resolveSignerKey(
  configuration: Pick<GlobalConfiguration, 'publicKey'>,
  signer: { gateway: string; keyId: string },
  signedAtMs: number,
  certificate?: EncodedCertificate,
): string | undefined {
  const published = configuration.publicKey(signer.gateway, signer.keyId);
  if (published !== undefined || certificate === undefined) return published;
  const header = verifyCertificate(certificate, configuration);
  if (!header || header.gateway !== signer.gateway || header.keyId !== signer.keyId) return undefined;
  if (!(signedAtMs >= Date.parse(header.notBefore) && signedAtMs <= Date.parse(header.notAfter))) return undefined;
  return header.publicKey;
}

/** A `SignerKeyResolver` over one verified configuration. */
export const signerKeyResolver =
  (configuration: Pick<GlobalConfiguration, 'publicKey'>) =>
  (signer: { gateway: string; keyId: string }, signedAtMs: number, certificate?: EncodedCertificate) =>
    resolveSignerKey(configuration, signer, signedAtMs, certificate);
