/**
 * Which central keys a verifier trusts: the anchor's keys, and every key a rotation record connects to them.
 *
 * A central key rotation is one record, signed by both keys: the outgoing key vouches for its successor (so a gateway
 * anchored to the old key follows the rotation without a redeploy), and the successor vouches for its predecessor (so
 * an evidence bundle whose configuration the old key signed still verifies with an anchor that names only the new
 * key). Records travel in every global configuration from then on, and in anchor files. After a rotation the old key
 * is trusted only for configurations generated before the rotation: a retired key that leaks cannot sign a new one.
 */
import * as z from 'zod';
import { keyIdOf, verifySignature } from './signatures';
import type { Signer } from './ports';

export const CENTRAL_KEY_ROTATION_TYPE = 'sild.central-key-rotation.v1';

const centralKeySchema = z.object({ keyId: z.string(), publicKey: z.string() });

export const centralKeyRotationSchema = z.object({
  type: z.literal(CENTRAL_KEY_ROTATION_TYPE),
  instance: z.string(),
  from: centralKeySchema,
  to: centralKeySchema,
  /** When the successor took over: the outgoing key signs nothing generated from then on. */
  at: z.iso.datetime(),
  /** base64 DER signatures over `rotationBytes` by the outgoing and by the incoming key. */
  fromSignature: z.string(),
  toSignature: z.string(),
});

export type CentralKeyRotation = z.infer<typeof centralKeyRotationSchema>;
type UnsignedRotation = Omit<CentralKeyRotation, 'fromSignature' | 'toSignature'>;

/** The bytes both keys sign: the record in a fixed field order, with a type no other Sild signature carries. */
export function rotationBytes(rotation: UnsignedRotation): Buffer {
  return Buffer.from(JSON.stringify({ type: CENTRAL_KEY_ROTATION_TYPE, instance: rotation.instance, from: [rotation.from.keyId, rotation.from.publicKey], to: [rotation.to.keyId, rotation.to.publicKey], at: rotation.at }));
}

/** Signs a rotation from `from` to `to`, effective at `atMs`, with both keys. */
export async function signCentralKeyRotation(instance: string, from: Signer, to: Signer, atMs: number): Promise<CentralKeyRotation> {
  const key = async (signer: Signer) => {
    const publicKey = await signer.publicKey();
    return { keyId: keyIdOf(publicKey), publicKey: publicKey.toString('base64') };
  };
  const unsigned: UnsignedRotation = { type: CENTRAL_KEY_ROTATION_TYPE, instance, from: await key(from), to: await key(to), at: new Date(atMs).toISOString() };
  const bytes = rotationBytes(unsigned);
  return { ...unsigned, fromSignature: (await from.sign(bytes)).toString('base64'), toSignature: (await to.sign(bytes)).toString('base64') };
}

/** A trusted central key: DER SPKI (base64), and the time from which it no longer signs configurations, if rotated away. */
export interface TrustedCentralKey {
  readonly publicKey: string;
  readonly retiredAtMs?: number;
}

/**
 * The central keys trusted from `anchorKeys` (DER SPKI, base64) through `rotations` of `instance`: the closure over
 * authentic records in both directions. A record counts only if each key's id matches its public key and the
 * signature of the key already trusted verifies.
 */
export function trustedCentralKeys(instance: string, anchorKeys: readonly string[], rotations: readonly unknown[]): Map<string, TrustedCentralKey> {
  const trusted = new Map<string, TrustedCentralKey>(anchorKeys.map((publicKey) => [keyIdOf(Buffer.from(publicKey, 'base64')), { publicKey }]));
  const records = rotations.map((rotation) => centralKeyRotationSchema.safeParse(rotation)).flatMap((parsed) => (parsed.success && parsed.data.instance === instance ? [parsed.data] : []));
  const consistent = records.filter((record) => keyIdOf(Buffer.from(record.from.publicKey, 'base64')) === record.from.keyId && keyIdOf(Buffer.from(record.to.publicKey, 'base64')) === record.to.keyId);
  const vouches = (record: CentralKeyRotation, by: 'from' | 'to') => verifySignature(record[by].publicKey, rotationBytes(record), Buffer.from(by === 'from' ? record.fromSignature : record.toSignature, 'base64'));
  for (let grew = true; grew; ) {
    grew = false;
    for (const record of consistent) {
      if (trusted.has(record.from.keyId) && !trusted.has(record.to.keyId) && vouches(record, 'from')) {
        trusted.set(record.to.keyId, { publicKey: record.to.publicKey });
        grew = true;
      } else if (trusted.has(record.to.keyId) && !trusted.has(record.from.keyId) && vouches(record, 'to')) {
        trusted.set(record.from.keyId, { publicKey: record.from.publicKey });
        grew = true;
      }
    }
  }
  // A key that handed over (by its own signature) signs nothing generated after the hand-over.
  for (const record of consistent) {
    const outgoing = trusted.get(record.from.keyId);
    if (outgoing && vouches(record, 'from')) {
      const at = Date.parse(record.at);
      trusted.set(record.from.keyId, { ...outgoing, retiredAtMs: Math.min(outgoing.retiredAtMs ?? Number.POSITIVE_INFINITY, at) });
    }
  }
  return trusted;
}
